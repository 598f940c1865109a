import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { Op, QueryTypes, UniqueConstraintError, type Sequelize, type Transaction } from 'sequelize';
import type { EventBus } from '../../../extensions/events.js';
import type { BlobStorage } from '../../../lib/storage.js';
import type { Logger } from '../../../lib/logger.js';
import { Attachment, Contact, type ChannelEmail, type Conversation, type Inbox } from '../../../models/index.js';
import { insertConversation } from '../../../services/conversations.js';
import { announceMessage, insertMessage, type NewMessage } from '../../../services/messages.js';
import { findConversation } from './conversation-finder.js';
import { MAIL_CLASS_POLICY } from './mail-classifier.js';
import { impersonatedAddress, parseEmail, type EmailAddress, type EmailPart, type ParsedEmail } from './parsed-email.js';
import { InboundEmail } from './receive.models.js';
import { safeFilename } from '../../../lib/filenames.js';

/** How often a stored email whose ingestion failed is tried again before it is rejected for good. */
export const MAX_INGEST_ATTEMPTS = 3;

export interface IngestInput {
  channel: ChannelEmail;
  inbox: Inbox;
  raw: Buffer;
  /** Where the email came from, unique per inbox: e.g. `imap` + `INBOX:<uidvalidity>:<uid>`. */
  source: { kind: string; ref: string };
}

/** mailparser's result for a raw email, or why it could not read it; never rejects. */
export type ParseOutcome = { email: ParsedEmail } | { error: Error };

export interface IngestOptions {
  /**
   * Runs inside the transaction that records the email's outcome (an IMAP cursor checkpoint, say): the
   * outcome and the checkpoint commit together or not at all, so a worker killed at any point neither
   * loses the email nor imports it twice.
   */
  checkpoint?: (transaction: Transaction) => Promise<void>;
  /** `prepare(input)` started by the caller ahead of time, e.g. while the previous email is stored. */
  prepared?: PreparedEmail;
}

/** Told once an email is rejected for good, so administrators hear of it (see RejectionNotice). */
export type RejectionListener = (inbox: Inbox) => Promise<void>;

/** An email being kept (raw MIME to blob storage) and parsed; neither promise rejects. */
export interface PreparedEmail {
  kept: Promise<{ sha256: string; storageKey: string } | { error: unknown }>;
  parsed: Promise<ParseOutcome>;
}

export interface IngestResult {
  /** `failed`: kept with its reason and retried by `retryFailed` (up to MAX_INGEST_ATTEMPTS). */
  status: 'created' | 'duplicate' | 'rejected' | 'failed' | 'filed';
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
  onRejected?: RejectionListener;
}

/** Who wrote the email as far as the helpdesk is concerned. */
type Author = { kind: 'customer'; address: EmailAddress } | { kind: 'unknown' } | { kind: 'staff'; userId: number | null };

/** The contact of every email whose headers name no sender address at all, one per account. */
export const UNKNOWN_SENDER_IDENTIFIER = 'email:unknown-sender';

/** The identity of an inbound email's row: what the transport handed over and where its raw MIME is kept. */
interface InboundSource {
  accountId: number;
  inboxId: number;
  kind: string;
  ref: string;
  sha256: string;
  storageKey: string;
  byteSize: number;
}

/** The columns of an `inbound_emails` row the pipeline decides on. */
interface InboundRow {
  id: number;
  status: InboundEmail['status'];
  attempts: number;
  message_id: number | null;
  error_reason: string | null;
}

type Final = Pick<InboundEmail, 'status'> & Partial<Pick<InboundEmail, 'error_reason' | 'attempts' | 'message_id' | 'message_id_header'>>;

/** What an ingestion decided, and what to announce once it is committed. */
interface Decision {
  result: IngestResult;
  announce?: () => Promise<void>;
}

/** The columns of a contact that threading and the conversation need (see findOrCreateContactInbox). */
type KnownContact = Pick<Contact, 'id' | 'account_id' | 'email' | 'name'> & { contact_inbox_id?: number | null };

