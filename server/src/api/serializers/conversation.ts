import type { AccountUser, Conversation } from '../../models/index.js';
import { serializeContact } from './contact.js';
import { serializeMessage, type MessageView } from './message.js';
import { serializeAgent, unix } from './user.js';
import type { Team } from '../../models/index.js';

/** The team in a conversation's `meta` (Chatwoot renders it only when there is one; no `is_member` there). */
const serializeTeamSummary = (t: Team) => ({ id: t.id, name: t.name, description: t.description ?? null, allow_auto_assign: t.allow_auto_assign, account_id: t.account_id });

/**
 * A conversation with everything its payload needs. The conversation must be loaded with its
 * `contact`, `assignee` and `inbox`; the rest is fetched in batches by the conversations service.
 */
export interface ConversationView {
  conversation: Conversation;
  assigneeMembership: AccountUser | null;
  lastMessage: MessageView | null;
  unreadCount: number;
}

/** Ruby's `nil.to_i`: Chatwoot renders these timestamps as 0 when they are not set. */
const toI = (d: Date | null | undefined) => unix(d) ?? 0;

/** Chatwoot's conversation payload (`api/v1/conversations/partials/_conversation`); `id` is the display id. */
export function serializeConversation(view: ConversationView) {
  const c = view.conversation;
  return {
    id: c.display_id,
    account_id: c.account_id,
    uuid: c.uuid,
    inbox_id: c.inbox_id,
    status: c.status,
    priority: c.priority,
    additional_attributes: c.additional_attributes,
    custom_attributes: c.custom_attributes,
    labels: c.label_list ?? [],
    muted: false,
    can_reply: true,
    snoozed_until: c.snoozed_until,
    unread_count: view.unreadCount,
    agent_last_seen_at: toI(c.agent_last_seen_at),
    assignee_last_seen_at: toI(c.assignee_last_seen_at),
    contact_last_seen_at: toI(c.contact_last_seen_at),
    first_reply_created_at: toI(c.first_reply_created_at),
    waiting_since: toI(c.waiting_since),
    created_at: toI(c.created_at),
    updated_at: c.updated_at ? c.updated_at.getTime() / 1000 : 0,
    timestamp: toI(c.last_activity_at),
    last_activity_at: toI(c.last_activity_at),
    meta: {
      sender: c.contact ? serializeContact(c.contact) : null,
      assignee: c.assignee ? serializeAgent(c.assignee, view.assigneeMembership) : null,
      channel: c.inbox?.channel_type ?? 'Channel::Email',
      ...(c.team ? { team: serializeTeamSummary(c.team) } : {}),
      hmac_verified: false,
    },
    messages: view.lastMessage ? [serializeMessage(view.lastMessage)] : [],
  };
}
