import type { ChannelApi, Contact, ContactInbox, Conversation, Inbox } from '../models/index.js';
import { serializeMessage, type MessageView } from './message.serializer.js';
import { unix } from './user.serializer.js';

/** Chatwoot's public inbox: what an end user's app shows before a conversation starts. */
export function serializeClientInbox(inbox: Inbox, channel: ChannelApi) {
  return {
    identifier: channel.identifier,
    identity_validation_enabled: channel.hmac_mandatory,
    name: inbox.name,
    timezone: inbox.timezone,
    working_hours: [],
    working_hours_enabled: false,
    csat_survey_enabled: false,
    greeting_enabled: inbox.greeting_enabled,
  };
}

/** Chatwoot's public `contact` model: what an end user's app may know about its own contact. */
export function serializeClientContact(contact: Contact) {
  return { id: contact.id, name: contact.name, email: contact.email, phone_number: contact.phone_number };
}

/** The answer to a public contact create / show: the identity in the inbox, with its contact. */
export function serializeClientContactInbox(contactInbox: ContactInbox, contact: Contact) {
  return { source_id: contactInbox.source_id, pubsub_token: contactInbox.pubsub_token, ...serializeClientContact(contact) };
}

/** Chatwoot's public `message` model: the agent-facing fields (status, source id, errors, privacy) left out. */
export function serializeClientMessage(view: MessageView) {
  const { id, content, message_type, content_type, content_attributes, created_at, conversation_id, sender, attachments } = serializeMessage(view);
  return { id, content, message_type, content_type, content_attributes, created_at, conversation_id, ...(attachments.length ? { attachments } : {}), ...(sender ? { sender } : {}) };
}

/** Chatwoot's public `conversation` model: its display id, status, the chat's messages and the contact. */
export function serializeClientConversation(conversation: Conversation, contact: Contact, messages: MessageView[]) {
  return {
    id: conversation.display_id,
    uuid: conversation.uuid,
    inbox_id: conversation.inbox_id,
    contact_last_seen_at: unix(conversation.contact_last_seen_at) ?? 0,
    status: conversation.status,
    agent_last_seen_at: unix(conversation.agent_last_seen_at) ?? 0,
    messages: messages.map(serializeClientMessage),
    contact: serializeClientContact(contact),
  };
}
