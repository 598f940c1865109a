import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Op, type Sequelize, type Transaction } from 'sequelize';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.js';
import type { BlobStorage } from '../lib/storage.js';
import type { EventBus } from '../extensions/events.js';
import type { ChannelKind } from '../extensions/types.js';
import { AccountUser, AgentBot, Attachment, Contact, Conversation, Message, User } from '../models/index.js';
import { CONTENT_TYPES, type MessageStatus, type MessageType } from '../models/message.model.js';
import { actorOf, isBotScope, type AccountScope, type ActingScope } from './account-scope.js';
import type { InboxService } from './inboxes.service.js';
import type { MessageView } from '../serializers/message.serializer.js';
import { startingStatus } from './starting-status.js';
import { emailAddress, looseBoolean, parse, attributesHash, optionalRecordId } from '../lib/validation.js';
import type { ReplyOutbox } from '../channels/email/send/reply-outbox.js';
import { htmlAsText } from '../channels/email/send/reply-body.js';
import type { TransactionalMail } from '../mailers/transactional-mail.js';
import { safeFilename } from '../lib/filenames.js';

export const MESSAGES_PER_PAGE = 20;
export const DELETED_MESSAGE_CONTENT = 'This message was deleted';

/** Conversation columns whose change is announced as `conversation.updated` (Chatwoot's list). */
export const ANNOUNCED_CONVERSATION_CHANGES = ['status', 'snoozed_until', 'assignee_id', 'team_id', 'waiting_since', 'first_reply_created_at', 'priority', 'label_list', 'custom_attributes', 'muted', 'agent_last_seen_at'] as const;

/** Chatwoot's clients send recipient lists as comma-separated strings (or arrays); stored as arrays. */
const emailList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(emailAddress, { message: 'must be a list of email addresses' }),
);

/** Multipart forms carry `content_attributes` as a JSON string. */
const jsonObject = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}, attributesHash);

const messageParams = z.object({
  content: z.string({ message: 'must be a string' }).max(150_000).nullable().optional(),
  message_type: z.enum(['outgoing', 'incoming'], { message: 'must be outgoing or incoming' }).default('outgoing'),
  private: looseBoolean.default(false),
  content_type: z.enum(CONTENT_TYPES, { message: `must be one of ${CONTENT_TYPES.join(', ')}` }).default('text'),
  content_attributes: jsonObject.default({}),
  cc_emails: emailList.optional(),
  bcc_emails: emailList.optional(),
  to_emails: emailList.optional(),
  /** The dashboard's editor: the reply as HTML (`content` is its plain text for API clients and search). */
  html_content: z.string({ message: 'must be a string' }).max(2_000_000).optional(),
  /** Whether the email quotes the previous message; the inbox's setting when absent. */
  quote_history: looseBoolean.optional(),
  /** `Content-ID`s of the `inline_attachments[]` files, in the same order: the HTML shows them as `cid:` images. */
  inline_content_ids: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(z.string().regex(/^[\w.@-]{1,200}$/, 'must be Content-IDs (letters, digits, . @ - _)'))).optional(),
});

const forwardParams = z.object({
  to_emails: emailList.refine((l) => l.length > 0, 'must name at least one address'),
  cc_emails: emailList.optional(),
  bcc_emails: emailList.optional(),
  content: z.string({ message: 'must be a string' }).max(150_000).optional(),
  html_content: z.string({ message: 'must be a string' }).max(2_000_000).optional(),
});

const transcriptParams = z.object({ email: emailAddress });

/** A file uploaded with a message (multer's disk storage): streamed into blob storage, then removed by the router. */
export interface UploadedFile {
  path: string;
  originalname: string;
  mimetype: string;
  size: number;
  /** Set for an image shown in the HTML body (`cid:`), not listed as a file. */
  contentId?: string;
}


/** A storage-safe version of an uploaded name; the row keeps the original. */
const storageName = (filename: string) => filename.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(-120) || 'file';

