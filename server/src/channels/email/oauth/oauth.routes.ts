import { Router } from 'express';
import { requireAdministrator } from '../../../api/auth.js';
import { accountScope } from '../../../api/request-context.js';
import { AppError } from '../../../lib/errors.js';
import { callbackErrorPage } from './callback-page.js';
import type { EmailOAuthFlow, OAuthMailbox } from './oauth-flow.js';

/** `POST /api/v1/accounts/:account_id/<provider>/authorization` (administrators): `{ success, url }`, as Chatwoot. */
export function authorizationRouter(flow: EmailOAuthFlow, mailboxes: OAuthMailbox[]): Router {
  const router = Router();
  for (const mailbox of mailboxes) {
    router.post(`/${mailbox.definition.id}/authorization`, requireAdministrator, async (req, res) => {
      res.json({ success: true, url: await flow.start(accountScope(req), mailbox, req.body) });
    });
  }
  return router;
}

/** `GET /<provider>/callback` (public: the identity provider redirects the browser here). */
export function callbackRouter(flow: EmailOAuthFlow, mailboxes: OAuthMailbox[]): Router {
  const router = Router();
  for (const mailbox of mailboxes) {
    router.get(`/${mailbox.definition.id}/callback`, async (req, res) => {
      res.setHeader('cache-control', 'no-store');
      try {
        res.redirect(302, await flow.complete(mailbox, req.query as Record<string, unknown>));
      } catch (err) {
        if (!(err instanceof AppError) || err.status !== 400) throw err;
        req.log?.info({ code: err.code, provider: mailbox.definition.id }, 'oauth callback refused');
        res.status(400).type('html').send(callbackErrorPage({ title: `Could not connect the ${mailbox.definition.label} mailbox`, message: err.message, homeUrl: flow.homeUrl() }));
      }
    });
  }
  return router;
}
