import { Router } from 'express';
import { accountScope, callbackRoute, requireAdministrator, type ExtensionContext } from '../../../../server/src/extensions/index.js';
import type { SharedInboxConnectFlow } from './connect.flow.js';
import { refuseConnectedMailbox } from './mailbox-in-use.js';
import { MICROSOFT_SHARED } from './provider.js';

/**
 * `POST /api/v1/accounts/:account_id/microsoft_shared/authorization` (administrators): `{ success, url }`,
 * or 422 with a field error on `email` for an address already connected.
 */
export function authorizationRouter(flow: SharedInboxConnectFlow, models: ExtensionContext['models']): Router {
  const router = Router();
  router.post(`/${MICROSOFT_SHARED}/authorization`, requireAdministrator, async (req, res) => {
    const scope = accountScope(req);
    await refuseConnectedMailbox(models, scope, req.body);
    res.json({ success: true, url: await flow.start(req, res, scope) });
  });
  return router;
}

/** `GET /microsoft_shared/callback` (public: Microsoft redirects the browser here). */
export function callbackRouter(flow: SharedInboxConnectFlow): Router {
  const router = Router();
  const page = { title: 'Could not connect the Microsoft 365 shared inbox', homeUrl: flow.homeUrl(), startFrom: 'Settings → Inboxes → Add inbox' };
  router.get(`/${MICROSOFT_SHARED}/callback`, callbackRoute(page, (req) => flow.complete(req)));
  return router;
}
