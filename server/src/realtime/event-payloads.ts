import { serializeConversation } from '../serializers/conversation.serializer.js';
import { serializeMessage } from '../serializers/message.serializer.js';
import type { LifecycleEventName, LifecycleEvents } from '../extensions/events.js';
import { Conversation, Message } from '../models/index.js';
import { conversationIncludes, type ConversationService } from '../services/conversations.service.js';
import { hydrateMessages } from '../services/messages.service.js';

export const LIVE_EVENTS = ['message.created', 'message.updated', 'conversation.created', 'conversation.updated'] as const satisfies readonly LifecycleEventName[];
export type LiveEventName = (typeof LIVE_EVENTS)[number];

/**
 * The Chatwoot payload a dashboard receives for a lifecycle event: the message payload for
 * `message.created` and `message.updated`, the conversation payload otherwise — the API's own serializers, so a live update
 * and a reload show the same thing. `null` when the record is gone.
 */
export async function livePayload<E extends LiveEventName>(event: E, ids: LifecycleEvents[E], conversations: ConversationService): Promise<unknown> {
  if (event === 'message.created' || event === 'message.updated') {
    const { messageId } = ids as LifecycleEvents['message.created' | 'message.updated'];
    const [message, conversation] = await Promise.all([
      Message.findByPk(messageId),
      Conversation.findByPk(ids.conversationId, { attributes: ['id', 'display_id'] }),
    ]);
    if (!message || !conversation) return null;
    const [view] = await hydrateMessages(ids.accountId, [message], new Map([[conversation.id, conversation.display_id]]));
    return serializeMessage(view);
  }
  const conversation = await Conversation.findByPk(ids.conversationId, { include: conversationIncludes() });
  if (!conversation) return null;
  const [view] = await conversations.views(ids.accountId, [conversation]);
  return serializeConversation(view);
}
