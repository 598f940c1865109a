import { Router } from 'express';
import type { ConversationService } from '../../services/conversations.js';
import { accountScope } from '../request-context.js';
import { serializeConversation } from '../serializers/conversation.js';
import { serializeAgent } from '../serializers/user.js';
import { idParam } from '../validate.js';

/** Chatwoot's conversations API; `:id` is the per-account display id. */
export function conversationsRouter(conversations: ConversationService): Router {
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
    const conversation = await conversations.toggleStatus(accountScope(req), idParam(req.params.id, 'Conversation'), req.body ?? {});
    res.json({
      meta: {},
      payload: { success: true, current_status: conversation.status, conversation_id: conversation.display_id, snoozed_until: conversation.snoozed_until },
    });
  });

  router.post('/conversations/:id/assignments', async (req, res) => {
    const assignee = await conversations.assign(accountScope(req), idParam(req.params.id, 'Conversation'), req.body ?? {});
    res.json(assignee ? serializeAgent(assignee.user, assignee.accountUser) : null);
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
