import type { ExtensionContext } from '../../../../server/src/extensions/index.js';
import type { MicrosoftPlumbing } from '../index.js';
import type { LeadchatSettings } from '../settings.js';
import { callbackRouter } from './api/callback.router.js';
import { MetadataConnections } from './api/connections.service.js';
import { integrationsRouter } from './api/integrations.router.js';
import { interactionsRouter } from './api/interactions.router.js';
import { MetadataConnectFlow } from './connect/connect.flow.js';
import { MetadataConnectionTokens } from './connect/connection-tokens.js';
import { GoogleConnectClient } from './connect/google-connect.client.js';
import { MicrosoftConnectClient } from './connect/microsoft-connect.client.js';
import { defineMetadataSyncModels } from './metadata-sync.model.js';
import { googleSyncKinds } from './sync/google/index.js';
import { createMetadataSync } from './sync/index.js';

/**
 * Metadata sync: the models, the connection token service, the sync engine with its jobs (Microsoft
 * kinds built in, Google's added here when Google is configured), and the
 * routes — the integrations API (account members, their own connections), the OAuth callbacks
 * (public) and a contact's interactions.
 */
export function registerMetadataSync(ctx: ExtensionContext, plumbing: Pick<MicrosoftPlumbing, 'apps' | 'graph'>, settings: LeadchatSettings): void {
  defineMetadataSyncModels(ctx.sequelize);
  const microsoft = new MicrosoftConnectClient(plumbing.apps);
  const google = new GoogleConnectClient(ctx.config);
  const tokens = new MetadataConnectionTokens({ ctx, microsoft, google });
  const engine = createMetadataSync(ctx, { tokens, graph: plumbing.graph, apps: plumbing.apps });
  if (!google.missingConfig().length) {
    for (const kind of googleSyncKinds({ config: ctx.config, tokens, logger: ctx.logger, settings })) engine.registerSyncKind(kind);
  }
  engine.register();

  const flow = new MetadataConnectFlow({ ctx, apps: plumbing.apps, microsoft, google, tokens, engine });
  const connections = new MetadataConnections({ ctx, flow, engine, tokens, google, microsoftConfigured: () => microsoft.missingConfig().length === 0 });
  ctx.register.route({ id: 'leadchat.metadata_sync.integrations', mount: 'account', router: integrationsRouter(connections, flow) });
  ctx.register.route({ id: 'leadchat.metadata_sync.interactions', mount: 'account', router: interactionsRouter(ctx) });
  ctx.register.route({ id: 'leadchat.metadata_sync.callbacks', mount: 'public', router: callbackRouter(flow) });
}
