import path from 'node:path';
import { MESSAGE_TYPES } from '../models/message.model.js';
import type { AccountUser, AgentBot, Attachment, Message, User } from '../models/index.js';
import { serializeContactSender, type ContactFields } from './contact.serializer.js';
import { unix } from './user.serializer.js';

export type MessageSender =
  | { type: 'user'; user: Pick<User, 'id' | 'name' | 'availableName'>; accountUser: Pick<AccountUser, 'availability'> | null }
  | { type: 'contact'; contact: ContactFields }
  | { type: 'agent_bot'; bot: Pick<AgentBot, 'id' | 'name' | 'avatar_url'> }
  | null;

/** The message columns a payload shows: a Message, or a plain row of them (conversation list previews). */
export type MessageRecord = Pick<
  Message,
  'id' | 'content' | 'inbox_id' | 'conversation_id' | 'message_type' | 'content_type' | 'content_attributes' | 'status' | 'source_id' | 'private' | 'external_error' | 'created_at'
> & { attachments?: Attachment[] };

/** A message with what its payload needs, loaded in batches by the messages service. */
export interface MessageView<M extends MessageRecord = Message> {
  message: M;
  /** The conversation's per-account display id: Chatwoot's `conversation_id` in message payloads. */
  conversationDisplayId: number;
  sender: MessageSender;
}

export function serializeAttachment(a: Attachment) {
  const extension = path.extname(a.filename).replace(/^\./, '').toLowerCase();
  return {
    id: a.id,
    message_id: a.message_id,
    file_type: a.file_type,
    account_id: a.account_id,
    extension: extension || null,
    // Stored files are served by the download route, behind the same visibility rules as the message.
    data_url: a.external_url ?? (a.storage_key ? `/api/v1/accounts/${a.account_id}/attachments/${a.id}/download` : ''),
    thumb_url: '',
    file_size: Number(a.byte_size),
    filename: a.filename,
    // Lets the dashboard resolve `cid:` references in the email's HTML to this attachment's data_url.
    content_id: a.content_id ?? null,
    inline: a.inline ?? false,
  };
}

/** Chatwoot's `User#push_event_data`: an agent as a message sender. */
export function serializeUserSender(user: Pick<User, 'id' | 'name' | 'availableName'>, accountUser: Pick<AccountUser, 'availability'> | null) {
  return {
    id: user.id,
    name: user.name,
    available_name: user.availableName,
    avatar_url: '',
    type: 'user' as const,
    availability_status: accountUser?.availability ?? 'offline',
    thumbnail: '',
  };
}

/** Chatwoot's `AgentBot#push_event_data`: a bot as a message sender. */
export function serializeAgentBotSender(bot: Pick<AgentBot, 'id' | 'name' | 'avatar_url'>) {
  return { id: bot.id, name: bot.name, avatar_url: bot.avatar_url ?? '', type: 'agent_bot' as const };
}

function serializeSender(sender: MessageSender) {
  if (!sender) return null;
  if (sender.type === 'agent_bot') return serializeAgentBotSender(sender.bot);
  return sender.type === 'user' ? serializeUserSender(sender.user, sender.accountUser) : serializeContactSender(sender.contact);
}

/** Chatwoot's `sender_type` column as message payloads carry it. */
const SENDER_TYPES = { user: 'User', contact: 'Contact', agent_bot: 'AgentBot' } as const;

/** Chatwoot's message payload; `message_type` is its integer (index of MESSAGE_TYPES). */
export function serializeMessage(view: MessageView<MessageRecord>) {
  const m = view.message;
  return {
    id: m.id,
    content: m.content,
    inbox_id: m.inbox_id,
    conversation_id: view.conversationDisplayId,
    message_type: MESSAGE_TYPES.indexOf(m.message_type),
    content_type: m.content_type,
    content_attributes: m.content_attributes,
    status: m.status,
    source_id: m.source_id,
    private: m.private,
    external_error: m.external_error,
    created_at: unix(m.created_at),
    sender: serializeSender(view.sender),
    sender_type: view.sender ? SENDER_TYPES[view.sender.type] : null,
    sender_id: view.sender ? (view.sender.type === 'user' ? view.sender.user.id : view.sender.type === 'contact' ? view.sender.contact.id : view.sender.bot.id) : null,
    attachments: (m.attachments ?? []).map(serializeAttachment),
  };
}