/** Chatwoot's page size when a client asks for the messages after one it has. */
const MESSAGES_AFTER_PAGE = 100;
const listParams = z.object({ before: optionalRecordId, after: optionalRecordId });

export interface NewMessage {
  message_type: MessageType;
  content: string;
  private: boolean;
  content_type?: string;
  content_attributes?: Record<string, unknown>;
  /** `null` for mail the inbox's own address sent (e.g. from Outlook), which no agent wrote here. */
  sender: { type: 'User' | 'Contact' | 'AgentBot'; id: number } | null;
  /** `false` keeps a resolved or snoozed conversation as it is (an auto-reply is no reason to reopen). */
  reopen?: boolean;
  /** `false`: an incoming message that is not the customer's turn (a read receipt, say) starts no wait. */
  startsWait?: boolean;
  source_id?: string;
  /** Defaults to `sent`; a reply that still has to go out by email starts as `sending`. */
  status?: MessageStatus;
}

/**
 * Inserts a message and applies its effects on the conversation, as Chatwoot's message callbacks do:
 * last activity moves to the message; an incoming message reopens a resolved or snoozed conversation,
 * starts the wait and marks the contact active; an agent's public reply records the first reply and
 * ends the wait. Returns the announced conversation changes; the caller emits events after commit.
 */
export async function insertMessage(conversation: Conversation, attrs: NewMessage, transaction: Transaction): Promise<{ message: Message; changes: string[] }> {
  const message = await Message.create(messageRow(conversation, attrs), { transaction });
  const reopenAs = reopens(conversation, attrs) && conversation.status === 'resolved' ? await startingStatus(conversation.inbox_id, transaction) : 'open';
  const { update, changes, contactActive } = messageEffects(conversation, attrs, message.created_at, reopenAs);
  if (contactActive) await Contact.update({ last_activity_at: message.created_at }, { where: { id: conversation.contact_id }, transaction });
  await conversation.update(update as Partial<Conversation>, { transaction });
  return { message, changes };
}

/**
 * The thread's activity lines (Chatwoot's `activity` messages), stored as they are: unlike a message
 * they leave the conversation's last activity and the customer's wait alone. The caller announces them.
 */
export async function insertActivityLines(conversation: Conversation, lines: string[], transaction?: Transaction): Promise<Message[]> {
  const created: Message[] = [];
  for (const content of lines) created.push(await Message.create(messageRow(conversation, { message_type: 'activity', content, private: false, sender: null }), { transaction }));
  return created;
}

/** The columns of a new message of `conversation` (Message.create or, for a batch, Message.bulkCreate). */
export function messageRow(conversation: Conversation, attrs: NewMessage) {
  return {
    account_id: conversation.account_id,
    inbox_id: conversation.inbox_id,
    conversation_id: conversation.id,
    message_type: attrs.message_type,
    content: attrs.content,
    private: attrs.private,
    content_type: attrs.content_type ?? 'text',
    content_attributes: attrs.content_attributes ?? {},
    source_id: attrs.source_id ?? null,
    ...(attrs.status ? { status: attrs.status } : {}),
    sender_type: attrs.sender?.type ?? null,
    sender_id: attrs.sender?.id ?? null,
  };
}

/**
 * What a new message does to its conversation (activity, reopening, the customer's wait, the first
 * reply) and whether it is the contact's activity, without writing: a batch applies several messages
 * to one conversation in memory (`conversation.set`) and writes the result once.
 */
