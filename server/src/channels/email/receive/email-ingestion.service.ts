import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { Op, UniqueConstraintError, col, fn, where, type Sequelize } from 'sequelize';
import type { EventBus } from '../../../extensions/events.js';
import type { BlobStorage } from '../../../lib/storage.js';
import type { Logger } from '../../../lib/logger.js';
import { AccountUser, Attachment, Contact, Message, User, type ChannelEmail, type Conversation, type Inbox } from '../../../models/index.js';
import { insertConversation } from '../../../services/conversations.js';
import { announceMessage, insertMessage, type NewMessage } from '../../../services/messages.js';
import { findConversation } from './conversation-finder.js';
import { parseEmail, type EmailAddress, type EmailPart, type ParsedEmail } from './parsed-email.js';
import { InboundEmail } from './receive.models.js';

/** How often a stored email whose ingestion failed is tried again before it is rejected for good. */
export const MAX_INGEST_ATTEMPTS = 3;

export interface IngestInput {
  channel: ChannelEmail;
  inbox: Inbox;
  raw: Buffer;
  /** Where the email came from, unique per inbox: e.g. `imap` + `INBOX:<uidvalidity>:<uid>`. */
  source: { kind: string; ref: string };
}

export interface IngestResult {
  /** `failed`: kept with its reason and retried by `retryFailed` (up to MAX_INGEST_ATTEMPTS). */
  status: 'created' | 'duplicate' | 'rejected' | 'failed';
  messageId?: number;
  conversationId?: number;
  reason?: string;
}

export interface EmailIngestionDeps {
  sequelize: Sequelize;
  storage: BlobStorage;
  events: EventBus;
  inboundEmailDomain: string;
  logger: Logger;
}

/** Who wrote the email as far as the helpdesk is concerned. */
type Author = { kind: 'customer'; address: EmailAddress } | { kind: 'staff'; user: User | null };

/**
 * The one pipeline every transport ends in (IMAP fetch, an overlay's Graph webhook, ...): keep the raw
 * MIME, record it, parse, dedupe by Message-ID per inbox, thread, and create the message with its
 * contact and attachments through the core's conversation and message functions.
 */
export class EmailIngestionService {
  constructor(private readonly deps: EmailIngestionDeps) {}

  /**
   * Throws only when the raw email cannot be kept (storage or database down): the caller must then
   * not consider it received (an IMAP cursor stays put). Everything after that is recorded instead.
   */
  async ingest(input: IngestInput): Promise<IngestResult> {
    const { inbox, raw, source } = input;
    const sha256 = createHash('sha256').update(raw).digest('hex');
    const storageKey = `raw/${inbox.account_id}/${inbox.id}/${sha256}.eml`;
    await this.deps.storage.put(storageKey, raw);
    const [row] = await InboundEmail.findOrCreate({
      where: { inbox_id: inbox.id, source_kind: source.kind, source_ref: source.ref },
      defaults: { account_id: inbox.account_id, inbox_id: inbox.id, source_kind: source.kind, source_ref: source.ref, sha256, storage_key: storageKey, byte_size: raw.length },
    });
    // The same source handed over again (a re-fetch after a crash before the cursor moved) adds nothing.
    if (row.status === 'ingested' || row.status === 'duplicate') return { status: 'duplicate', messageId: row.message_id ?? undefined };
    if (row.status === 'rejected') return { status: 'rejected', reason: row.error_reason ?? undefined };
    return this.process(row, input.channel, inbox, raw);
  }

  /** Gives stored emails whose ingestion failed before `failedBefore` another try, from their kept raw MIME. */
  async retryFailed(channel: ChannelEmail, inbox: Inbox, failedBefore: Date): Promise<IngestResult[]> {
    const rows = await InboundEmail.findAll({
      where: { inbox_id: inbox.id, status: 'failed', attempts: { [Op.lt]: MAX_INGEST_ATTEMPTS }, updated_at: { [Op.lt]: failedBefore } },
      order: [['id', 'ASC']],
      limit: 100,
    });
    const results: IngestResult[] = [];
    for (const row of rows) results.push(await this.process(row, channel, inbox, await buffer(this.deps.storage.get(row.storage_key!))));
    return results;
  }

