import { Router } from 'express';
import type { AgentBot } from '../../models/index.js';
import type { AgentBotService } from '../../services/agent-bots.service.js';
import { serializeAgentBot } from '../../serializers/agent-bot.serializer.js';
import { idParam } from '../../lib/validation.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import type { AccountScope } from '../../services/account-scope.js';

/**
 * Chatwoot's `/agent_bots` (administrators) and an inbox's bot (`GET /inboxes/:id/agent_bot`,
 * `POST /inboxes/:id/set_agent_bot`). The account's own bots come with their access token and secret;
 * system bots with neither. `inbox_ids` (the account's inboxes each bot is attached to) is ours.
 */
export function agentBotsRouter(bots: AgentBotService): Router {
  const router = Router();
  router.use('/agent_bots', requireAdministrator);
  // Credentials only for administrators, and only of the account's own bots.
  const render = async (list: AgentBot[], scope: AccountScope) => {
    const accountId = scope.account.id;
    const [credentials, inboxIds] = await Promise.all([bots.credentials(list, (b) => scope.isAdministrator && b.account_id === accountId), bots.inboxIdsOf(list, accountId)]);
    return list.map((b) => serializeAgentBot(b, credentials.get(b.id)!, inboxIds.get(b.id) ?? []));
  };
  const one = async (bot: AgentBot, scope: AccountScope) => (await render([bot], scope))[0];

  router.get('/agent_bots', async (req, res) => {
    const scope = accountScope(req);
    res.json(await render(await bots.list(scope), scope));
  });

  router.post('/agent_bots', async (req, res) => {
    const scope = accountScope(req);
    res.json(await one(await bots.create(scope, req.body ?? {}), scope));
  });

  router.get('/agent_bots/:id', async (req, res) => {
    const scope = accountScope(req);
    res.json(await one(await bots.show(scope, idParam(req.params.id, 'Agent bot')), scope));
  });

  router.patch('/agent_bots/:id', async (req, res) => {
    const scope = accountScope(req);
    res.json(await one(await bots.update(scope, idParam(req.params.id, 'Agent bot'), req.body ?? {}), scope));
  });

  router.delete('/agent_bots/:id', async (req, res) => {
    await bots.destroy(accountScope(req), idParam(req.params.id, 'Agent bot'));
    res.status(200).end();
  });

  router.post('/agent_bots/:id/reset_access_token', async (req, res) => {
    const scope = accountScope(req);
    res.json(await one(await bots.resetToken(scope, idParam(req.params.id, 'Agent bot')), scope));
  });

  // Chatwoot answers `{}` when no bot is attached; `agent_bot: null` says the same and keeps the key.
  router.get('/inboxes/:id/agent_bot', async (req, res) => {
    const scope = accountScope(req);
    const bot = await bots.inboxBot(scope, idParam(req.params.id, 'Inbox'));
    res.json({ agent_bot: bot ? await one(bot, scope) : null });
  });

  router.post('/inboxes/:id/set_agent_bot', requireAdministrator, async (req, res) => {
    await bots.setInboxBot(accountScope(req), idParam(req.params.id, 'Inbox'), req.body ?? {});
    res.status(200).end();
  });

  return router;
}