export function messageEffects(
  conversation: Conversation,
  attrs: Pick<NewMessage, 'message_type' | 'private' | 'sender' | 'reopen' | 'startsWait'>,
  at: Date,
  reopenAs: 'open' | 'pending' = 'open',
): { update: Partial<Record<'last_activity_at' | 'status' | 'snoozed_until' | 'waiting_since' | 'first_reply_created_at', unknown>>; changes: string[]; contactActive: boolean } {
  const update: Partial<Record<'last_activity_at' | 'status' | 'snoozed_until' | 'waiting_since' | 'first_reply_created_at', unknown>> = { last_activity_at: at };
  const contactActive = attrs.message_type === 'incoming';
  if (contactActive) {
    // Chatwoot: a snoozed conversation opens; a resolved one opens, or goes back to the inbox's bot as pending (`reopenAs`).
    if (reopens(conversation, attrs)) Object.assign(update, { status: conversation.status === 'resolved' ? reopenAs : 'open', snoozed_until: null });
    if (attrs.startsWait !== false && !conversation.waiting_since) update.waiting_since = at;
  } else if (attrs.message_type === 'outgoing' && !attrs.private && attrs.sender?.type === 'User') {
    if (!conversation.first_reply_created_at) update.first_reply_created_at = at;
    if (conversation.waiting_since) update.waiting_since = null;
  }
  return { update, changes: conversationChanges(conversation, update), contactActive };
}

/** Whether an incoming message brings a resolved or snoozed conversation back (not muted ones, not auto-replies). */
export function reopens(conversation: Conversation, attrs: Pick<NewMessage, 'message_type' | 'reopen'>): boolean {
  return attrs.message_type === 'incoming' && attrs.reopen !== false && !conversation.muted && (conversation.status === 'resolved' || conversation.status === 'snoozed');
}

/** Emits `message.created` and the conversation changes the message caused; call after the transaction committed. */
export async function announceMessage(events: EventBus, conversation: Conversation, message: Message, changes: string[], automationRuleId?: number): Promise<void> {
  const ids = { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id };
  const marker = automationRuleId ? { automationRuleId } : {};
  await events.emit('message.created', { ...ids, messageId: message.id, messageType: message.message_type, private: message.private, ...marker });
  if (changes.length) await events.emit('conversation.updated', { ...ids, changes, ...marker, ...(changes.includes('status') ? { cause: 'incoming_message' as const } : {}) });
}

/** Which announced columns an update really changes (dates compared by value). */
export function conversationChanges(conversation: Conversation, update: Record<string, unknown>): string[] {
  const norm = (v: unknown) => (v instanceof Date ? v.getTime() : v && typeof v === 'object' ? JSON.stringify(v) : (v ?? null));
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
  const botIds = [...new Set(messages.filter((m) => m.sender_type === 'AgentBot' && m.sender_id).map((m) => m.sender_id!))];
  const [attachments, users, memberships, contacts, bots] = await Promise.all([
    Attachment.findAll({ where: { message_id: { [Op.in]: ids } }, order: [['id', 'ASC']], transaction }),
    // Only what a sender payload shows: never the password digest.
    userIds.length ? User.findAll({ where: { id: { [Op.in]: userIds } }, attributes: ['id', 'name', 'display_name', 'email'], transaction }) : [],
    userIds.length ? AccountUser.findAll({ where: { account_id: accountId, user_id: { [Op.in]: userIds } }, transaction }) : [],
    contactIds.length ? Contact.findAll({ where: { id: { [Op.in]: contactIds }, account_id: accountId }, transaction }) : [],
    botIds.length ? AgentBot.findAll({ where: { id: { [Op.in]: botIds } }, attributes: ['id', 'name', 'avatar_url'], transaction }) : [],
  ]);
  const attachmentsOf = new Map<number, Attachment[]>();
  for (const a of attachments) attachmentsOf.set(a.message_id, [...(attachmentsOf.get(a.message_id) ?? []), a]);
  const userById = new Map(users.map((u) => [u.id, u]));
  const membershipOf = new Map(memberships.map((m) => [m.user_id, m]));
  const contactById = new Map(contacts.map((c) => [c.id, c]));
  const botById = new Map(bots.map((b) => [b.id, b]));
  return messages.map((message) => {
    message.attachments = attachmentsOf.get(message.id) ?? [];
    let sender: MessageView['sender'] = null;
    const user = message.sender_type === 'User' ? userById.get(message.sender_id!) : undefined;
    const contact = message.sender_type === 'Contact' ? contactById.get(message.sender_id!) : undefined;
    if (user) sender = { type: 'user', user, accountUser: membershipOf.get(user.id) ?? null };
    else if (contact) sender = { type: 'contact', contact };
    else if (message.sender_type === 'AgentBot' && botById.has(message.sender_id!)) sender = { type: 'agent_bot', bot: botById.get(message.sender_id!)! };
    return { message, conversationDisplayId: displayIds.get(message.conversation_id) ?? 0, sender };
  });
}