  private async process(row: InboundEmail, channel: ChannelEmail, inbox: Inbox, raw: Buffer): Promise<IngestResult> {
    let email: ParsedEmail;
    try {
      email = await parseEmail(raw);
    } catch (err) {
      return this.finish(row, 'rejected', { error_reason: `unreadable MIME: ${(err as Error).message}` });
    }
    try {
      await row.update({ message_id_header: email.messageId });
      if (email.connectionCheck) return this.finish(row, 'rejected', { error_reason: 'connection test message sent by the inbox wizard' });
      const existing = await Message.findOne({ where: { inbox_id: inbox.id, source_id: email.messageId }, attributes: ['id', 'conversation_id'] });
      if (existing) return this.finish(row, 'duplicate', { message_id: existing.id }, existing.conversation_id);
      const author = await this.authorOf(email, channel, inbox);
      if (!author) return this.finish(row, 'rejected', { error_reason: 'no sender address (Reply-To, From)' });
      return await this.createMessage(row, email, author, channel, inbox);
    } catch (err) {
      if (err instanceof UniqueConstraintError) {
        // Another transport or worker stored the same Message-ID between our check and our insert.
        const winner = await Message.findOne({ where: { inbox_id: inbox.id, source_id: email.messageId }, attributes: ['id', 'conversation_id'] });
        if (winner) return this.finish(row, 'duplicate', { message_id: winner.id }, winner.conversation_id);
      }
      const attempts = row.attempts + 1;
      const reason = `${(err as Error).message}`.slice(0, 2_000);
      this.deps.logger.warn({ inboundEmailId: row.id, attempts, err: { message: reason } }, 'inbound email ingestion failed');
      return attempts >= MAX_INGEST_ATTEMPTS
        ? this.finish(row, 'rejected', { attempts, error_reason: `gave up after ${attempts} attempts: ${reason}` })
        : this.finish(row, 'failed', { attempts, error_reason: reason });
    }
  }

  private async createMessage(row: InboundEmail, email: ParsedEmail, author: Author, channel: ChannelEmail, inbox: Inbox): Promise<IngestResult> {
    const found = await findConversation(inbox.id, email, this.deps.inboundEmailDomain);
    // A staff email that starts a thread is addressed to the customer; anything else comes from one.
    const contactAddress = author.kind === 'customer' ? author.address : found ? null : this.recipientOf(email, channel);
    const contact = contactAddress ? await this.findOrCreateContact(inbox.account_id, contactAddress) : null;
    if (!found && !contact) return this.finish(row, 'rejected', { error_reason: 'staff email with no thread and no customer recipient' });
    const blobs = await Promise.all(email.attachments.map((a) => this.storeAttachment(inbox, a)));

    const attrs: NewMessage = {
      message_type: author.kind === 'customer' ? 'incoming' : 'outgoing',
      content: email.text.reply ?? email.text.full ?? '',
      content_type: 'incoming_email',
      content_attributes: { email: emailAttributes(email) },
      private: false,
      sender: author.kind === 'customer' ? { type: 'Contact', id: contact!.id } : author.user ? { type: 'User', id: author.user.id } : null,
      reopen: !email.autoReply,
      source_id: email.messageId,
    };
    const { conversation, created, message, changes } = await this.deps.sequelize.transaction(async (transaction) => {
      const conversation: Conversation = found?.conversation
        ?? (await insertConversation(contact!, inbox.id, { additional_attributes: { source: 'email', mail_subject: email.subject } }, transaction));
      const inserted = await insertMessage(conversation, attrs, transaction);
      await Attachment.bulkCreate(
        email.attachments.map((a, i) => ({
          account_id: inbox.account_id,
          message_id: inserted.message.id,
          file_type: Attachment.fileTypeFor(a.contentType),
          filename: truncate(a.filename, 255),
          content_type: truncate(a.contentType, 255),
          byte_size: a.content.length,
          storage_key: blobs[i],
          content_id: a.contentId ? truncate(a.contentId, 255) : null,
          inline: a.inline,
        })),
        { transaction },
      );
      await row.update({ status: 'ingested', message_id: inserted.message.id, attempts: row.attempts + 1, error_reason: null }, { transaction });
      return { conversation, created: !found, ...inserted };
    });
    const ids = { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id };
    if (created) await this.deps.events.emit('conversation.created', ids);
    await announceMessage(this.deps.events, conversation, message, changes);
    return { status: 'created', messageId: message.id, conversationId: conversation.id };
  }

