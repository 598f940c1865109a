import { Router } from 'express';
import { accountScope, callbackRoute, requireAdministrator } from '../../../../server/src/extensions/index.js';
import type { SharedInboxConnectFlow } from './connect.flow.js';
import { MICROSOFT_SHARED } from './provider.js';

/** `POST /api/v1/accounts/:account_id/microsoft_shared/authorization` (administrators): `{ success, url }`. */
export function authorizationRouter(flow: SharedInboxConnectFlow): Router {
  const router = Router();
  router.post(`/${MICROSOFT_SHARED}/authorization`, requireAdministrator, async (req, res) => {
    res.json({ success: true, url: await flow.start(req, res, accountScope(req)) });
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