const INBOUND_COLUMNS = 'id, status, attempts, message_id, error_reason';

/** Parses without rejecting: a failure becomes `{ error }`, recorded on the email's row. */
function parseAhead(raw: Buffer): Promise<ParseOutcome> {
  return parseEmail(raw).then(
    (email) => ({ email }),
    (err: unknown) => ({ error: err instanceof Error ? err : new Error(String(err)) }),
  );
}

/**
 * The one pipeline every transport ends in (IMAP fetch, an overlay's Graph webhook, ...): keep the raw
 * MIME, parse, then in one transaction record it, dedupe by Message-ID per inbox, thread, and create
 * the message with its contact and attachments through the core's conversation and message functions.
 */
export class EmailIngestionService {
  constructor(private readonly deps: EmailIngestionDeps) {}

  /**
   * Throws only when the raw email cannot be kept (storage or database down): the caller must then
   * not consider it received (an IMAP cursor stays put, and a `checkpoint` is not committed).
   * Everything after that is recorded instead, in the same transaction as the `checkpoint`.
   */
  async ingest(input: IngestInput, opts: IngestOptions = {}): Promise<IngestResult> {
    const { inbox, raw, source } = input;
    const prepared = opts.prepared ?? this.prepare(input);
    // The raw MIME is kept before any row refers to it.
    const kept = await prepared.kept;
    if ('error' in kept) throw kept.error;
    const from: InboundSource = { accountId: inbox.account_id, inboxId: inbox.id, kind: source.kind, ref: source.ref, ...kept, byteSize: raw.length };
    return this.record(from, await prepared.parsed, input.channel, inbox, { checkpoint: opts.checkpoint });
  }

  /**
   * Starts keeping the raw MIME and parsing it, the part of an ingestion that needs no database: a
   * fetch prepares the next email while this one is stored. Hand the result to `ingest`.
   */
  prepare(input: Pick<IngestInput, 'inbox' | 'raw'>): PreparedEmail {
    const { inbox, raw } = input;
    const sha256 = createHash('sha256').update(raw).digest('hex');
    const storageKey = `raw/${inbox.account_id}/${inbox.id}/${sha256}.eml`;
    const kept = this.deps.storage.put(storageKey, raw).then(() => ({ sha256, storageKey }), (error: unknown) => ({ error }));
    return { kept, parsed: parseAhead(raw) };
  }

  /** Gives stored emails whose ingestion failed before `failedBefore` another try, from their kept raw MIME. */
  async retryFailed(channel: ChannelEmail, inbox: Inbox, failedBefore: Date): Promise<IngestResult[]> {
    const rows = await InboundEmail.findAll({
      where: { inbox_id: inbox.id, status: 'failed', attempts: { [Op.lt]: MAX_INGEST_ATTEMPTS }, updated_at: { [Op.lt]: failedBefore } },
      order: [['id', 'ASC']],
      limit: 100,
    });
    const results: IngestResult[] = [];
    for (const row of rows) results.push(await this.recordKept(row, channel, inbox));
    return results;
  }

  /**
   * An administrator's second chance for an email that became no message (rejected, failed, filed):
   * `retry` runs the pipeline again as it is now; `force` ("Import anyway") also imports what the
   * pipeline would file apart or turn away on purpose (a complaint, a report, a wizard test message).
   */
  async reprocess(row: InboundEmail, channel: ChannelEmail, inbox: Inbox, force: boolean): Promise<IngestResult> {
    await InboundEmail.update({ status: 'received', attempts: 0 }, { where: { id: row.id, status: ['rejected', 'failed', 'filed'] } });
    return this.recordKept(row, channel, inbox, force);
  }

  private async recordKept(row: InboundEmail, channel: ChannelEmail, inbox: Inbox, force = false): Promise<IngestResult> {
    const raw = await buffer(this.deps.storage.get(row.storage_key!));
    const from: InboundSource = { accountId: row.account_id, inboxId: row.inbox_id, kind: row.source_kind, ref: row.source_ref, sha256: row.sha256 ?? '', storageKey: row.storage_key!, byteSize: Number(row.byte_size) };
    return this.record(from, await parseAhead(raw), channel, inbox, { force });
  }

