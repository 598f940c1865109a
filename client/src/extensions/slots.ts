import type { ClientExtension, ClientExtensionApi, LocaleBundles, SlotEntries, SlotName } from './slot-types.js';
import { SLOT_NAMES } from './slot-types.js';

interface Registered<T> {
  entry: T;
  owner: string;
  seq: number;
}

/** Slot entries of every contributor; duplicate ids are problems, reported together at boot. */
export class SlotRegistry {
  private readonly slots = new Map<SlotName, Map<string, Registered<unknown>>>();
  private seq = 0;

  constructor(readonly problems: string[] = []) {}

  add<K extends SlotName>(slot: K, entry: SlotEntries[K], owner: string): void {
    if (!SLOT_NAMES.includes(slot)) {
      this.problems.push(`${owner}: unknown slot "${slot}"`);
      return;
    }
    const entries = this.slots.get(slot) ?? new Map<string, Registered<unknown>>();
    this.slots.set(slot, entries);
    const previous = entries.get(entry.id);
    if (previous) {
      this.problems.push(`${slot} "${entry.id}" is registered by both ${previous.owner} and ${owner}`);
      return;
    }
    entries.set(entry.id, { entry, owner, seq: this.seq++ });
  }

  /** The slot's entries in order; with `enabled`, only the core's and those of the enabled overlays. */
  list<K extends SlotName>(slot: K, enabled?: readonly string[]): SlotEntries[K][] {
    const entries = ([...(this.slots.get(slot)?.values() ?? [])] as Registered<SlotEntries[K]>[])
      .filter((r) => !enabled || r.owner === 'core' || enabled.includes(r.owner));
    const order = (r: Registered<SlotEntries[K]>) => r.entry.order ?? Number.MAX_SAFE_INTEGER;
    return entries.sort((a, b) => order(a) - order(b) || a.seq - b.seq).map((r) => r.entry);
  }
}

export interface Contributor {
  /** `core` or the overlay's folder name. */
  name: string;
  extension: ClientExtension;
}

export interface LoadedExtensions {
  slots: SlotRegistry;
  /** Per locale, the namespaces contributed (to merge into vue-i18n). */
  messages: Record<string, Record<string, unknown>>;
}

const NAMESPACE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

export class ExtensionLoadError extends Error {
  constructor(readonly problems: string[]) {
    super(`Dashboard extensions failed to load:\n- ${problems.join('\n- ')}`);
  }
}

/**
 * Runs each contributor's `register` and collects what they add. `reservedNamespaces` are the core's
 * own i18n namespaces: an overlay cannot replace them. Every problem is reported in one error.
 */
export function loadClientExtensions(contributors: Contributor[], reservedNamespaces: string[] = []): LoadedExtensions {
  const problems: string[] = [];
  const slots = new SlotRegistry(problems);
  const messages: Record<string, Record<string, unknown>> = {};
  const namespaceOwners = new Map(reservedNamespaces.map((n) => [n, 'core']));

  for (const { name, extension } of contributors) {
    if (typeof extension?.register !== 'function') {
      problems.push(`${name}: the module's default export has no register(api) function`);
      continue;
    }
    const api: ClientExtensionApi = {
      slot: (slot, entry) => slots.add(slot, entry, name),
      messages: (namespace: string, bundles: LocaleBundles) => {
        const owner = namespaceOwners.get(namespace);
        if (!NAMESPACE.test(namespace)) problems.push(`${name}: i18n namespace "${namespace}" is not UPPER_SNAKE`);
        else if (owner) problems.push(`i18n namespace "${namespace}" is claimed by both ${owner} and ${name}`);
        else {
          namespaceOwners.set(namespace, name);
          for (const [locale, bundle] of Object.entries(bundles)) (messages[locale] ??= {})[namespace] = bundle;
        }
      },
    };
    try {
      extension.register(api);
    } catch (err) {
      problems.push(`${name}: register() threw: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new ExtensionLoadError(problems);
  return { slots, messages };
}

/** `../../../overlays/leadchat/client/index.ts` -> `leadchat`. */
export function overlayNameOf(modulePath: string): string {
  const match = /overlays\/([^/]+)\/client\/index\.ts$/.exec(modulePath);
  if (!match) throw new Error(`not an overlay client entry: ${modulePath}`);
  return match[1];
}