/** How an agent's reply leaves: by email (the reply outbox), or by its channel kind's `sendReply`. */
type ReplyRoute = 'email' | Required<Pick<ChannelKind, 'sendReply'>>;

export interface MessageServiceDeps {
  sequelize: Sequelize;
  events: EventBus;
  /** The conversation an account-scoped request names (404 outside the agent's reach). */
  conversations: { find(scope: ActingScope, displayId: number): Promise<Conversation> };
  storage: BlobStorage;
  replies: ReplyOutbox;
  /** Which channel kind (the API channel, ...) an inbox is of, and so how its replies leave; none for email inboxes. */
  inboxes: Pick<InboxService, 'channelKindOf' | 'channelKindFor'>;
  mail: TransactionalMail;
  /** Seconds a new reply waits before it is sent, during which its author can cancel it. */
  undoSeconds: number;
}

/** Messages of a conversation the caller can see; every path goes through the conversation's visibility. */
export class MessageService {
  constructor(private readonly deps: MessageServiceDeps) {}

  /**
   * Messages oldest first, as Chatwoot pages them: the latest 20, or the 20 before the `before`
   * message id; with `after`, the first 100 after that id (up to `before` when both are given), which
   * is how a client catches up from the last message it saw.
   */
  async list(scope: AccountScope, displayId: number, query: unknown): Promise<{ conversation: Conversation; assigneeMembership: AccountUser | null; messages: MessageView[] }> {
    const { before, after } = parse(listParams, query);
    const conversation = await this.deps.conversations.find(scope, displayId);
    const ids = { ...(before ? { [Op.lt]: before } : {}), ...(after ? { [Op.gt]: after } : {}) };
    const rows = await Message.findAll({
      where: { conversation_id: conversation.id, ...(before || after ? { id: ids } : {}) },
      order: after ? [['id', 'ASC']] : [['created_at', 'DESC'], ['id', 'DESC']],
      limit: after ? MESSAGES_AFTER_PAGE : MESSAGES_PER_PAGE,
    });
    if (!after) rows.reverse();
    const [assigneeMembership, messages] = await Promise.all([
      conversation.assignee_id ? AccountUser.findOne({ where: { account_id: scope.account.id, user_id: conversation.assignee_id } }) : null,
      hydrateMessages(scope.account.id, rows, new Map([[conversation.id, conversation.display_id]])),
    ]);
    return { conversation, assigneeMembership, messages };
  }