  /**
   * One transaction (one commit) per email: its row, the decision (duplicate, rejected, a new message)
   * and the caller's checkpoint. When processing fails the transaction rolls back and a second one
   * records the failure (and the checkpoint): the email is retried later from its kept raw MIME.
   */
  private async record(from: InboundSource, parsed: ParseOutcome, channel: ChannelEmail, inbox: Inbox, opts: { checkpoint?: (t: Transaction) => Promise<void>; force?: boolean }): Promise<IngestResult> {
    const result = await this.recordOutcome(from, parsed, channel, inbox, opts);
    // The outcome is committed: a notice that cannot be sent must not make the email look unreceived.
    if (result.status === 'rejected') {
      await this.deps.onRejected?.(inbox).catch((err: unknown) => this.deps.logger.warn({ inboxId: inbox.id, err: { message: (err as Error).message } }, 'rejected-email notice failed'));
    }
    return result;
  }

  private async recordOutcome(from: InboundSource, parsed: ParseOutcome, channel: ChannelEmail, inbox: Inbox, { checkpoint, force = false }: { checkpoint?: (t: Transaction) => Promise<void>; force?: boolean }): Promise<IngestResult> {
    const messageIdHeader = 'email' in parsed ? parsed.email.messageId : null;
    const summary = summaryOf(parsed);
    let row: InboundRow | undefined;
    let decision: Decision;
    try {
      decision = await this.deps.sequelize.transaction(async (transaction) => {
        row = await this.claimRow(from, messageIdHeader, summary, transaction);
        const decided = await this.decide(row, parsed, channel, inbox, transaction, force);
        await checkpoint?.(transaction);
        return decided;
      });
    } catch (err) {
      // The row could not even be written (database down), or the failure is not the email's (its row was
      // already final, or unreadable MIME was being recorded): not received, the caller keeps its cursor.
      if (!row || !('email' in parsed) || !(row.status === 'received' || row.status === 'failed')) throw err;
      const failed = row;
      return this.deps.sequelize.transaction(async (transaction) => {
        let result: IngestResult | undefined;
        if (err instanceof UniqueConstraintError) {
          // Another transport or worker stored the same Message-ID between our check and our insert.
          const winner = await this.existingMessage(inbox.id, parsed.email.messageId, transaction);
          if (winner) result = await this.saveRow(from, summary, failed, { status: 'duplicate', message_id: winner.id, message_id_header: messageIdHeader }, transaction, winner.conversation_id);
        }
        if (!result) {
          const attempts = failed.attempts + 1;
          const reason = `${(err as Error).message}`.slice(0, 2_000);
          this.deps.logger.warn({ inboundEmailId: failed.id, attempts, err: { message: reason } }, 'inbound email ingestion failed');
          result = await this.saveRow(
            from, summary, failed,
            attempts >= MAX_INGEST_ATTEMPTS
              ? { status: 'rejected', attempts, error_reason: `gave up after ${attempts} attempts: ${reason}`, message_id_header: messageIdHeader }
              : { status: 'failed', attempts, error_reason: reason, message_id_header: messageIdHeader },
            transaction,
          );
        }
        await checkpoint?.(transaction);
        return result;
      });
    }
    // Live updates once committed (the event bus logs a failing listener, it never throws).
    await decision.announce?.();
    return decision.result;
  }

