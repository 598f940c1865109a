import { Router } from 'express';
import type { InboxService } from '../../services/inboxes.service.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import { serializeInbox } from '../../serializers/inbox.serializer.js';
import { idParam } from '../../lib/validation.js';

export function inboxesRouter(inboxes: InboxService): Router {
  const router = Router();

  router.get('/inboxes', async (req, res) => {
    const list = await inboxes.list(accountScope(req));
    res.json({ payload: list.map((i) => serializeInbox(i, i.channel)) });
  });

  router.get('/inboxes/:id', async (req, res) => {
    const inbox = await inboxes.find(accountScope(req), idParam(req.params.id, 'Inbox'));
    res.json(serializeInbox(inbox, inbox.channel));
  });

  router.post('/inboxes', requireAdministrator, async (req, res) => {
    const inbox = await inboxes.create(accountScope(req), req.body ?? {});
    res.json(serializeInbox(inbox, inbox.channel));
  });

  router.patch('/inboxes/:id', requireAdministrator, async (req, res) => {
    const inbox = await inboxes.update(accountScope(req), idParam(req.params.id, 'Inbox'), req.body ?? {});
    res.json(serializeInbox(inbox, inbox.channel));
  });

  router.delete('/inboxes/:id', requireAdministrator, async (req, res) => {
    await inboxes.destroy(accountScope(req), idParam(req.params.id, 'Inbox'));
    res.json({ message: 'Inbox deleted' });
  });

  return router;
}
