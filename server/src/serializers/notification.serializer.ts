import type { Notification } from '../services/notifications.service.js';
import { unix } from './user.serializer.js';

/** A one-line title per notification type, as Chatwoot's `push_message_title`; the dashboard shows it. */
function title(n: Notification): string {
  const meta = n.payload as { inbox_name?: string; title?: unknown; conversation_id?: number };
  const inbox = meta.inbox_name ?? 'An inbox';
  const conversation = meta.conversation_id;
  switch (n.notification_type) {
    case 'email_channel_reauthorization_required': return `${inbox} needs reconnecting`;
    case 'email_channel_recovered': return `${inbox} is connected again`;
    case 'email_inbound_rejected': return `${inbox} turned an email away`;
    // Chatwoot's wording for the conversation types.
    case 'conversation_creation': return `A new conversation [ID -${conversation}] has been created in ${inbox}.`;
    case 'conversation_assignment': return `A new conversation [ID -${conversation}] has been assigned to you.`;
    case 'assigned_conversation_new_message': return `A new message is created in conversation [ID -${conversation}]`;
    case 'conversation_mention': return `You have been mentioned in conversation [ID -${conversation}]`;
    // Types an overlay adds bring their own title.
    default: return typeof meta.title === 'string' && meta.title ? meta.title : n.notification_type.replace(/_/g, ' ');
  }
}

/**
 * Chatwoot's notification payload. The primary actor is the conversation (by its display id, which the
 * dashboard links to) for conversation notifications, else the inbox a channel notification is about.
 */
export function serializeNotification(n: Notification) {
  const { inbox_id: inboxId, conversation_id: conversationId } = n.payload as { inbox_id?: unknown; conversation_id?: unknown };
  const actor = typeof conversationId === 'number' ? { type: 'Conversation', id: conversationId } : typeof inboxId === 'number' ? { type: 'Inbox', id: inboxId } : null;
  return {
    id: Number(n.id),
    notification_type: n.notification_type,
    push_message_title: title(n),
    primary_actor_type: actor?.type ?? null,
    primary_actor_id: actor?.id ?? null,
    account_id: Number(n.account_id),
    user_id: Number(n.user_id),
    meta: n.payload,
    read_at: unix(n.read_at),
    created_at: unix(n.created_at),
    last_activity_at: unix(n.created_at),
    snoozed_until: null,
  };
}