  /** The email's row, inserted (one statement) or, when the source was handed over before, read and locked. */
  private async claimRow(from: InboundSource, messageIdHeader: string | null, summary: Summary, transaction: Transaction): Promise<InboundRow> {
    const now = new Date();
    const [inserted] = await this.deps.sequelize.query<InboundRow>(
      `INSERT INTO inbound_emails (account_id, inbox_id, source_kind, source_ref, message_id_header, sha256, storage_key, byte_size, status, attempts, sender, subject, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received', 0, $10, $11, $9, $9)
       ON CONFLICT (inbox_id, source_kind, source_ref) DO NOTHING RETURNING ${INBOUND_COLUMNS}`,
      { bind: [from.accountId, from.inboxId, from.kind, from.ref, messageIdHeader, from.sha256, from.storageKey, from.byteSize, now, summary.sender, summary.subject], type: QueryTypes.SELECT, transaction },
    );
    if (inserted) return inserted;
    const [existing] = await this.deps.sequelize.query<InboundRow>(
      `SELECT ${INBOUND_COLUMNS} FROM inbound_emails WHERE inbox_id = $1 AND source_kind = $2 AND source_ref = $3 FOR UPDATE`,
      { bind: [from.inboxId, from.kind, from.ref], type: QueryTypes.SELECT, transaction },
    );
    if (!existing) throw new Error(`inbound email ${from.kind}:${from.ref} vanished while it was being recorded`);
    return existing;
  }

  private async decide(row: InboundRow, parsed: ParseOutcome, channel: ChannelEmail, inbox: Inbox, transaction: Transaction, force: boolean): Promise<Decision> {
    // The same source handed over again (a cursor lost or reseeded) adds nothing.
    if (row.status === 'ingested' || row.status === 'duplicate') return { result: { status: 'duplicate', ...(row.message_id ? { messageId: row.message_id } : {}) } };
    if (row.status === 'rejected') return { result: { status: 'rejected', ...(row.error_reason ? { reason: row.error_reason } : {}) } };
    const finish = async (changes: Final, conversationId?: number): Promise<Decision> => ({ result: await this.updateRow(row, changes, transaction, conversationId) });
    if (!('email' in parsed)) return finish({ status: 'rejected', error_reason: `unreadable MIME: ${parsed.error.message}` });
    const email = parsed.email;
    const header = { message_id_header: email.messageId };
    if (email.connectionCheck && !force) return finish({ ...header, status: 'rejected', error_reason: 'connection test message sent by the inbox wizard' });
    // One round trip for what every email needs to know: is it a duplicate (Message-ID), is the sender
    // one of the staff, and the contact of the customer it would come from (Reply-To, else From).
    const from = email.from[0] ?? email.senderFallback?.address ?? undefined;
    const staffCandidate = from && from.address !== channel.email.toLowerCase() ? from.address : null;
    const customerCandidate = (email.replyTo[0] ?? from)?.address ?? null;
    const [known] = await this.deps.sequelize.query<{ message_id: number | null; conversation_id: number | null; staff_user_id: number | null; contact: KnownContact | null }>(
      `SELECT m.id AS message_id, m.conversation_id,
              (SELECT u.id FROM users u JOIN account_users au ON au.user_id = u.id AND au.account_id = $3 WHERE $4::text IS NOT NULL AND lower(u.email) = $4::text LIMIT 1) AS staff_user_id,
              (SELECT json_build_object('id', c.id, 'account_id', c.account_id, 'email', c.email, 'name', c.name,
                        'contact_inbox_id', (SELECT ci.id FROM contact_inboxes ci WHERE ci.contact_id = c.id AND ci.inbox_id = $1 ORDER BY ci.id LIMIT 1)) FROM contacts c
                WHERE $5::text IS NOT NULL AND c.account_id = $3 AND lower(c.email) = $5::text LIMIT 1) AS contact
       FROM (SELECT 1) AS one LEFT JOIN messages m ON m.inbox_id = $1 AND m.source_id = $2`,
      { bind: [inbox.id, email.messageId, inbox.account_id, staffCandidate, customerCandidate], type: QueryTypes.SELECT, transaction },
    );
    if (known?.message_id) return finish({ ...header, status: 'duplicate', message_id: known.message_id }, known.conversation_id ?? undefined);
    // Abuse complaints and aggregate reports concern the mail system, not a customer: kept for the Health tab.
    if (MAIL_CLASS_POLICY[email.mailClass].filing === 'filed' && !force) return finish({ ...header, status: 'filed', error_reason: `${email.mailClass}: ${email.classSignal}` });
    const author = this.authorOf(email, from, channel, known?.staff_user_id ?? null);
    const looked = customerCandidate ? { address: customerCandidate, contact: known?.contact ?? null } : undefined;
    return this.createMessage(row, email, author, channel, inbox, transaction, looked);
  }

