import { Router } from 'express';
import type { Agent } from '../../services/agents.service.js';
import type { InboxMemberService } from '../../services/inbox-members.service.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import { serializeAgent } from '../../serializers/user.serializer.js';

const payload = (members: Agent[]) => ({ payload: members.map((m) => serializeAgent(m.user, m)) });

/** Chatwoot's `/inbox_members`: every write answers with the inbox's members after the change. */
export function inboxMembersRouter(members: InboxMemberService): Router {
  const router = Router();

  router.get('/inbox_members/:inbox_id', async (req, res) => {
    res.json(payload(await members.list(accountScope(req), req.params.inbox_id)));
  });

  router.post('/inbox_members', requireAdministrator, async (req, res) => {
    res.json(payload(await members.add(accountScope(req), req.body ?? {})));
  });

  router.patch('/inbox_members', requireAdministrator, async (req, res) => {
    res.json(payload(await members.replace(accountScope(req), req.body ?? {})));
  });

  router.delete('/inbox_members', requireAdministrator, async (req, res) => {
    res.json(payload(await members.remove(accountScope(req), req.body ?? {})));
  });

  return router;
}
