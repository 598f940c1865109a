import { Router } from 'express';
import type { MessageService } from '../../services/messages.js';
import { accountScope } from '../request-context.js';
import { serializeContactSender } from '../serializers/contact.js';
import { serializeMessage } from '../serializers/message.js';
import { serializeAgent } from '../serializers/user.js';
import { idParam } from '../validate.js';

/** Chatwoot's messages API, nested under a conversation's display id. */
export function messagesRouter(messages: MessageService): Router {
  const router = Router();

  router.get('/conversations/:conversation_id/messages', async (req, res) => {
    const { conversation: c, assigneeMembership, messages: list } = await messages.list(accountScope(req), idParam(req.params.conversation_id, 'Conversation'), req.query);
    res.json({
      meta: {
        labels: [],
        additional_attributes: c.additional_attributes,
        contact: c.contact ? serializeContactSender(c.contact) : null,
        assignee: c.assignee ? serializeAgent(c.assignee, assigneeMembership) : null,
        agent_last_seen_at: c.agent_last_seen_at,
        assignee_last_seen_at: c.assignee_last_seen_at,
      },
      payload: list.map(serializeMessage),
    });
  });

  router.post('/conversations/:conversation_id/messages', async (req, res) => {
    const view = await messages.create(accountScope(req), idParam(req.params.conversation_id, 'Conversation'), req.body ?? {});
    res.json(serializeMessage(view));
  });

  router.delete('/conversations/:conversation_id/messages/:message_id', async (req, res) => {
    const view = await messages.destroy(accountScope(req), idParam(req.params.conversation_id, 'Conversation'), idParam(req.params.message_id, 'Message'));
    res.json(serializeMessage(view));
  });

  return router;
}
