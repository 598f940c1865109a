import { Op, type Sequelize, type Transaction } from 'sequelize';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import type { EventBus } from '../extensions/events.js';
import { AccountUser, Attachment, Contact, Conversation, Message, User } from '../models/index.js';
import { CONTENT_TYPES, type MessageType } from '../models/message.js';
import type { AccountScope } from '../api/request-context.js';
import type { MessageView } from '../api/serializers/message.js';
import { looseBoolean, parse, attributesHash, recordId } from '../api/validate.js';
import type { ConversationService } from './conversations.js';

export const MESSAGES_PER_PAGE = 20;
export const DELETED_MESSAGE_CONTENT = 'This message was deleted';

/** Conversation columns whose change is announced as `conversation.updated` (Chatwoot's list). */
export const ANNOUNCED_CONVERSATION_CHANGES = ['status', 'snoozed_until', 'assignee_id', 'waiting_since', 'first_reply_created_at'] as const;

const messageParams = z.object({
  content: z.string({ message: 'must be a string' }).max(150_000).nullable().optional(),
  message_type: z.enum(['outgoing', 'incoming'], { message: 'must be outgoing or incoming' }).default('outgoing'),
  private: looseBoolean.default(false),
  content_type: z.enum(CONTENT_TYPES, { message: `must be one of ${CONTENT_TYPES.join(', ')}` }).default('text'),
  content_attributes: attributesHash.default({}),
});

const listParams = z.object({ before: recordId.optional() });

export interface NewMessage {
  message_type: MessageType;
  content: string;
  private: boolean;
  content_type?: string;
  content_attributes?: Record<string, unknown>;
  sender: { type: 'User' | 'Contact'; id: number };
}

/**
 * Inserts a message and applies its effects on the conversation, as Chatwoot's message callbacks do:
 * last activity moves to the message; an incoming message reopens a resolved or snoozed conversation,
 * starts the wait and marks the contact active; an agent's public reply records the first reply and
 * ends the wait. Returns the announced conversation changes; the caller emits events after commit.
 */
export async function insertMessage(conversation: Conversation, attrs: NewMessage, transaction: Transaction): Promise<{ message: Message; changes: string[] }> {
  const message = await Message.create(
    {
      account_id: conversation.account_id,
      inbox_id: conversation.inbox_id,
      conversation_id: conversation.id,
      message_type: attrs.message_type,
      content: attrs.content,
      private: attrs.private,
      content_type: attrs.content_type ?? 'text',
      content_attributes: attrs.content_attributes ?? {},
      sender_type: attrs.sender.type,
      sender_id: attrs.sender.id,
    },
    { transaction },
  );
  const at = message.created_at;
  const update: Partial<Record<'last_activity_at' | 'status' | 'snoozed_until' | 'waiting_since' | 'first_reply_created_at', unknown>> = { last_activity_at: at };
  if (attrs.message_type === 'incoming') {
    if (conversation.status === 'resolved' || conversation.status === 'snoozed') Object.assign(update, { status: 'open', snoozed_until: null });
    if (!conversation.waiting_since) update.waiting_since = at;
    await Contact.update({ last_activity_at: at }, { where: { id: conversation.contact_id }, transaction });
  } else if (attrs.message_type === 'outgoing' && !attrs.private && attrs.sender.type === 'User') {
    if (!conversation.first_reply_created_at) update.first_reply_created_at = at;
    if (conversation.waiting_since) update.waiting_since = null;
  }
  const changes = conversationChanges(conversation, update);
  await conversation.update(update as Partial<Conversation>, { transaction });
  return { message, changes };
}

/** Which announced columns an update really changes (dates compared by value). */
export function conversationChanges(conversation: Conversation, update: Record<string, unknown>): string[] {
  const norm = (v: unknown) => (v instanceof Date ? v.getTime() : (v ?? null));
  return ANNOUNCED_CONVERSATION_CHANGES.filter((k) => k in update && norm(conversation.get(k)) !== norm(update[k]));
}

/**
 * Loads what message payloads need for many messages at once: attachments, and the senders (agents
 * with their membership of the account, contacts) — a fixed number of queries, whatever the count.
 */
