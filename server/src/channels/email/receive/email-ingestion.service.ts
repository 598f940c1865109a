import { createHash, randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { Op, QueryTypes, UniqueConstraintError, type Sequelize, type Transaction } from 'sequelize';
import type { EventBus } from '../../../extensions/events.js';
import type { BlobStorage } from '../../../lib/storage.js';
import type { Logger } from '../../../lib/logger.js';
import { Attachment, Contact, Conversation, Message, type ChannelEmail, type Inbox } from '../../../models/index.js';
import { insertConversation } from '../../../services/conversations.service.js';
import { startingStatus } from '../../../services/starting-status.js';
import { announceMessage, insertMessage, messageEffects, messageRow, reopens, type NewMessage } from '../../../services/messages.service.js';
import { findOrCreateContactInbox } from '../../../services/contacts.service.js';
import { findConversation, threadKeys } from './conversation-finder.js';
import { MAIL_CLASS_POLICY } from './mail-classifier.js';
import { impersonatedAddress, parseEmail, type EmailAddress, type EmailPart, type ParsedEmail } from './parsed-email.js';
import { InboundEmail } from './receive.model.js';
import { InboundEmailRepository, type Final, type IngestResult, type InboundRow, type InboundSource, type Summary } from './inbound-email.repository.js';
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

/** What an ingestion decided, and what to announce once it is committed. */
interface Decision {
  result: IngestResult;
  /** In a batch: before any conversation's announcements (a new contact). */
  announceFirst?: () => Promise<void>;
  announce?: () => Promise<void>;
}

/**
 * Conversations whose live updates a batch announces at once: each conversation's stay in order, and
 * listeners that query (webhook subscriptions, say) use several pool connections instead of one.
 */
const ANNOUNCE_LANES = 4;

/** The columns of a contact that threading and the conversation need (see findOrCreateContactInbox). */
type KnownContact = Pick<Contact, 'id' | 'account_id' | 'email' | 'name'> & { contact_inbox_id?: number | null };

/** An email of a batch, kept and parsed. */
interface BatchEmail {
  from: InboundSource;
  parsed: ParseOutcome;
  channel: ChannelEmail;
  inbox: Inbox;
}

/** A contact as a batch needs it: its first contact inbox here, if any. */
type BatchContact = Pick<Contact, 'id' | 'account_id' | 'email' | 'name'> & { contact_inbox_id: number | null };

/** The conversation a batch's message goes to: one that exists, or the one an email of the batch starts. */
type Target = { conversation: Conversation } | { starts: Planned };

/** A batch's email that becomes a message, filled in as the batch is written. */
interface Planned {
  index: number;
  row: InboundRow;
  email: ParsedEmail;
  author: Author;
  contactAddress: EmailAddress | null;
  unknown: Contact | null;
  target: Target;
  contact?: BatchContact;
  created?: Conversation;
  message?: Message;
  announceFirst?: () => Promise<void>;
  announce?: () => Promise<void>;
}

function conversationOf(target: Target): Conversation {
  if ('conversation' in target) return target.conversation;
  if (!target.starts.created) throw new Error('conversation of the batch not created yet');
  return target.starts.created;
}

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
  private readonly rows: InboundEmailRepository;

  constructor(private readonly deps: EmailIngestionDeps) {
    this.rows = new InboundEmailRepository(deps.sequelize);
  }

  /**
   * Throws only when the raw email cannot be kept (storage or database down): the caller must then
   * not consider it received (an IMAP cursor stays put, and a `checkpoint` is not committed).
   * Everything after that is recorded instead, in the same transaction as the `checkpoint`.
   */
  async ingest(input: IngestInput, opts: IngestOptions = {}): Promise<IngestResult> {
    const { from, parsed } = await this.sourceOf(input, opts.prepared);
    return this.record(from, parsed, input.channel, input.inbox, { checkpoint: opts.checkpoint });
  }

  /**
   * Several emails of one channel in one transaction, in order, with one `checkpoint` for all of them:
   * one commit per batch. The batch is written set-wise (`writeBatch`: a fixed number of statements
   * whatever its size) inside a savepoint; when that fails (one email's bad data, a race on a
   * Message-ID), the savepoint is rolled back and the emails are stored one by one, each in a savepoint
   * of its own, so one that fails is recorded as failed (or a duplicate) and the rest go on. What would
   * make a single `ingest` throw (raw MIME not kept, database down) rolls back the whole batch,
   * checkpoint included. Live updates and rejection notices go out once the batch is committed, in
   * the background: `announced` settles when they are out (it never rejects).
   */
  async ingestBatch(
    items: { input: IngestInput; prepared?: PreparedEmail }[],
    opts: { checkpoint: (transaction: Transaction) => Promise<void>; announceAfter?: Promise<void> },
  ): Promise<{ results: IngestResult[]; announced: Promise<void> }> {
    const emails: BatchEmail[] = [];
    for (const { input, prepared } of items) emails.push({ ...(await this.sourceOf(input, prepared)), channel: input.channel, inbox: input.inbox });
    const decisions = await this.deps.sequelize.transaction(async (transaction) => {
      let decided: Decision[] | undefined;
      try {
        decided = await this.deps.sequelize.transaction({ transaction }, (savepoint) => this.writeBatch(emails, savepoint));
      } catch (err) {
        this.deps.logger.warn({ inboxId: emails[0]?.inbox.id, emails: emails.length, err: { message: (err as Error).message } }, 'batched email write failed: storing the batch one by one');
        decided = [];
        for (const e of emails) decided.push(await this.recordOutcome(e.from, e.parsed, e.channel, e.inbox, { outer: transaction }));
      }
      await opts.checkpoint(transaction);
      return decided;
    });
    // Announced after `announceAfter` (the previous batch's announcements), while the caller writes its
    // next batch: new contacts first, then each conversation's in order, a few conversations at a time.
    // Nothing here rejects (listeners and notices log their failures).
    const announced = (opts.announceAfter ?? Promise.resolve()).then(async () => {
      for (const decision of decisions) await decision.announceFirst?.();
      const lanes = new Map<string, { decision: Decision; inbox: Inbox }[]>();
      for (const [i, decision] of decisions.entries()) {
        const key = decision.result.conversationId ? `c${decision.result.conversationId}` : `e${i}`;
        lanes.set(key, [...(lanes.get(key) ?? []), { decision, inbox: emails[i]!.inbox }]);
      }
      const queue = [...lanes.values()];
      await Promise.all(Array.from({ length: ANNOUNCE_LANES }, async () => {
        for (let lane = queue.shift(); lane; lane = queue.shift()) for (const { decision, inbox } of lane) await this.afterCommit(decision, inbox);
      }));
    });
    return { results: decisions.map((d) => d.result), announced };
  }

  /**
   * The batch's emails decided and written set-wise, with the same outcome as `decide` one by one in
   * order: rows claimed in one INSERT; Message-IDs, thread ids, staff and contacts looked up once for
   * all; new contacts, contact inboxes, conversations, messages and attachments each inserted in one
   * multi-row statement; then one UPDATE each for the conversations' activity, the contacts' activity
   * and the rows' outcomes. An email of this batch that answers another one of it joins its
   * conversation. Emails handed over before (their row exists) are decided one by one afterwards.
   */
  private async writeBatch(emails: BatchEmail[], transaction: Transaction): Promise<Decision[]> {
    const { sequelize, inboundEmailDomain } = this.deps;
    const decisions: (Decision | undefined)[] = new Array(emails.length);
    if (!emails.length) return [];
    const { channel, inbox } = emails[0]!;
    if (emails.some((e) => e.inbox.id !== inbox.id)) throw new Error('a batch holds the emails of one inbox');
    const rows = await this.rows.claimMany(emails.map((e) => ({ from: e.from, messageIdHeader: 'email' in e.parsed ? e.parsed.email.messageId : null, summary: summaryOf(e.parsed) })), transaction);

    const finished: { index: number; row: InboundRow; changes: Final; conversationId?: number; duplicateOf?: Planned }[] = [];
    const fresh: { index: number; row: InboundRow; email: ParsedEmail }[] = [];
    for (const [index, e] of emails.entries()) {
      const row = rows[index];
      if (!row) continue;
      if (!('email' in e.parsed)) finished.push({ index, row, changes: { status: 'rejected', error_reason: `unreadable MIME: ${e.parsed.error.message}` } });
      else if (e.parsed.email.connectionCheck) finished.push({ index, row, changes: { message_id_header: e.parsed.email.messageId, status: 'rejected', error_reason: 'connection test message sent by the inbox wizard' } });
      else fresh.push({ index, row, email: e.parsed.email });
    }

    // Every lookup of the batch in three statements: messages by Message-ID (duplicates and threads), staff, conversations.
    const keysOf = new Map(fresh.map((f) => [f.index, threadKeys(f.email, inboundEmailDomain)]));
    const sourceIds = [...new Set(fresh.flatMap((f) => [f.email.messageId, ...keysOf.get(f.index)!.inReplyTo, ...keysOf.get(f.index)!.references]))];
    const stored = new Map((sourceIds.length
      ? await sequelize.query<{ source_id: string; id: number; conversation_id: number }>(
        'SELECT DISTINCT ON (source_id) source_id, id, conversation_id FROM messages WHERE inbox_id = $1 AND source_id = ANY($2::text[]) ORDER BY source_id, id',
        { bind: [inbox.id, sourceIds], type: QueryTypes.SELECT, transaction })
      : []).map((m) => [m.source_id, m]));
    const senderOf = (email: ParsedEmail) => email.from[0] ?? email.senderFallback?.address ?? undefined;
    const staffCandidates = [...new Set(fresh.map((f) => senderOf(f.email)?.address).filter((a): a is string => !!a && a !== channel.email.toLowerCase()))];
    const staff = new Map((staffCandidates.length
      ? await sequelize.query<{ email: string; id: number }>(
        'SELECT DISTINCT ON (lower(u.email)) lower(u.email) AS email, u.id FROM users u JOIN account_users au ON au.user_id = u.id AND au.account_id = $1 WHERE lower(u.email) = ANY($2::text[]) ORDER BY lower(u.email), u.id',
        { bind: [inbox.account_id, staffCandidates], type: QueryTypes.SELECT, transaction })
      : []).map((u) => [u.email, u.id]));
    const uuids = [...new Set(fresh.flatMap((f) => [...keysOf.get(f.index)!.replyUuids, ...keysOf.get(f.index)!.shapedUuids]))];
    const conversationIds = [...new Set([...stored.values()].map((m) => m.conversation_id))];
    const conversations = uuids.length || conversationIds.length
      ? await sequelize.query('SELECT * FROM conversations WHERE inbox_id = $1 AND (uuid::text = ANY($2::text[]) OR id = ANY($3::bigint[]))', { bind: [inbox.id, uuids, conversationIds], model: Conversation, mapToModel: true, transaction })
      : [];
    const byUuid = new Map(conversations.map((c) => [c.uuid, c]));
    const byId = new Map(conversations.map((c) => [c.id, c]));

    // Decided in order, as one by one: what this batch creates counts for the emails after it.
    const planned: Planned[] = [];
    const inBatch = new Map<string, Planned>();
    const threadOf = (index: number): Target | null => {
      const keys = keysOf.get(index)!;
      for (const uuid of keys.replyUuids) if (byUuid.has(uuid)) return { conversation: byUuid.get(uuid)! };
      for (const ids of [keys.inReplyTo, keys.references]) {
        for (const id of ids) {
          const known = stored.get(id);
          if (known && byId.has(known.conversation_id)) return { conversation: byId.get(known.conversation_id)! };
          const sibling = inBatch.get(id);
          if (sibling) return sibling.target;
        }
      }
      for (const uuid of keys.shapedUuids) if (byUuid.has(uuid)) return { conversation: byUuid.get(uuid)! };
      return null;
    };
    for (const { index, row, email } of fresh) {
      const header = { message_id_header: email.messageId };
      const known = stored.get(email.messageId);
      if (known) { finished.push({ index, row, changes: { ...header, status: 'duplicate', message_id: known.id }, conversationId: known.conversation_id }); continue; }
      const sibling = inBatch.get(email.messageId);
      if (sibling) { finished.push({ index, row, changes: { ...header, status: 'duplicate' }, duplicateOf: sibling }); continue; }
      if (MAIL_CLASS_POLICY[email.mailClass].filing === 'filed') { finished.push({ index, row, changes: { ...header, status: 'filed', error_reason: `${email.mailClass}: ${email.classSignal}` } }); continue; }
      const from = senderOf(email);
      const author = this.authorOf(email, from, channel, from ? staff.get(from.address) ?? null : null);
      const found = threadOf(index);
      const contactAddress = author.kind === 'customer' ? author.address : author.kind === 'staff' && !found ? this.recipientOf(email, channel) : null;
      const unknown = author.kind === 'unknown' ? (await this.unknownSender(inbox.account_id, transaction)).contact : null;
      if (!found && !contactAddress && !unknown) { finished.push({ index, row, changes: { ...header, status: 'rejected', error_reason: 'staff email with no thread and no customer recipient' } }); continue; }
      const plan = { index, row, email, author, contactAddress, unknown } as Planned;
      plan.target = found ?? { starts: plan };
      planned.push(plan);
      inBatch.set(email.messageId, plan);
    }

    if (planned.length) await this.writePlanned(planned, inbox, transaction);
    const results = await this.rows.finishMany([
      ...finished.map((f) => ({ row: f.row, changes: f.duplicateOf ? { ...f.changes, message_id: f.duplicateOf.message!.id } : f.changes, conversationId: f.duplicateOf ? conversationOf(f.duplicateOf.target).id : f.conversationId })),
      ...planned.map((p) => ({ row: p.row, changes: { message_id_header: p.email.messageId, status: 'ingested' as const, message_id: p.message!.id, attempts: p.row.attempts + 1, error_reason: null }, conversationId: conversationOf(p.target).id })),
    ], transaction);
    finished.forEach((f, i) => { decisions[f.index] = { result: results[i]! }; });
    planned.forEach((p, i) => { decisions[p.index] = { result: results[finished.length + i]!, announceFirst: p.announceFirst, announce: p.announce }; });
    // Handed over before (a cursor reseeded, say): its existing row decides, as for a single email.
    for (const [index, e] of emails.entries()) decisions[index] ??= await this.recordOutcome(e.from, e.parsed, e.channel, e.inbox, { outer: transaction });
    return decisions as Decision[];
  }

  /** The new messages of a batch with their contacts, contact inboxes, conversations and attachments: one statement each. */
  private async writePlanned(planned: Planned[], inbox: Inbox, transaction: Transaction): Promise<void> {
    const { sequelize, events } = this.deps;
    // Blobs before the rows that refer to them; a failure rolls the batch back to be stored one by one.
    const blobs = await Promise.all(planned.map((p) => Promise.all(p.email.attachments.map((a) => this.storeAttachment(inbox, a)))));
    const contacts = await this.contactsFor(inbox, planned.flatMap((p) => (p.contactAddress ? [p.contactAddress] : [])), transaction);
    const announcedContacts = new Set<number>();
    for (const p of planned) p.contact = p.unknown ? { id: p.unknown.id, account_id: p.unknown.account_id, email: p.unknown.email, name: p.unknown.name, contact_inbox_id: null } : p.contactAddress ? contacts.get(p.contactAddress.address)! : undefined;

    const starting = planned.filter((p) => 'starts' in p.target && p.target.starts === p);
    // New conversations start, and resolved ones come back, pending when the inbox has an agent bot:
    // asked once per batch, and only when one does.
    let starts: Promise<'open' | 'pending'> | undefined;
    const startStatus = () => (starts ??= startingStatus(inbox.id, transaction));
    const botStatus = starting.length ? await startStatus() : 'open';
    if (starting.length) {
      const contactInboxes = await this.contactInboxesFor(inbox, starting.map((p) => p.contact!), transaction);
      const [{ last }] = await sequelize.query<{ last: number }>(
        'UPDATE accounts SET last_conversation_display_id = last_conversation_display_id + $2 WHERE id = $1 RETURNING last_conversation_display_id AS last',
        { bind: [inbox.account_id, starting.length], type: QueryTypes.SELECT, transaction },
      );
      const created = await Conversation.bulkCreate(starting.map((p, i) => ({
        account_id: inbox.account_id, inbox_id: inbox.id, contact_id: p.contact!.id, contact_inbox_id: contactInboxes.get(p.contact!.id)!,
        display_id: Number(last) - starting.length + 1 + i, status: botStatus, waiting_since: new Date(), additional_attributes: { source: 'email', mail_subject: p.email.subject },
      })), { transaction, returning: true });
      starting.forEach((p, i) => { p.created = created[i]; });
    }

    const policyOf = (p: Planned) => MAIL_CLASS_POLICY[p.email.mailClass];
    const attrs = planned.map((p): NewMessage => {
      const incoming = p.author.kind !== 'staff';
      return {
        message_type: incoming ? 'incoming' : 'outgoing',
        content: p.email.text.reply ?? p.email.text.full ?? '',
        content_type: 'incoming_email',
        content_attributes: { email: emailAttributes(p.email) },
        private: false,
        sender: incoming ? { type: 'Contact', id: p.contact!.id } : p.author.kind === 'staff' && p.author.userId ? { type: 'User', id: p.author.userId } : null,
        reopen: policyOf(p).reopens,
        startsWait: policyOf(p).customerReply,
        source_id: p.email.messageId,
      };
    });
    const messages = await Message.bulkCreate(planned.map((p, i) => messageRow(conversationOf(p.target), attrs[i]!)), { transaction, returning: true });

    // Each message's effect on its conversation in order, in memory; each conversation and contact written once.
    const touched = new Map<number, { conversation: Conversation; changed: Set<string> }>();
    const contactActivity = new Map<number, Date>();
    for (const [i, p] of planned.entries()) {
      const conversation = conversationOf(p.target);
      const message = messages[i]!;
      const reopenAs = reopens(conversation, attrs[i]!) && conversation.status === 'resolved' ? await startStatus() : 'open';
      const { update, changes, contactActive } = messageEffects(conversation, attrs[i]!, message.created_at, reopenAs);
      conversation.set(update as Partial<Conversation>);
      const entry = touched.get(conversation.id) ?? { conversation, changed: new Set<string>() };
      for (const k of Object.keys(update)) entry.changed.add(k);
      touched.set(conversation.id, entry);
      if (contactActive) contactActivity.set(conversation.contact_id, message.created_at);
      p.message = message;
      const startsConversation = p.created !== undefined;
      const newContact = p.contact && contacts.created.has(p.contact.id) && !announcedContacts.has(p.contact.id) ? p.contact.id : null;
      if (newContact) announcedContacts.add(newContact);
      if (newContact) p.announceFirst = () => events.emit('contact.created', { accountId: conversation.account_id, contactId: newContact });
      p.announce = async () => {
        const ids = { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id };
        if (startsConversation) await events.emit('conversation.created', ids);
        await announceMessage(events, conversation, message, changes);
      };
    }
    const at = new Date();
    const column = (c: Conversation, changed: Set<string>, k: 'last_activity_at' | 'status' | 'snoozed_until' | 'waiting_since' | 'first_reply_created_at') => ({ [k]: c.get(k), [`set_${k}`]: changed.has(k) });
    await sequelize.query(
      `UPDATE conversations c SET
         last_activity_at = CASE WHEN x.set_last_activity_at THEN x.last_activity_at ELSE c.last_activity_at END,
         status = CASE WHEN x.set_status THEN x.status ELSE c.status END,
         snoozed_until = CASE WHEN x.set_snoozed_until THEN x.snoozed_until ELSE c.snoozed_until END,
         waiting_since = CASE WHEN x.set_waiting_since THEN x.waiting_since ELSE c.waiting_since END,
         first_reply_created_at = CASE WHEN x.set_first_reply_created_at THEN x.first_reply_created_at ELSE c.first_reply_created_at END,
         updated_at = $2
       FROM json_to_recordset($1::json) AS x(id bigint, last_activity_at timestamptz, set_last_activity_at boolean, status text, set_status boolean, snoozed_until timestamptz, set_snoozed_until boolean,
         waiting_since timestamptz, set_waiting_since boolean, first_reply_created_at timestamptz, set_first_reply_created_at boolean)
       WHERE c.id = x.id`,
      {
        bind: [JSON.stringify([...touched.values()].map(({ conversation: c, changed }) => ({
          id: c.id, ...column(c, changed, 'last_activity_at'), ...column(c, changed, 'status'), ...column(c, changed, 'snoozed_until'), ...column(c, changed, 'waiting_since'), ...column(c, changed, 'first_reply_created_at'),
        }))), at],
        type: QueryTypes.UPDATE, transaction,
      },
    );
    if (contactActivity.size) {
      await sequelize.query(
        'UPDATE contacts c SET last_activity_at = x.at, updated_at = $2 FROM json_to_recordset($1::json) AS x(id bigint, at timestamptz) WHERE c.id = x.id',
        { bind: [JSON.stringify([...contactActivity].map(([id, when]) => ({ id, at: when }))), at], type: QueryTypes.UPDATE, transaction },
      );
    }
    const attachments = planned.flatMap((p, i) => p.email.attachments.map((a, j) => ({
      account_id: inbox.account_id,
      message_id: p.message!.id,
      file_type: Attachment.fileTypeFor(a.contentType),
      filename: safeFilename(a.filename, 'attachment'),
      content_type: truncate(a.contentType, 255),
      byte_size: a.content.length,
      storage_key: blobs[i]![j]!,
      content_id: a.contentId ? truncate(a.contentId, 255) : null,
      inline: a.inline,
    })));
    if (attachments.length) await Attachment.bulkCreate(attachments, { transaction });
  }

  /**
   * The contacts of a batch's addresses (lowercased, as parsed), looked up in one statement; the
   * missing ones inserted in one more (ON CONFLICT DO NOTHING: one a concurrent ingestion created is
   * read afterwards). `created` holds the ids this batch created.
   */
  private async contactsFor(inbox: Inbox, addresses: EmailAddress[], transaction: Transaction): Promise<Map<string, BatchContact> & { created: Set<number> }> {
    const { sequelize } = this.deps;
    const found = Object.assign(new Map<string, BatchContact>(), { created: new Set<number>() });
    const wanted = [...new Map(addresses.map((a) => [a.address, a])).values()];
    const lookUp = async (keys: string[]) => {
      if (!keys.length) return;
      const rows = await sequelize.query<BatchContact & { key: string }>(
        `SELECT lower(c.email) AS key, c.id, c.account_id, c.email, c.name,
                (SELECT ci.id FROM contact_inboxes ci WHERE ci.contact_id = c.id AND ci.inbox_id = $2 ORDER BY ci.id LIMIT 1) AS contact_inbox_id
         FROM contacts c WHERE c.account_id = $1 AND lower(c.email) = ANY($3::text[])`,
        { bind: [inbox.account_id, inbox.id, keys], type: QueryTypes.SELECT, transaction },
      );
      for (const { key, ...contact } of rows) found.set(key, contact);
    };
    await lookUp(wanted.map((a) => a.address));
    const missing = wanted.filter((a) => !found.has(a.address));
    if (missing.length) {
      const now = new Date();
      const inserted = await sequelize.query<BatchContact>(
        `INSERT INTO contacts (account_id, email, name, additional_attributes, custom_attributes, blocked, created_at, updated_at)
         SELECT $1, x.email, x.name, '{}', '{}', false, $2, $2 FROM json_to_recordset($3::json) AS x(email text, name text)
         ON CONFLICT DO NOTHING RETURNING id, account_id, email, name`,
        { bind: [inbox.account_id, now, JSON.stringify(missing.map((a) => ({ email: a.address, name: truncate(a.name || a.address.split('@')[0]!, 255) })))], type: QueryTypes.SELECT, transaction },
      );
      for (const c of inserted) {
        found.set(c.email!.toLowerCase(), { ...c, contact_inbox_id: null });
        found.created.add(c.id);
      }
      await lookUp(missing.filter((a) => !found.has(a.address)).map((a) => a.address));
      const lost = missing.find((a) => !found.has(a.address));
      if (lost) throw new Error(`contact ${lost.address} could not be created`);
    }
    return found;
  }

  /**
   * Each contact's first contact inbox here, created where missing (source id: the contact's address,
   * or a random one when the address is another contact's source id in this inbox), at most two statements.
   */
  private async contactInboxesFor(inbox: Inbox, contacts: BatchContact[], transaction: Transaction): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    const missing = new Map<number, BatchContact>();
    for (const c of contacts) {
      if (c.contact_inbox_id) result.set(c.id, c.contact_inbox_id);
      else if (!c.email) result.set(c.id, (await findOrCreateContactInbox(Contact.build(c, { isNewRecord: false, raw: true }), inbox.id, undefined, transaction)).id);
      else missing.set(c.id, c);
    }
    let sources = [...missing.values()].map((c) => ({ contact_id: c.id, source_id: c.email! }));
    for (let attempt = 0; sources.length && attempt < 2; attempt++) {
      const now = new Date();
      const inserted = await this.deps.sequelize.query<{ id: number; contact_id: number }>(
        `INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, hmac_verified, created_at, updated_at)
         SELECT x.contact_id, $1, x.source_id, false, $2, $2 FROM json_to_recordset($3::json) AS x(contact_id bigint, source_id text)
         ON CONFLICT (inbox_id, source_id) DO NOTHING RETURNING id, contact_id`,
        { bind: [inbox.id, now, JSON.stringify(sources)], type: QueryTypes.SELECT, transaction },
      );
      for (const ci of inserted) result.set(Number(ci.contact_id), ci.id);
      sources = sources.filter((s) => !result.has(s.contact_id)).map((s) => ({ ...s, source_id: randomUUID() }));
    }
    if (sources.length) throw new Error(`contact inbox for contact ${sources[0]!.contact_id} could not be created`);
    for (const c of contacts) c.contact_inbox_id = result.get(c.id)!;
    return result;
  }

  /** The raw MIME kept (it is kept before any row refers to it; throws when it cannot be) and parsed. */
  private async sourceOf(input: IngestInput, prepared = this.prepare(input)): Promise<{ from: InboundSource; parsed: ParseOutcome }> {
    const { inbox, raw, source } = input;
    const kept = await prepared.kept;
    if ('error' in kept) throw kept.error;
    return { from: { accountId: inbox.account_id, inboxId: inbox.id, kind: source.kind, ref: source.ref, ...kept, byteSize: raw.length }, parsed: await prepared.parsed };
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
    const decision = await this.recordOutcome(from, parsed, channel, inbox, opts);
    await this.afterCommit(decision, inbox);
    return decision.result;
  }

  /** Live updates once committed (the event bus logs a failing listener, it never throws), and the rejection notice. */
  private async afterCommit(decision: Decision, inbox: Inbox): Promise<void> {
    await decision.announce?.();
    // The outcome is committed: a notice that cannot be sent must not make the email look unreceived.
    if (decision.result.status === 'rejected') {
      await this.deps.onRejected?.(inbox).catch((err: unknown) => this.deps.logger.warn({ inboxId: inbox.id, err: { message: (err as Error).message } }, 'rejected-email notice failed'));
    }
  }

  /**
   * The email's outcome, in a transaction of its own or, in a batch, a savepoint of the batch's
   * (`outer`); a failure rolls back only the email's own work and is then recorded in a second one.
   */
  private async recordOutcome(
    from: InboundSource, parsed: ParseOutcome, channel: ChannelEmail, inbox: Inbox,
    { checkpoint, force = false, outer }: { checkpoint?: (t: Transaction) => Promise<void>; force?: boolean; outer?: Transaction },
  ): Promise<Decision> {
    const inTransaction = <T>(fn: (t: Transaction) => Promise<T>) => (outer ? this.deps.sequelize.transaction({ transaction: outer }, fn) : this.deps.sequelize.transaction(fn));
    const messageIdHeader = 'email' in parsed ? parsed.email.messageId : null;
    const summary = summaryOf(parsed);
    let row: InboundRow | undefined;
    let decision: Decision;
    try {
      decision = await inTransaction(async (transaction) => {
        row = await this.rows.claim(from, messageIdHeader, summary, transaction);
        const decided = await this.decide(row, parsed, channel, inbox, transaction, force);
        await checkpoint?.(transaction);
        return decided;
      });
    } catch (err) {
      // The row could not even be written (database down), or the failure is not the email's (its row was
      // already final, or unreadable MIME was being recorded): not received, the caller keeps its cursor.
      if (!row || !('email' in parsed) || !(row.status === 'received' || row.status === 'failed')) throw err;
      const failed = row;
      return inTransaction(async (transaction) => {
        let result: IngestResult | undefined;
        if (err instanceof UniqueConstraintError) {
          // Another transport or worker stored the same Message-ID between our check and our insert.
          const winner = await this.rows.existingMessage(inbox.id, parsed.email.messageId, transaction);
          if (winner) result = await this.rows.save(from, summary, failed, { status: 'duplicate', message_id: winner.id, message_id_header: messageIdHeader }, transaction, winner.conversation_id);
        }
        if (!result) {
          const attempts = failed.attempts + 1;
          const reason = `${(err as Error).message}`.slice(0, 2_000);
          this.deps.logger.warn({ inboundEmailId: failed.id, attempts, err: { message: reason } }, 'inbound email ingestion failed');
          result = await this.rows.save(
            from, summary, failed,
            attempts >= MAX_INGEST_ATTEMPTS
              ? { status: 'rejected', attempts, error_reason: `gave up after ${attempts} attempts: ${reason}`, message_id_header: messageIdHeader }
              : { status: 'failed', attempts, error_reason: reason, message_id_header: messageIdHeader },
            transaction,
          );
        }
        await checkpoint?.(transaction);
        return { result };
      });
    }
    return decision;
  }

  private async decide(row: InboundRow, parsed: ParseOutcome, channel: ChannelEmail, inbox: Inbox, transaction: Transaction, force: boolean): Promise<Decision> {
    // The same source handed over again (a cursor lost or reseeded) adds nothing.
    if (row.status === 'ingested' || row.status === 'duplicate') return { result: { status: 'duplicate', ...(row.message_id ? { messageId: row.message_id } : {}) } };
    if (row.status === 'rejected') return { result: { status: 'rejected', ...(row.error_reason ? { reason: row.error_reason } : {}) } };
    const finish = async (changes: Final, conversationId?: number): Promise<Decision> => ({ result: await this.rows.finish(row, changes, transaction, conversationId) });
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
    if (!found && !contact) return { result: await this.rows.finish(row, { ...header, status: 'rejected', error_reason: 'staff email with no thread and no customer recipient' }, transaction) };
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
    await this.rows.finish(row, { ...header, status: 'ingested', message_id: message.id, attempts: row.attempts + 1, error_reason: null }, transaction);
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

  /** Content-addressed, so a retried or duplicate email reuses the stored blob. */
  private async storeAttachment(inbox: Inbox, part: EmailPart): Promise<string> {
    const key = `attachments/${inbox.account_id}/${inbox.id}/${createHash('sha256').update(part.content).digest('hex')}`;
    if (!(await this.deps.storage.exists(key))) await this.deps.storage.put(key, part.content);
    return key;
  }
}

function summaryOf(parsed: ParseOutcome): Summary {
  if (!('email' in parsed)) return { sender: null, subject: null };
  const { from, senderFallback, subject } = parsed.email;
  const address = from[0] ?? senderFallback?.address;
  const sender = address ? (address.name ? `${address.name} <${address.address}>` : address.address) : senderFallback?.fromHeader || null;
  return { sender, subject: subject || null };
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
