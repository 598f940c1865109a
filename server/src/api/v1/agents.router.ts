import { Router } from 'express';
import type { AgentService } from '../../services/agents.service.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import { serializeAgentListing } from '../../serializers/user.serializer.js';
import { idParam } from '../../lib/validation.js';

/** Chatwoot's `/agents`: any member may list; administrators add, change and remove agents. */
export function agentsRouter(agents: AgentService): Router {
  const router = Router();

  router.get('/agents', async (req, res) => {
    const list = await agents.list(accountScope(req));
    res.json(list.map((a) => serializeAgentListing(a.user, a)));
  });

  router.post('/agents', requireAdministrator, async (req, res) => {
    const agent = await agents.create(accountScope(req), req.body ?? {});
    res.json(serializeAgentListing(agent.user, agent));
  });

  router.patch('/agents/:id', requireAdministrator, async (req, res) => {
    const agent = await agents.update(accountScope(req), idParam(req.params.id, 'Agent'), req.body ?? {});
    res.json(serializeAgentListing(agent.user, agent));
  });

  // LeadChat's own: a fresh invitation link, by email; the previous link stops working.
  router.post('/agents/:id/resend_invitation', requireAdministrator, async (req, res) => {
    const agent = await agents.resendInvitation(accountScope(req), idParam(req.params.id, 'Agent'));
    res.json(serializeAgentListing(agent.user, agent));
  });

  router.delete('/agents/:id', requireAdministrator, async (req, res) => {
    await agents.destroy(accountScope(req), idParam(req.params.id, 'Agent'));
    res.json({ message: 'Agent removed' });
  });

  return router;
}
