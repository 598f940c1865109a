import { Router } from 'express';
import type { ConversationService } from '../../services/conversations.service.js';
import type { TeamService } from '../../services/teams.service.js';
import { accountScope, actingScope } from '../request-context.js';
import { isBotScope } from '../../services/account-scope.js';
import { serializeConversation } from '../../serializers/conversation.serializer.js';
import { serializeTeam } from '../../serializers/team.serializer.js';
import { serializeAgent } from '../../serializers/user.serializer.js';
import { idParam } from '../../lib/validation.js';

/** Chatwoot's conversations API; `:id` is the per-account display id. */
export function conversationsRouter(conversations: ConversationService, teams: TeamService): Router {
  const router = Router();

  router.get('/conversations', async (req, res) => {
    const { counts, conversations: list, nextCursor } = await conversations.list(accountScope(req), req.query);
    // `next_cursor` only when another page follows, so a single page's meta is Chatwoot's exactly.
    res.json({ data: { meta: { ...counts, ...(nextCursor ? { next_cursor: nextCursor } : {}) }, payload: list.map(serializeConversation) } });
  });

  router.get('/conversations/meta', async (req, res) => {
    res.json({ meta: await conversations.meta(accountScope(req), req.query) });
  });

  router.post('/conversations', async (req, res) => {
    res.json(serializeConversation(await conversations.create(accountScope(req), req.body ?? {})));
  });

  router.get('/conversations/:id', async (req, res) => {
    res.json(serializeConversation(await conversations.show(accountScope(req), idParam(req.params.id, 'Conversation'))));
  });

  router.post('/conversations/:id/toggle_status', async (req, res) => {
    const conversation = await conversations.toggleStatus(actingScope(req), idParam(req.params.id, 'Conversation'), req.body ?? {});
    res.json({
      meta: {},
      payload: { success: true, current_status: conversation.status, conversation_id: conversation.display_id, snoozed_until: conversation.snoozed_until },
    });
  });

  router.post('/conversations/:id/toggle_priority', async (req, res) => {
    await conversations.togglePriority(actingScope(req), idParam(req.params.id, 'Conversation'), req.body ?? {});
    res.status(200).end();
  });

  router.post('/conversations/:id/assignments', async (req, res) => {
    const scope = actingScope(req);
    const result = await conversations.assign(scope, idParam(req.params.id, 'Conversation'), req.body ?? {});
    if (result.kind === 'agent') res.json(result.assignee ? serializeAgent(result.assignee.user, result.assignee.accountUser) : null);
    // `is_member` is the caller's membership: a bot is a member of no team.
    else res.json(result.team ? serializeTeam(result.team, isBotScope(scope) ? new Set() : await teams.memberTeamIds(scope.user.id)) : null);
  });

  router.post('/bulk_actions', async (req, res) => {
    await conversations.bulk(accountScope(req), req.body ?? {});
    res.status(200).end();
  });

  router.get('/conversations/:id/labels', async (req, res) => {
    res.json({ payload: await conversations.labels(accountScope(req), idParam(req.params.id, 'Conversation')) });
  });

  router.post('/conversations/:id/labels', async (req, res) => {
    res.json({ payload: await conversations.setLabels(accountScope(req), idParam(req.params.id, 'Conversation'), req.body ?? {}) });
  });

  router.post('/conversations/:id/update_last_seen', async (req, res) => {
    res.json(serializeConversation(await conversations.markSeen(accountScope(req), idParam(req.params.id, 'Conversation'))));
  });

  // Chatwoot serves this from its contacts controllers; it lives here because it is a conversation query.
  router.get('/contacts/:id/conversations', async (req, res) => {
    const list = await conversations.forContact(accountScope(req), idParam(req.params.id, 'Contact'));
    res.json({ payload: list.map(serializeConversation) });
  });

  return router;
}
