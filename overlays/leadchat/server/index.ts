import { fileURLToPath } from 'node:url';
import type { ExtensionContext } from '../../../server/src/extensions/index.js';
import { microsoftSharedProvider } from './microsoft-shared/provider.js';
import { transportsRouter } from './microsoft-shared/transports.router.js';

/** Entry point of the LeadChat overlay: everything it adds goes through the core's registries. */
export function register(ctx: ExtensionContext): void {
  ctx.register.migrations(fileURLToPath(new URL('../migrations', import.meta.url)));
  ctx.register.emailProvider(microsoftSharedProvider);
  ctx.register.route({ id: 'leadchat.microsoft_shared.transports', mount: 'account', router: transportsRouter() });
}
