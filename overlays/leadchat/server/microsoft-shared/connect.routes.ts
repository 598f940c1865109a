import { Router } from 'express';
import { accountScope, AppError, callbackErrorPage, requireAdministrator, type ExtensionContext } from '../../../../server/src/extensions/index.js';
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
    res.json({ success: true, url: await flow.start(scope, req.body) });
  });
  return router;
}

/** `GET /microsoft_shared/callback` (public: Microsoft redirects the browser here). */
export function callbackRouter(flow: SharedInboxConnectFlow): Router {
  const router = Router();
  router.get(`/${MICROSOFT_SHARED}/callback`, async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    try {
      res.redirect(302, await flow.complete(req.query as Record<string, unknown>));
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      req.log?.info({ code: err.code }, 'microsoft_shared callback refused');
      res.status(400).type('html').send(callbackErrorPage({ title: 'Could not connect the Microsoft 365 shared inbox', message: err.message, homeUrl: flow.homeUrl() }));
    }
  });
  return router;
}
