import type { AccountUser, Conversation } from '../models/index.js';
import { serializeContact, type ContactFields } from './contact.serializer.js';
import { serializeMessage, type MessageRecord, type MessageView } from './message.serializer.js';
import { serializeAgent, unix, type AgentUser } from './user.serializer.js';

/** The team in a conversation's `meta`: Chatwoot renders it only when there is one (no `is_member` there). */
export type TeamSummary = { id: number; name: string; description: string | null; allow_auto_assign: boolean; account_id: number };

/** The columns a conversation payload reads: a model instance, or a plain row from the list queries. */
export type ConversationRecord = Pick<
  Conversation,
  | 'id' | 'account_id' | 'inbox_id' | 'contact_id' | 'display_id' | 'uuid' | 'status' | 'priority' | 'assignee_id' | 'additional_attributes'
  | 'custom_attributes' | 'snoozed_until' | 'last_activity_at' | 'agent_last_seen_at' | 'assignee_last_seen_at' | 'contact_last_seen_at'
  | 'first_reply_created_at' | 'waiting_since' | 'created_at' | 'updated_at' | 'muted' | 'team_id' | 'label_list'
> & { contact?: ContactFields | null; assignee?: AgentUser | null; inbox?: { channel_type: string } | null; team?: TeamSummary | null };

/** Where a search matched: an HTML fragment of escaped text in which only `<mark>` elements are markup. */
export interface SearchHighlight {
  field: 'subject' | 'message' | 'contact';
  html: string;
}

/**
 * A conversation with everything its payload needs. The conversation must come with its
 * `contact`, `assignee` and `inbox`; the rest is fetched in batches by the conversations service.
 */
export interface ConversationView {
  conversation: ConversationRecord;
  /** Only on search results (`q`). */
  highlight?: SearchHighlight | null;
  assigneeMembership: AccountUser | null;
  /** The last message that is not an activity line. */
  lastMessage: MessageView<MessageRecord> | null;
  /** An activity line newer than `lastMessage`, if any. */
  lastActivityLine?: MessageView<MessageRecord> | null;
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
    muted: c.muted ?? false,
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
      ...(c.team ? { team: { id: c.team.id, name: c.team.name, description: c.team.description ?? null, allow_auto_assign: c.team.allow_auto_assign, account_id: c.team.account_id } } : {}),
      hmac_verified: false,
    },
    // Chatwoot: `messages` holds the very last message (an activity line too); dashboards preview
    // `last_non_activity_message`, what was said.
    messages: view.lastActivityLine ? [serializeMessage(view.lastActivityLine)] : view.lastMessage ? [serializeMessage(view.lastMessage)] : [],
    last_non_activity_message: view.lastMessage ? serializeMessage(view.lastMessage) : null,
    ...(view.highlight !== undefined ? { search_highlight: view.highlight } : {}),
  };
}
