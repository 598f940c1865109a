import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { codeExt, codeRoot } from '../lib/paths.js';
import type { ExtensionContext } from './context.js';

export interface Extension {
  register(ctx: ExtensionContext): void | Promise<void>;
}

export function extensionEntry(name: string, root = codeRoot): string {
  return path.join(root, 'overlays', name, 'server', `index${codeExt}`);
}

/**
 * Imports `overlays/<name>/server/index` for each configured extension and calls its `register`.
 * Problems (missing folder, no `register`, a throwing `register`) are collected, not thrown, so boot
 * reports them together with registry conflicts.
 */
export async function loadExtensions(
  names: string[],
  contextFor: (name: string) => ExtensionContext,
  problems: string[],
  root = codeRoot,
): Promise<void> {
  for (const name of names) {
    const entry = extensionEntry(name, root);
    if (!existsSync(entry)) {
      problems.push(`extension "${name}" not found (expected ${path.relative(root, entry)})`);
      continue;
    }
    const mod = (await import(pathToFileURL(entry).href)) as Partial<Extension>;
    if (typeof mod.register !== 'function') {
      problems.push(`extension "${name}" does not export a register(ctx) function`);
      continue;
    }
    try {
      await mod.register(contextFor(name));
    } catch (err) {
      problems.push(`extension "${name}" failed to register: ${(err as Error).message}`);
    }
  }
}