  private async createMessage(
    row: InboundRow, email: ParsedEmail, author: Author, channel: ChannelEmail, inbox: Inbox, transaction: Transaction,
    looked?: { address: string; contact: KnownContact | null },
  ): Promise<Decision> {
    const header = { message_id_header: email.messageId };
    const found = await findConversation(inbox.id, email, this.deps.inboundEmailDomain, transaction);
    // A staff email that starts a thread is addressed to the customer; anything else comes from one.
    const contactAddress = author.kind === 'customer' ? author.address : author.kind === 'staff' && !found ? this.recipientOf(email, channel) : null;
    const customer = author.kind === 'unknown'
      ? await this.unknownSender(inbox.account_id, transaction)
      : contactAddress
        ? await this.findOrCreateContact(inbox.account_id, contactAddress, transaction, looked?.address === contactAddress.address ? looked.contact : undefined)
        : null;
    const contact = customer?.contact ?? null;
    if (!found && !contact) return { result: await this.updateRow(row, { ...header, status: 'rejected', error_reason: 'staff email with no thread and no customer recipient' }, transaction) };
    // Blobs before the rows that refer to them; a failure here rolls the transaction back and is recorded as `failed`.
    const blobs = await Promise.all(email.attachments.map((a) => this.storeAttachment(inbox, a)));

    const policy = MAIL_CLASS_POLICY[email.mailClass];
    const incoming = author.kind !== 'staff';
    const attrs: NewMessage = {
      message_type: incoming ? 'incoming' : 'outgoing',
      content: email.text.reply ?? email.text.full ?? '',
      content_type: 'incoming_email',
      content_attributes: { email: emailAttributes(email) },
      private: false,
      sender: incoming ? { type: 'Contact', id: contact!.id } : author.kind === 'staff' && author.userId ? { type: 'User', id: author.userId } : null,
      reopen: policy.reopens,
      startsWait: policy.customerReply,
      source_id: email.messageId,
    };
    const conversation: Conversation = found?.conversation
      ?? (await insertConversation(
        contact!, inbox.id,
        { additional_attributes: { source: 'email', mail_subject: email.subject }, contactInboxId: customer?.contactInboxId },
        transaction,
      ));
    const { message, changes } = await insertMessage(conversation, attrs, transaction);
    if (email.attachments.length) {
      await Attachment.bulkCreate(
        email.attachments.map((a, i) => ({
          account_id: inbox.account_id,
          message_id: message.id,
          file_type: Attachment.fileTypeFor(a.contentType),
          filename: safeFilename(a.filename, 'attachment'),
          content_type: truncate(a.contentType, 255),
          byte_size: a.content.length,
          storage_key: blobs[i],
          content_id: a.contentId ? truncate(a.contentId, 255) : null,
          inline: a.inline,
        })),
        { transaction },
      );
    }
    await this.updateRow(row, { ...header, status: 'ingested', message_id: message.id, attempts: row.attempts + 1, error_reason: null }, transaction);
    const created = !found;
    return {
      result: { status: 'created', messageId: message.id, conversationId: conversation.id },
      announce: async () => {
        const ids = { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id };
        if (customer && 'created' in customer && customer.created) await this.deps.events.emit('contact.created', { accountId: conversation.account_id, contactId: customer.contact.id });
        if (created) await this.deps.events.emit('conversation.created', ids);
        await announceMessage(this.deps.events, conversation, message, changes);
      },
    };
  }

