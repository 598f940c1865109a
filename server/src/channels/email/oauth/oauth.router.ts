import { Router } from 'express';
import { requireAdministrator } from '../../../api/auth.js';
import { callbackRoute } from '../../../api/oauth-handshake/callback-route.js';
import { accountScope } from '../../../api/request-context.js';
import type { EmailOAuthFlow, OAuthMailbox } from './oauth-flow.js';

/** `POST /api/v1/accounts/:account_id/<provider>/authorization` (administrators): `{ success, url }`, as Chatwoot. */
export function authorizationRouter(flow: EmailOAuthFlow, mailboxes: OAuthMailbox[]): Router {
  const router = Router();
  for (const mailbox of mailboxes) {
    router.post(`/${mailbox.definition.id}/authorization`, requireAdministrator, async (req, res) => {
      res.json({ success: true, url: await flow.start(req, res, accountScope(req), mailbox) });
    });
  }
  return router;
}

/** `GET /<provider>/callback` (public: the identity provider redirects the browser here). */
export function callbackRouter(flow: EmailOAuthFlow, mailboxes: OAuthMailbox[]): Router {
  const router = Router();
  for (const mailbox of mailboxes) {
    const page = { title: `Could not connect the ${mailbox.definition.label} mailbox`, homeUrl: flow.homeUrl(), startFrom: 'Settings → Inboxes → Add inbox' };
    router.get(`/${mailbox.definition.id}/callback`, callbackRoute(page, (req) => flow.complete(req, mailbox)));
  }
  return router;
}