  /**
   * Adds a message: outgoing ones (and private notes) are sent by the caller, incoming ones by the
   * conversation's contact. Uploaded files become its attachments (`inline` ones are the images of
   * its HTML, by Content-ID). An agent's public reply in an inbox that sends email is stored as
   * `sending` and queued for the `email.send` job once committed, after the undo window; in an inbox
   * of another channel kind that sends replies (the API channel's webhook), it is handed to the kind at once.
   */
  async create(scope: ActingScope, displayId: number, body: Record<string, unknown>, files: UploadedFile[] = [], inline: UploadedFile[] = []): Promise<MessageView> {
    const { cc_emails, bcc_emails, to_emails, html_content, quote_history, inline_content_ids, ...attrs } = parse(messageParams, body);
    const problems = [];
    const html = html_content?.trim() ? html_content : undefined;
    const content = attrs.content ?? (html ? htmlAsText(html) : '');
    if (!content.trim() && !html && !files.length && !inline.length) problems.push({ path: 'content', message: 'is required' });
    if (attrs.private && attrs.message_type !== 'outgoing') problems.push({ path: 'message_type', message: 'must be outgoing for a private note' });
    if (inline.length !== (inline_content_ids?.length ?? 0)) problems.push({ path: 'inline_content_ids', message: 'must name one Content-ID per inline attachment' });
    if (problems.length) throw new ValidationError(problems);
    const conversation = await this.deps.conversations.find(scope, displayId);
    const recipients = Object.fromEntries(Object.entries({ cc_emails, bcc_emails, to_emails }).filter(([, v]) => v !== undefined));
    const composed = { ...(html ? { body_html: html } : {}), ...(quote_history !== undefined ? { quote_history } : {}) };

    // An automation's message has no sender (as in Chatwoot): it names its rule instead, and is no agent's first reply.
    const automationActor = isBotScope(scope) ? undefined : scope.automation;
    const author = isBotScope(scope) ? { type: 'AgentBot' as const, id: scope.bot.id } : automationActor ? null : { type: 'User' as const, id: scope.user.id };
    const sender = attrs.message_type === 'incoming' ? { type: 'Contact' as const, id: conversation.contact_id } : author;
    const automation = automationActor ? { automation_rule_id: automationActor.ruleId } : {};
    const route = attrs.message_type === 'outgoing' && !attrs.private ? await this.replyRoute(conversation) : null;
    const uploads = [...files, ...inline.map((f, i) => ({ ...f, contentId: inline_content_ids![i] }))];
    return this.store(scope, conversation, { ...attrs, content, content_attributes: { ...attrs.content_attributes, ...recipients, ...composed, ...automation }, sender }, route, uploads);
  }

  /**
   * Forwards a message of the conversation (with its files) to any address from the inbox: a new
   * email thread, recorded in this conversation as an outgoing message that answers thread back here.
   */
  async forward(scope: AccountScope, displayId: number, messageId: number, body: Record<string, unknown>): Promise<MessageView> {
    const { to_emails, cc_emails, bcc_emails, content, html_content } = parse(forwardParams, body);
    const conversation = await this.deps.conversations.find(scope, displayId);
    const original = await Message.findOne({ where: { id: messageId, conversation_id: conversation.id, private: false }, include: [{ model: Attachment, as: 'attachments' }] });
    if (!original || original.content_attributes?.deleted) throw new NotFoundError('Message');
    if (!(await this.deps.replies.sendsFrom(conversation.inbox_id))) throw ValidationError.field('inbox', 'this inbox does not send email');
    const html = html_content?.trim() ? html_content : undefined;
    const attributes = {
      forwarded_message_id: original.id, to_emails, cc_emails: cc_emails ?? [], bcc_emails: bcc_emails ?? [], ...(html ? { body_html: html } : {}),
    };
    const copies = (original.attachments ?? []).filter((a) => a.storage_key);
    return this.store(scope, conversation, {
      message_type: 'outgoing', private: false, content_type: 'text', content: content ?? (html ? htmlAsText(html) : ''),
      content_attributes: attributes, sender: { type: 'User', id: scope.user.id },
    }, 'email', [], copies);
  }