export async function hydrateMessages(accountId: number, messages: Message[], displayIds: Map<number, number>, transaction?: Transaction): Promise<MessageView[]> {
  if (!messages.length) return [];
  const ids = messages.map((m) => m.id);
  const userIds = [...new Set(messages.filter((m) => m.sender_type === 'User' && m.sender_id).map((m) => m.sender_id!))];
  const contactIds = [...new Set(messages.filter((m) => m.sender_type === 'Contact' && m.sender_id).map((m) => m.sender_id!))];
  const [attachments, users, memberships, contacts] = await Promise.all([
    Attachment.findAll({ where: { message_id: { [Op.in]: ids } }, order: [['id', 'ASC']], transaction }),
    userIds.length ? User.findAll({ where: { id: { [Op.in]: userIds } }, transaction }) : [],
    userIds.length ? AccountUser.findAll({ where: { account_id: accountId, user_id: { [Op.in]: userIds } }, transaction }) : [],
    contactIds.length ? Contact.findAll({ where: { id: { [Op.in]: contactIds }, account_id: accountId }, transaction }) : [],
  ]);
  const attachmentsOf = new Map<number, Attachment[]>();
  for (const a of attachments) attachmentsOf.set(a.message_id, [...(attachmentsOf.get(a.message_id) ?? []), a]);
  const userById = new Map(users.map((u) => [u.id, u]));
  const membershipOf = new Map(memberships.map((m) => [m.user_id, m]));
  const contactById = new Map(contacts.map((c) => [c.id, c]));
  return messages.map((message) => {
    message.attachments = attachmentsOf.get(message.id) ?? [];
    let sender: MessageView['sender'] = null;
    const user = message.sender_type === 'User' ? userById.get(message.sender_id!) : undefined;
    const contact = message.sender_type === 'Contact' ? contactById.get(message.sender_id!) : undefined;
    if (user) sender = { type: 'user', user, accountUser: membershipOf.get(user.id) ?? null };
    else if (contact) sender = { type: 'contact', contact };
    return { message, conversationDisplayId: displayIds.get(message.conversation_id) ?? 0, sender };
  });
}

export interface MessageServiceDeps {
  sequelize: Sequelize;
  events: EventBus;
  conversations: ConversationService;
}

/** Messages of a conversation the caller can see; every path goes through the conversation's visibility. */
export class MessageService {
  constructor(private readonly deps: MessageServiceDeps) {}

  /** Up to 20 messages, oldest first: the latest ones, or those before the `before` message id. */
  async list(scope: AccountScope, displayId: number, query: unknown): Promise<{ conversation: Conversation; assigneeMembership: AccountUser | null; messages: MessageView[] }> {
    const { before } = parse(listParams, query);
    const conversation = await this.deps.conversations.find(scope, displayId);
    const rows = await Message.findAll({
      where: { conversation_id: conversation.id, ...(before ? { id: { [Op.lt]: before } } : {}) },
      order: [['created_at', 'DESC'], ['id', 'DESC']],
      limit: MESSAGES_PER_PAGE,
    });
    rows.reverse();
    const [assigneeMembership, messages] = await Promise.all([
      conversation.assignee_id ? AccountUser.findOne({ where: { account_id: scope.account.id, user_id: conversation.assignee_id } }) : null,
      hydrateMessages(scope.account.id, rows, new Map([[conversation.id, conversation.display_id]])),
    ]);
    return { conversation, assigneeMembership, messages };
  }

  /**
   * Adds a message: outgoing ones (and private notes) are sent by the caller, incoming ones by the
   * conversation's contact.
   */
  async create(scope: AccountScope, displayId: number, body: Record<string, unknown>): Promise<MessageView> {
    const attrs = parse(messageParams, body);
    const problems = [];
    if (!attrs.content?.trim()) problems.push({ path: 'content', message: 'is required' });
    if (attrs.private && attrs.message_type !== 'outgoing') problems.push({ path: 'message_type', message: 'must be outgoing for a private note' });
    if (problems.length) throw new ValidationError(problems);
    const conversation = await this.deps.conversations.find(scope, displayId);

    const sender = attrs.message_type === 'incoming' ? { type: 'Contact' as const, id: conversation.contact_id } : { type: 'User' as const, id: scope.user.id };
    const { message, changes } = await this.deps.sequelize.transaction((transaction) =>
      insertMessage(conversation, { ...attrs, content: attrs.content!, sender }, transaction),
    );
    await this.announce(conversation, message, changes);
    const [view] = await hydrateMessages(scope.account.id, [message], new Map([[conversation.id, conversation.display_id]]));
    return view;
  }

  /** Chatwoot's soft delete: the content is replaced, `content_attributes.deleted` set, attachments removed. */
  async destroy(scope: AccountScope, displayId: number, messageId: number): Promise<MessageView> {
    const conversation = await this.deps.conversations.find(scope, displayId);
    const message = await Message.findOne({ where: { id: messageId, conversation_id: conversation.id } });
    if (!message) throw new NotFoundError('Message');
    await this.deps.sequelize.transaction(async (transaction) => {
      await message.update({ content: DELETED_MESSAGE_CONTENT, content_type: 'text', content_attributes: { deleted: true } }, { transaction });
      await Attachment.destroy({ where: { message_id: message.id }, transaction });
    });
    const [view] = await hydrateMessages(scope.account.id, [message], new Map([[conversation.id, conversation.display_id]]));
    return view;
  }

  private async announce(conversation: Conversation, message: Message, changes: string[]): Promise<void> {
    const ids = { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id };
    await this.deps.events.emit('message.created', { ...ids, messageId: message.id, messageType: message.message_type, private: message.private });
    if (changes.length) await this.deps.events.emit('conversation.updated', { ...ids, changes });
  }
}