  /**
   * Staff write from Outlook too: mail from the inbox's own address or from a member of the account is
   * theirs, so it stays in its thread as an outgoing message. Customers are Reply-To, else From.
   */
  private authorOf(email: ParsedEmail, from: EmailAddress | undefined, channel: ChannelEmail, staffUserId: number | null): Author {
    if (from?.address === channel.email.toLowerCase()) return { kind: 'staff', userId: null };
    if (from && staffUserId) return { kind: 'staff', userId: staffUserId };
    const address = email.replyTo[0] ?? from;
    return address ? { kind: 'customer', address } : { kind: 'unknown' };
  }

  /** Mail that names no sender anywhere still reaches an agent, from this placeholder contact. */
  private async unknownSender(accountId: number, transaction: Transaction): Promise<{ contact: Contact; contactInboxId?: number }> {
    const [contact] = await Contact.findOrCreate({
      where: { account_id: accountId, identifier: UNKNOWN_SENDER_IDENTIFIER },
      defaults: { account_id: accountId, identifier: UNKNOWN_SENDER_IDENTIFIER, name: 'Unknown sender' },
      transaction,
    });
    return { contact };
  }

  private recipientOf(email: ParsedEmail, channel: ChannelEmail): EmailAddress | null {
    const own = channel.email.toLowerCase();
    return [...email.to, ...email.cc].find((a) => a.address !== own && !a.address.endsWith(`@${this.deps.inboundEmailDomain}`)) ?? null;
  }

  /**
   * Looked up first (the common case; `known` when the caller already looked in this transaction: the
   * contact with its first contact inbox here, or null for none); created with ON CONFLICT DO NOTHING,
   * so a concurrent creation never aborts the transaction.
   */
  private async findOrCreateContact(accountId: number, address: EmailAddress, transaction: Transaction, known?: KnownContact | null): Promise<{ contact: Contact; contactInboxId?: number; created?: boolean }> {
    const find = () => Contact.findOne({ where: { account_id: accountId, [Op.and]: [this.deps.sequelize.where(this.deps.sequelize.fn('lower', this.deps.sequelize.col('email')), address.address)] }, transaction });
    if (known) {
      const { contact_inbox_id: contactInboxId, ...columns } = known;
      return { contact: Contact.build(columns, { isNewRecord: false, raw: true }), contactInboxId: contactInboxId ?? undefined };
    }
    const existing = known === null ? null : await find();
    if (existing) return { contact: existing };
    const [created] = await Contact.bulkCreate(
      [{ account_id: accountId, email: address.address, name: truncate(address.name || address.address.split('@')[0], 255) }],
      { transaction, ignoreDuplicates: true, returning: true, validate: true },
    );
    if (created?.id) return { contact: created, created: true };
    const winner = await find();
    if (winner) return { contact: winner };
    throw new Error(`contact ${address.address} could not be created`);
  }

  private async existingMessage(inboxId: number, messageId: string, transaction: Transaction): Promise<{ id: number; conversation_id: number } | null> {
    const [m] = await this.deps.sequelize.query<{ id: number; conversation_id: number }>(
      'SELECT id, conversation_id FROM messages WHERE inbox_id = $1 AND source_id = $2 LIMIT 1',
      { bind: [inboxId, messageId], type: QueryTypes.SELECT, transaction },
    );
    return m ?? null;
  }

  /** Content-addressed, so a retried or duplicate email reuses the stored blob. */
  private async storeAttachment(inbox: Inbox, part: EmailPart): Promise<string> {
    const key = `attachments/${inbox.account_id}/${inbox.id}/${createHash('sha256').update(part.content).digest('hex')}`;
    if (!(await this.deps.storage.exists(key))) await this.deps.storage.put(key, part.content);
    return key;
  }

  /** Records the outcome on the row claimed in this transaction. */
  private async updateRow(row: InboundRow, changes: Final, transaction: Transaction, conversationId?: number): Promise<IngestResult> {
    const next = { ...row, ...changes };
    await this.deps.sequelize.query(
      `UPDATE inbound_emails SET status = $2, attempts = $3, message_id = $4, error_reason = $5, message_id_header = COALESCE($6, message_id_header), updated_at = $7 WHERE id = $1`,
      { bind: [row.id, next.status, next.attempts, next.message_id, next.error_reason, changes.message_id_header ?? null, new Date()], type: QueryTypes.UPDATE, transaction },
    );
    return resultOf(next, conversationId);
  }