  /**
   * Inserts the message with its files (uploads, and copies of another message's files) in one
   * transaction, announces it, and queues one that leaves (`route`): a stored blob is removed again if
   * the insert fails. Only email waits out the undo window.
   */
  private async store(scope: ActingScope, conversation: Conversation, attrs: NewMessage, route: ReplyRoute | null, uploads: UploadedFile[], copies: Attachment[] = []): Promise<MessageView> {
    const sends = route !== null;
    // The undo window is for the agent who wrote an email; an automation's or a bot's reply has nobody to take it back.
    const delayMs = route === 'email' && !isBotScope(scope) && !scope.automation ? this.deps.undoSeconds * 1000 : 0;
    const undo = delayMs ? { undo_until: Math.ceil((Date.now() + delayMs) / 1000) } : {};
    const stored: string[] = [];
    const { message, changes } = await this.deps.sequelize
      .transaction(async (transaction) => {
        const inserted = await insertMessage(
          conversation,
          { ...attrs, content_attributes: { ...attrs.content_attributes, ...undo }, ...(sends ? { status: 'sending' as const } : {}) },
          transaction,
        );
        const put = async (filename: string, open: () => Readable) => {
          const key = `attachments/${conversation.account_id}/${inserted.message.id}/${randomUUID()}-${storageName(filename)}`;
          stored.push(key);
          return { key, ...(await this.deps.storage.put(key, open())) };
        };
        for (const file of uploads) {
          const filename = safeFilename(file.originalname);
          const { key, byteSize } = await put(filename, () => createReadStream(file.path));
          await Attachment.create(
            {
              account_id: conversation.account_id, message_id: inserted.message.id, file_type: Attachment.fileTypeFor(file.mimetype), filename,
              content_type: file.mimetype || 'application/octet-stream', byte_size: byteSize, storage_key: key, ...(file.contentId ? { inline: true, content_id: file.contentId } : {}),
            },
            { transaction },
          );
        }
        for (const a of copies) {
          const { key, byteSize } = await put(a.filename, () => this.deps.storage.get(a.storage_key!));
          await Attachment.create(
            { account_id: a.account_id, message_id: inserted.message.id, file_type: a.file_type, filename: a.filename, content_type: a.content_type, byte_size: byteSize, storage_key: key, inline: a.inline, content_id: a.content_id },
            { transaction },
          );
        }
        return inserted;
      })
      .catch(async (err: unknown) => {
        await Promise.all(stored.map((key) => this.deps.storage.delete(key)));
        throw err;
      });
    await announceMessage(this.deps.events, conversation, message, changes, actorOf(scope).automationRuleId);
    if (route) await this.queueReply(message, route, delayMs);
    const [view] = await hydrateMessages(scope.account.id, [message], new Map([[conversation.id, conversation.display_id]]));
    return view;
  }

  /**
   * Undo send: the author takes back a reply still waiting out its undo window. It was never sent,
   * so it is removed with its files; the answer carries it so the composer can show it again.
   */
  async cancel(scope: AccountScope, displayId: number, messageId: number): Promise<MessageView> {
    const conversation = await this.deps.conversations.find(scope, displayId);
    const message = await Message.findOne({ where: { id: messageId, conversation_id: conversation.id, message_type: 'outgoing', sender_type: 'User', sender_id: scope.user.id } });
    if (!message) throw new NotFoundError('Message');
    if (message.status !== 'sending' || !(await this.deps.replies.cancelDelayed(message.id))) {
      throw new ConflictError('The reply is already on its way and can no longer be cancelled');
    }
    const [view] = await hydrateMessages(scope.account.id, [message], new Map([[conversation.id, conversation.display_id]]));
    const keys = (message.attachments ?? []).map((a) => a.storage_key).filter((k): k is string => !!k);
    await this.deps.sequelize.transaction(async (transaction) => {
      await Attachment.destroy({ where: { message_id: message.id }, transaction });
      await message.destroy({ transaction });
    });
    await Promise.all(keys.map((key) => this.deps.storage.delete(key)));
    return view;
  }

  /** What the composer tells the agent before sending: the inbox's message size limit (when known) and the undo window. */
  async replyLimits(scope: AccountScope, displayId: number): Promise<{ max_message_bytes: number | null; undo_seconds: number }> {
    const conversation = await this.deps.conversations.find(scope, displayId);
    return { max_message_bytes: await this.deps.replies.maxMessageBytes(conversation.inbox_id), undo_seconds: this.deps.undoSeconds };
  }

