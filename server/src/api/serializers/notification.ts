import type { Notification } from '../../services/notifications.js';
import { unix } from './user.js';

/** A one-line title per notification type, as Chatwoot's `push_message_title`; the dashboard shows it. */
function title(n: Notification): string {
  const meta = n.payload as { inbox_name?: string; title?: unknown };
  const inbox = meta.inbox_name ?? 'An inbox';
  switch (n.notification_type) {
    case 'email_channel_reauthorization_required': return `${inbox} needs reconnecting`;
    case 'email_channel_recovered': return `${inbox} is connected again`;
    case 'email_inbound_rejected': return `${inbox} turned an email away`;
    // Types an overlay adds bring their own title.
    default: return typeof meta.title === 'string' && meta.title ? meta.title : n.notification_type.replace(/_/g, ' ');
  }
}

/** Chatwoot's notification payload; the inbox a channel notification is about is its primary actor. */
export function serializeNotification(n: Notification) {
  const inboxId = (n.payload as { inbox_id?: unknown }).inbox_id;
  return {
    id: Number(n.id),
    notification_type: n.notification_type,
    push_message_title: title(n),
    primary_actor_type: typeof inboxId === 'number' ? 'Inbox' : null,
    primary_actor_id: typeof inboxId === 'number' ? inboxId : null,
    account_id: Number(n.account_id),
    user_id: Number(n.user_id),
    meta: n.payload,
    read_at: unix(n.read_at),
    created_at: unix(n.created_at),
    last_activity_at: unix(n.created_at),
    snoozed_until: null,
  };
}
