import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Root of the tree this code runs from: the repository when run with tsx, `dist/` once compiled.
 * Overlays and migrations are code, so they are found relative to it.
 */
export const codeRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Extension of the running code's modules: `.ts` under tsx, `.js` when compiled. */
export const codeExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Repository root: where non-code assets live (client build, runtime folder). */
export const repoRoot = path.basename(codeRoot.replace(/\/$/, '')) === 'dist' ? path.resolve(codeRoot, '..') : codeRoot;