  /** Sends a failed reply again (Chatwoot's retry): back to `sending`, error cleared, queued. */
  async retry(scope: AccountScope, displayId: number, messageId: number): Promise<MessageView> {
    const conversation = await this.deps.conversations.find(scope, displayId);
    const message = await Message.findOne({ where: { id: messageId, conversation_id: conversation.id } });
    if (!message) throw new NotFoundError('Message');
    const [changed] = await Message.update({ status: 'sending', external_error: null }, { where: { id: message.id, status: 'failed', message_type: 'outgoing', private: false } });
    if (!changed) throw ValidationError.field('status', 'only a failed reply can be retried');
    await message.reload();
    await this.deps.events.emit('message.updated', {
      accountId: message.account_id, inboxId: message.inbox_id, conversationId: message.conversation_id, messageId: message.id, changes: ['status:sending'],
    });
    await this.queueReply(message, (await this.replyRoute(conversation)) ?? 'email');
    const [view] = await hydrateMessages(scope.account.id, [message], new Map([[conversation.id, conversation.display_id]]));
    return view;
  }

  /** An attachment's file, for whoever may see its message (another account's, or a hidden inbox's, is a 404). */
  async attachmentFile(scope: AccountScope, attachmentId: number): Promise<{ attachment: Attachment; open(): Readable }> {
    const attachment = await Attachment.findOne({ where: { id: attachmentId, account_id: scope.account.id } });
    const message = attachment && (await Message.findByPk(attachment.message_id, { attributes: ['conversation_id'] }));
    const conversation = message && (await Conversation.findByPk(message.conversation_id, { attributes: ['display_id'] }));
    if (!attachment?.storage_key || !conversation) throw new NotFoundError('Attachment');
    await this.deps.conversations.find(scope, conversation.display_id).catch((err) => {
      throw err instanceof NotFoundError ? new NotFoundError('Attachment') : err;
    });
    const key = attachment.storage_key;
    if (!(await this.deps.storage.exists(key))) throw new NotFoundError('Attachment file');
    return { attachment, open: () => this.deps.storage.get(key) };
  }

  /** Chatwoot's transcript: the conversation's public messages emailed to an address, by a job. */
  async sendTranscript(scope: AccountScope, displayId: number, body: Record<string, unknown>): Promise<void> {
    const { email } = parse(transcriptParams, body);
    const conversation = await this.deps.conversations.find(scope, displayId);
    await this.deps.mail.enqueue({ kind: 'conversation_transcript', conversationId: conversation.id, email });
  }

  /**
   * How a public reply in the conversation leaves — through its channel kind, by email, or not at all
   * (stored as sent) — from the channel type its inbox was loaded with.
   */
  private async replyRoute(conversation: Conversation): Promise<ReplyRoute | null> {
    const inboxId = conversation.inbox_id;
    const kind = conversation.inbox ? this.deps.inboxes.channelKindFor(conversation.inbox.channel_type) : await this.deps.inboxes.channelKindOf(inboxId);
    const sendReply = kind?.sendReply?.bind(kind);
    if (kind) return sendReply ? { sendReply } : null;
    return (await this.deps.replies.sendsFrom(inboxId)) ? 'email' : null;
  }

  /**
   * A reply that cannot be queued (Redis down) is failed at once, so the agent sees it and can retry;
   * one held for its inbox's reconnect is reloaded to show why.
   */
  private async queueReply(message: Message, route: ReplyRoute, delayMs = 0): Promise<void> {
    try {
      if (route !== 'email') await route.sendReply(message);
      else if ((await this.deps.replies.submit(message, delayMs)) === 'held') await message.reload();
    } catch (err) {
      await message.update({ status: 'failed', external_error: `Could not queue the ${route === 'email' ? 'email' : 'reply'}: ${(err as Error).message}` });
    }
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
}