  /**
   * Staff write from Outlook too: mail from the inbox's own address or from a member of the account is
   * theirs, so it stays in its thread as an outgoing message. Customers are Reply-To, else From.
   */
  private async authorOf(email: ParsedEmail, channel: ChannelEmail, inbox: Inbox): Promise<Author | null> {
    const from = email.from[0];
    if (from?.address === channel.email.toLowerCase()) return { kind: 'staff', user: null };
    if (from) {
      const member = await AccountUser.findOne({
        where: { account_id: inbox.account_id },
        include: [{ model: User, as: 'user', required: true, where: where(fn('lower', col('user.email')), from.address) }],
      });
      if (member?.user) return { kind: 'staff', user: member.user };
    }
    const address = email.replyTo[0] ?? from;
    return address ? { kind: 'customer', address } : null;
  }

  private recipientOf(email: ParsedEmail, channel: ChannelEmail): EmailAddress | null {
    const own = channel.email.toLowerCase();
    return [...email.to, ...email.cc].find((a) => a.address !== own && !a.address.endsWith(`@${this.deps.inboundEmailDomain}`)) ?? null;
  }

  private async findOrCreateContact(accountId: number, address: EmailAddress): Promise<Contact> {
    const find = () => Contact.findOne({ where: { account_id: accountId, [Op.and]: [where(fn('lower', col('email')), address.address)] } });
    const existing = await find();
    if (existing) return existing;
    try {
      return await Contact.create({ account_id: accountId, email: address.address, name: truncate(address.name || address.address.split('@')[0], 255) });
    } catch (err) {
      const winner = err instanceof UniqueConstraintError ? await find() : null;
      if (winner) return winner;
      throw err;
    }
  }

  /** Content-addressed, so a retried or duplicate email reuses the stored blob. */
  private async storeAttachment(inbox: Inbox, part: EmailPart): Promise<string> {
    const key = `attachments/${inbox.account_id}/${inbox.id}/${createHash('sha256').update(part.content).digest('hex')}`;
    if (!(await this.deps.storage.exists(key))) await this.deps.storage.put(key, part.content);
    return key;
  }

  private async finish(row: InboundEmail, status: InboundEmail['status'], changes: Partial<InboundEmail>, conversationId?: number): Promise<IngestResult> {
    await row.update({ status, ...changes });
    const result: IngestResult = { status: status === 'ingested' ? 'created' : (status as IngestResult['status']) };
    if (row.message_id) result.messageId = row.message_id;
    if (conversationId) result.conversationId = conversationId;
    if (row.error_reason && (status === 'rejected' || status === 'failed')) result.reason = row.error_reason;
    return result;
  }
}

/** Chatwoot's `content_attributes.email`. */
function emailAttributes(e: ParsedEmail) {
  const list = (a: EmailAddress[]) => a.map((x) => x.address);
  return {
    from: list(e.from),
    to: list(e.to),
    cc: list(e.cc),
    bcc: list(e.bcc),
    reply_to: list(e.replyTo),
    subject: e.subject,
    date: e.date?.toISOString() ?? null,
    message_id: e.messageId,
    in_reply_to: e.inReplyTo[0] ?? null,
    references: e.references,
    html_content: e.html,
    text_content: e.text,
    auto_reply: e.autoReply,
    bounce: e.bounce,
  };
}


/** Keeps the extension when a name is cut to fit its column. */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const ext = /\.[A-Za-z0-9]{1,10}$/.exec(s)?.[0] ?? '';
  return s.slice(0, max - ext.length) + ext;
}