  /** Records an outcome after the processing transaction rolled back (the row may be gone with it). */
  private async saveRow(from: InboundSource, summary: Summary, row: InboundRow, changes: Final, transaction: Transaction, conversationId?: number): Promise<IngestResult> {
    const next = { ...row, ...changes };
    const now = new Date();
    await this.deps.sequelize.query(
      `INSERT INTO inbound_emails (account_id, inbox_id, source_kind, source_ref, message_id_header, sha256, storage_key, byte_size, status, attempts, message_id, error_reason, sender, subject, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14, $15, $13, $13)
       ON CONFLICT (inbox_id, source_kind, source_ref) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts, message_id = EXCLUDED.message_id,
         error_reason = EXCLUDED.error_reason, message_id_header = COALESCE(EXCLUDED.message_id_header, inbound_emails.message_id_header), updated_at = EXCLUDED.updated_at`,
      { bind: [from.accountId, from.inboxId, from.kind, from.ref, changes.message_id_header ?? null, from.sha256, from.storageKey, from.byteSize, next.status, next.attempts, next.message_id, next.error_reason, now, summary.sender, summary.subject], type: QueryTypes.INSERT, transaction },
    );
    return resultOf(next, conversationId);
  }
}

interface Summary {
  sender: string | null;
  subject: string | null;
}

function summaryOf(parsed: ParseOutcome): Summary {
  if (!('email' in parsed)) return { sender: null, subject: null };
  const { from, senderFallback, subject } = parsed.email;
  const address = from[0] ?? senderFallback?.address;
  const sender = address ? (address.name ? `${address.name} <${address.address}>` : address.address) : senderFallback?.fromHeader || null;
  return { sender, subject: subject || null };
}

function resultOf(row: Pick<InboundRow, 'status' | 'message_id' | 'error_reason'>, conversationId?: number): IngestResult {
  const result: IngestResult = { status: row.status === 'ingested' ? 'created' : (row.status as IngestResult['status']) };
  if (row.message_id) result.messageId = row.message_id;
  if (conversationId) result.conversationId = conversationId;
  if (row.error_reason && (row.status === 'rejected' || row.status === 'failed')) result.reason = row.error_reason;
  return result;
}

/** Chatwoot's `content_attributes.email`. */
function emailAttributes(e: ParsedEmail) {
  const list = (a: EmailAddress[]) => a.map((x) => x.address);
  const named = (a: EmailAddress[]) => a.map(({ name, address }) => ({ name, address }));
  const claimed = impersonatedAddress(e.from[0]);
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
    // The same addresses with their display names ("김 현진"): what the agent reads, not just addresses.
    participants: { from: named(e.from), reply_to: named(e.replyTo), to: named(e.to), cc: named(e.cc) },
    ...(claimed ? { sender_warning: { kind: 'display_name_address', claimed, actual: e.from[0].address } } : {}),
    ...(e.embedded.length ? { embedded_emails: e.embedded } : {}),
    ...(e.textSource !== 'parsed' ? { text_source: e.textSource } : {}),
    mail_class: e.mailClass,
    mail_class_signal: e.classSignal,
    auto_reply: e.mailClass === 'auto_reply',
    bounce: e.mailClass === 'bounce',
    ...(e.senderFallback ? { sender_fallback: { source: e.senderFallback.source, address: e.senderFallback.address?.address ?? null, from_header: e.senderFallback.fromHeader } } : {}),
  };
}


/** Keeps the extension when a name is cut to fit its column. */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const ext = /\.[A-Za-z0-9]{1,10}$/.exec(s)?.[0] ?? '';
  return s.slice(0, max - ext.length) + ext;
}
