import path from 'node:path';
import { codeRoot } from './lib/paths.js';
import type { ExtensionContext } from './extensions/context.js';
import { googleProvider, imapProvider, microsoftProvider } from './channels/email/providers/imap.provider.js';
import { inboxesRouter } from './api/v1/inboxes.js';
import { platformRouter } from './api/platform/platform.js';
import type { CoreApi } from './runtime.js';

/**
 * The core's own built-ins, registered through the same calls an overlay uses: nothing in the core
 * reads a provider, route or job from anywhere but the registries.
 */
export function registerCore(ctx: ExtensionContext, api: CoreApi): void {
  ctx.register.migrations(path.join(codeRoot, 'migrations'));
  for (const provider of [imapProvider, microsoftProvider, googleProvider]) ctx.register.emailProvider(provider);
  ctx.register.route({ id: 'core.inboxes', mount: 'account', router: inboxesRouter(api.inboxes) });
  ctx.register.route({ id: 'core.platform', mount: 'platform', router: platformRouter(api.tokens) });
}
