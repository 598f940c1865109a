import { Router, type Request } from 'express';
import { accountScope, idParam, NotFoundError } from '../../../../../server/src/extensions/index.js';
import type { Provider } from '../metadata-sync.model.js';
import type { MetadataConnectFlow } from '../connect/connect.flow.js';
import type { MetadataConnections } from './connections.service.js';

const PROVIDERS: readonly Provider[] = ['microsoft', 'google'];

function providerParam(req: Request): Provider {
  const provider = String(req.params.provider);
  if (!(PROVIDERS as readonly string[]).includes(provider)) throw new NotFoundError('Integration');
  return provider as Provider;
}

/**
 * `/api/v1/accounts/:account_id/integrations/…` (account members, each for their own connections):
 * the cards, authorization, features, sync now, disconnect and the shared-mailbox list.
 */
export function integrationsRouter(connections: MetadataConnections, flow: MetadataConnectFlow): Router {
  const router = Router();
  router.get('/integrations/metadata_sync', async (req, res) => {
    const scope = accountScope(req);
    res.json({ microsoft: await connections.card(scope, 'microsoft'), google: await connections.card(scope, 'google') });
  });
  router.post('/integrations/microsoft/shared_mailboxes', async (req, res) => {
    res.status(201).json(await connections.addSharedMailbox(accountScope(req), req.body));
  });
  router.delete('/integrations/microsoft/shared_mailboxes/:id', async (req, res) => {
    await connections.removeSharedMailbox(accountScope(req), idParam(req.params.id, 'Shared mailbox'));
    res.status(204).end();
  });
  router.post('/integrations/:provider/authorization', async (req, res) => {
    res.json({ url: await flow.start(req, res, accountScope(req), providerParam(req)) });
  });
  router.post('/integrations/:provider/sync', async (req, res) => {
    await connections.syncNow(accountScope(req), providerParam(req));
    res.status(202).end();
  });
  router.patch('/integrations/:provider', async (req, res) => {
    res.json(await connections.updateFeatures(accountScope(req), providerParam(req), req.body));
  });
  router.delete('/integrations/:provider', async (req, res) => {
    await connections.disconnect(accountScope(req), providerParam(req));
    res.status(204).end();
  });
  return router;
}
