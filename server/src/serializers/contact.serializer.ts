import type { Contact, ContactInbox } from '../models/index.js';
import { unix } from './user.serializer.js';

/** The columns a contact payload reads: a model instance or a plain row. */
export type ContactFields = Pick<
  Contact,
  'id' | 'name' | 'email' | 'phone_number' | 'identifier' | 'additional_attributes' | 'custom_attributes' | 'blocked' | 'created_at' | 'last_activity_at'
>;

/** What a contact inbox's payload reads: a model loaded with its inbox and channel, or a plain row. */
export interface ContactInboxFields {
  source_id: ContactInbox['source_id'];
  inbox?: { id: number; name: string; channel_type: string; channel?: { provider: string | null } | null } | null;
}

/** `{ source_id, inbox }` of one of a contact's inboxes; the inbox must be loaded with its channel. */
export function serializeContactInbox(ci: ContactInboxFields) {
  const inbox = ci.inbox;
  return {
    source_id: ci.source_id,
    inbox: inbox ? { id: inbox.id, name: inbox.name, channel_type: inbox.channel_type, provider: inbox.channel?.provider ?? null } : null,
  };
}

/**
 * Chatwoot's contact payload (`api/v1/models/_contact`). `contact_inboxes` is rendered only when
 * given, as Chatwoot does for the contacts endpoints but not for a conversation's `meta.sender`.
 */
export function serializeContact(contact: ContactFields, contactInboxes?: ContactInboxFields[]) {
  return {
    ...contactFields(contact),
    availability_status: 'offline',
    created_at: unix(contact.created_at),
    last_activity_at: unix(contact.last_activity_at),
    ...(contactInboxes ? { contact_inboxes: contactInboxes.map(serializeContactInbox) } : {}),
  };
}

/** Chatwoot's `Contact#push_event_data`: a message's sender and a message list's `meta.contact`. */
export function serializeContactSender(contact: ContactFields) {
  return { ...contactFields(contact), type: 'contact' as const };
}

function contactFields(contact: ContactFields) {
  return {
    id: contact.id,
    name: contact.name,
    email: contact.email,
    phone_number: contact.phone_number,
    identifier: contact.identifier,
    thumbnail: '',
    additional_attributes: contact.additional_attributes,
    custom_attributes: contact.custom_attributes,
    blocked: contact.blocked,
  };
}
