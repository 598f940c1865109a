import { Router } from 'express';
import type { EmailCheckService } from '../../channels/email/checks/email-checks.service.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';

/**
 * `POST /inboxes/email_checks`: the inbox wizard checks one leg (imap, smtp, round_trip) before the
 * inbox is saved. POST only, so it cannot be mistaken for an inbox id: the inboxes router has no
 * `POST /inboxes/:id`.
 */
export function emailChecksRouter(checks: EmailCheckService): Router {
  const router = Router();
  router.post('/inboxes/email_checks', requireAdministrator, async (req, res) => {
    res.json(await checks.run(accountScope(req), req.body ?? {}));
  });
  return router;
}
