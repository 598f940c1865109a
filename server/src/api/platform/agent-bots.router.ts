import { Router } from 'express';
import type { AgentBot } from '../../models/index.js';
import type { AgentBotService } from '../../services/agent-bots.service.js';
import { serializeAgentBot } from '../../serializers/agent-bot.serializer.js';
import { idParam } from '../../lib/validation.js';

/**
 * Chatwoot's Platform API `/agent_bots`: the installation's operator manages every bot; one made
 * without `account_id` is a system bot every account can attach. Answers carry the bot's access token
 * and signing secret.
 */
export function platformAgentBotsRouter(bots: AgentBotService): Router {
  const router = Router();
  const render = async (list: AgentBot[]) => {
    const credentials = await bots.credentials(list, () => true);
    return list.map((b) => serializeAgentBot(b, credentials.get(b.id)!));
  };
  const one = async (bot: AgentBot) => (await render([bot]))[0];

  router.get('/agent_bots', async (_req, res) => res.json(await render(await bots.platformList())));
  router.post('/agent_bots', async (req, res) => res.json(await one(await bots.platformCreate(req.body ?? {}))));
  router.get('/agent_bots/:id', async (req, res) => res.json(await one(await bots.platformFind(idParam(req.params.id, 'Agent bot')))));
  router.patch('/agent_bots/:id', async (req, res) => res.json(await one(await bots.platformUpdate(idParam(req.params.id, 'Agent bot'), req.body ?? {}))));
  router.delete('/agent_bots/:id', async (req, res) => {
    await bots.platformDestroy(idParam(req.params.id, 'Agent bot'));
    res.status(200).end();
  });
  return router;
}
