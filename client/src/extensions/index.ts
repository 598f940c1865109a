/**
 * Finds the overlays' client entries (`overlays/<name>/client/index.ts`) at build time and loads them
 * after the core's own contribution. With `EXTENSIONS=` the server simply lists no overlay provider,
 * so an overlay's wizard card never shows even though its code is in the bundle.
 */
import { inject, type InjectionKey } from 'vue';
import type { ClientExtension } from './slot-types';
import { loadClientExtensions, overlayNameOf, type LoadedExtensions, type SlotRegistry } from './slots';
import { coreExtension } from './core';
import { useSessionStore } from '../stores/session';

const overlayEntries = import.meta.glob<ClientExtension>('../../../overlays/*/client/index.ts', { eager: true, import: 'default' });

export function loadExtensions(coreNamespaces: string[]): LoadedExtensions {
  const overlays = Object.entries(overlayEntries)
    .map(([path, extension]) => ({ name: overlayNameOf(path), extension }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return loadClientExtensions([{ name: 'core', extension: coreExtension }, ...overlays], coreNamespaces);
}

export const SLOTS: InjectionKey<SlotRegistry> = Symbol('slots');

/** The slots as the signed-in dashboard sees them: the core's entries and those of the overlays the server runs. */
export function useExtensionSlots(): Pick<SlotRegistry, 'list'> {
  const slots = inject(SLOTS);
  if (!slots) throw new Error('extension slots are not provided');
  const session = useSessionStore();
  return { list: (slot) => slots.list(slot, session.extensions) };
}
