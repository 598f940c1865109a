import { serializeContact } from '../serializers/contact.serializer.js';
import type { LifecycleEvents } from '../extensions/events.js';
import { Op, literal } from 'sequelize';
import { Account, Contact, ContactInbox, Inbox } from '../models/index.js';
import { MESSAGE_TYPES } from '../models/message.model.js';
import type { WebhookEvent } from '../models/webhook.model.js';
import { livePayload } from '../realtime/event-payloads.js';
import type { ConversationService } from '../services/conversations.service.js';

/** Conversation changes that are bookkeeping, not news for an integration (Chatwoot does not send them either). */
const QUIET_CHANGES = new Set(['last_activity_at', 'agent_last_seen_at', 'assignee_last_seen_at', 'contact_last_seen_at', 'updated_at']);

export interface WebhookEventData {
  event: WebhookEvent;
  /** Deliveries with the same key are sent in order, one after another. */
  orderingKey: string;
  payload: Record<string, unknown>;
}

type PayloadSource =
  | { kind: 'conversation'; event: 'conversation.created' | 'conversation.updated'; ids: LifecycleEvents['conversation.updated' | 'conversation.created'] }
  | { kind: 'message'; event: 'message.created' | 'message.updated'; ids: LifecycleEvents['message.created'] | LifecycleEvents['message.updated'] }
  | { kind: 'contact'; event: 'contact.created' | 'contact.updated'; ids: LifecycleEvents['contact.created'] | LifecycleEvents['contact.updated'] };

/** Which Chatwoot webhook events a lifecycle event is: a status change is also a `conversation_updated`. */
export function webhookEventsFor(source: PayloadSource): WebhookEvent[] {
  switch (source.event) {
    case 'conversation.created': return ['conversation_created'];
    case 'conversation.updated': {
      const changes = (source.ids as LifecycleEvents['conversation.updated']).changes.filter((c) => !QUIET_CHANGES.has(c));
      return [...(changes.includes('status') ? ['conversation_status_changed' as const] : []), ...(changes.length ? ['conversation_updated' as const] : [])];
    }
    case 'message.created': return ['message_created'];
    case 'message.updated': return ['message_updated'];
    case 'contact.created': return ['contact_created'];
    case 'contact.updated': return ['contact_updated'];
  }
}

/**
 * Chatwoot's webhook bodies: the record's own API payload with `event` and `account`; a message
 * carries its conversation, inbox and sender, and its `message_type` as a word (`incoming`), as
 * Chatwoot's `Message#webhook_data` does; `conversation_updated` lists `changed_attributes`.
 * `null` when the record is gone by the time the event is handled.
 */
export async function buildWebhookPayloads(source: PayloadSource, conversations: ConversationService): Promise<WebhookEventData[]> {
  const events = webhookEventsFor(source);
  if (!events.length) return [];
  const account = await Account.findByPk(source.ids.accountId, { attributes: ['id', 'name'] });
  if (!account) return [];
  const accountData = { id: account.id, name: account.name };

  if (source.kind === 'contact') {
    const contact = await Contact.findByPk(source.ids.contactId);
    if (!contact) return [];
    const body = { ...serializeContact(contact), account: accountData };
    return events.map((event) => ({ event, orderingKey: `contact:${contact.id}`, payload: { ...body, event } }));
  }

  const [live, contactInbox] = await Promise.all([
    livePayload('conversation.updated', { ...source.ids, changes: [] }, conversations) as Promise<Record<string, unknown> | null>,
    contactInboxData(source.ids.conversationId),
  ]);
  if (!live) return [];
  const conversation: Record<string, unknown> = { ...live, contact_inbox: contactInbox };
  const orderingKey = `conversation:${source.ids.conversationId}`;
  if (source.kind === 'message') {
    const message = (await livePayload(source.event, source.ids as LifecycleEvents['message.created'], conversations)) as Record<string, unknown> | null;
    if (!message) return [];
    const inbox = await Inbox.findByPk(source.ids.inboxId, { attributes: ['id', 'name'] });
    const body = {
      ...message,
      message_type: MESSAGE_TYPES[message.message_type as number],
      account: accountData,
      inbox: inbox ? { id: inbox.id, name: inbox.name } : null,
      conversation,
    };
    return events.map((event) => ({ event, orderingKey, payload: { ...body, event } }));
  }
  const changes = source.event === 'conversation.updated' ? (source.ids as LifecycleEvents['conversation.updated']).changes.filter((c) => !QUIET_CHANGES.has(c)) : [];
  return events.map((event) => ({
    event,
    orderingKey,
    payload: {
      ...conversation,
      account: accountData,
      ...(event === 'conversation_updated' ? { changed_attributes: changes.map((key) => ({ [key]: { current_value: conversation[key] ?? null } })) } : {}),
      event,
    },
  }));
}

/**
 * Chatwoot's `conversation.contact_inbox` in webhook bodies: the contact's identity in the inbox. An
 * API inbox's integration finds its end user by this `source_id` when an agent's reply arrives.
 */
async function contactInboxData(conversationId: number): Promise<Record<string, unknown> | null> {
  // One statement: the conversation's contact inbox by a subquery.
  const row = await ContactInbox.findOne({ where: { id: { [Op.eq]: literal(`(SELECT contact_inbox_id FROM conversations WHERE id = ${Number(conversationId)})`) } } });
  if (!row) return null;
  return {
    id: row.id, contact_id: row.contact_id, inbox_id: row.inbox_id, source_id: row.source_id, hmac_verified: row.hmac_verified,
    pubsub_token: row.pubsub_token ?? null, created_at: row.created_at, updated_at: row.updated_at,
  };
}
