import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { InboundEmail } from './receive.model.js';

/** The identity of an inbound email's row: what the transport handed over and where its raw MIME is kept. */
export interface InboundSource {
  accountId: number;
  inboxId: number;
  kind: string;
  ref: string;
  sha256: string;
  storageKey: string;
  byteSize: number;
}

/** The columns of an `inbound_emails` row the pipeline decides on. */
export interface InboundRow {
  id: number;
  status: InboundEmail['status'];
  attempts: number;
  message_id: number | null;
  error_reason: string | null;
}

/** What the list of received emails shows of one: who sent it, and its subject. */
export interface Summary {
  sender: string | null;
  subject: string | null;
}

export type Final = Pick<InboundEmail, 'status'> & Partial<Pick<InboundEmail, 'error_reason' | 'attempts' | 'message_id' | 'message_id_header'>>;

const INBOUND_COLUMNS = 'id, status, attempts, message_id, error_reason';

/**
 * The `inbound_emails` rows of the ingestion pipeline, in the caller's transaction: every email handed
 * over gets one (unique per inbox and source), claimed before anything is decided and finished with
 * the decision, or saved again after a rolled-back attempt.
 */
export class InboundEmailRepository {
  constructor(private readonly sequelize: Sequelize) {}

  /** The email's row, inserted (one statement) or, when the source was handed over before, read and locked. */
  async claim(from: InboundSource, messageIdHeader: string | null, summary: Summary, transaction: Transaction): Promise<InboundRow> {
    const now = new Date();
    const [inserted] = await this.sequelize.query<InboundRow>(
      `INSERT INTO inbound_emails (account_id, inbox_id, source_kind, source_ref, message_id_header, sha256, storage_key, byte_size, status, attempts, sender, subject, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received', 0, $10, $11, $9, $9)
       ON CONFLICT (inbox_id, source_kind, source_ref) DO NOTHING RETURNING ${INBOUND_COLUMNS}`,
      { bind: [from.accountId, from.inboxId, from.kind, from.ref, messageIdHeader, from.sha256, from.storageKey, from.byteSize, now, summary.sender, summary.subject], type: QueryTypes.SELECT, transaction },
    );
    if (inserted) return inserted;
    const [existing] = await this.sequelize.query<InboundRow>(
      `SELECT ${INBOUND_COLUMNS} FROM inbound_emails WHERE inbox_id = $1 AND source_kind = $2 AND source_ref = $3 FOR UPDATE`,
      { bind: [from.inboxId, from.kind, from.ref], type: QueryTypes.SELECT, transaction },
    );
    if (!existing) throw new Error(`inbound email ${from.kind}:${from.ref} vanished while it was being recorded`);
    return existing;
  }

  /**
   * A batch's rows in one statement, in the order given: each inserted as `received`, or `null` when
   * its source was handed over before (claim that one on its own: its row decides).
   */
  async claimMany(items: { from: InboundSource; messageIdHeader: string | null; summary: Summary }[], transaction: Transaction): Promise<(InboundRow | null)[]> {
    const rows = items.map(({ from, messageIdHeader, summary }) => ({
      account_id: from.accountId, inbox_id: from.inboxId, source_kind: from.kind, source_ref: from.ref, message_id_header: messageIdHeader,
      sha256: from.sha256, storage_key: from.storageKey, byte_size: from.byteSize, sender: summary.sender, subject: summary.subject,
    }));
    const inserted = await this.sequelize.query<InboundRow & { inbox_id: number; source_kind: string; source_ref: string }>(
      `INSERT INTO inbound_emails (account_id, inbox_id, source_kind, source_ref, message_id_header, sha256, storage_key, byte_size, status, attempts, sender, subject, created_at, updated_at)
       SELECT x.account_id, x.inbox_id, x.source_kind, x.source_ref, x.message_id_header, x.sha256, x.storage_key, x.byte_size, 'received', 0, x.sender, x.subject, $2, $2
       FROM json_to_recordset($1::json) AS x(account_id bigint, inbox_id bigint, source_kind text, source_ref text, message_id_header text, sha256 text, storage_key text, byte_size bigint, sender text, subject text)
       ON CONFLICT (inbox_id, source_kind, source_ref) DO NOTHING RETURNING ${INBOUND_COLUMNS}, inbox_id, source_kind, source_ref`,
      { bind: [JSON.stringify(rows), new Date()], type: QueryTypes.SELECT, transaction },
    );
    const key = (inboxId: number, kind: string, ref: string) => `${inboxId}\u0000${kind}\u0000${ref}`;
    const byKey = new Map(inserted.map(({ inbox_id, source_kind, source_ref, ...row }) => [key(Number(inbox_id), source_kind, source_ref), row]));
    return items.map(({ from }) => byKey.get(key(from.inboxId, from.kind, from.ref)) ?? null);
  }

  /** Records the outcomes of rows claimed in this transaction: one statement for a batch. */
  async finishMany(outcomes: { row: InboundRow; changes: Final; conversationId?: number }[], transaction: Transaction): Promise<IngestResult[]> {
    if (!outcomes.length) return [];
    const next = outcomes.map(({ row, changes }) => ({ ...row, ...changes }));
    await this.sequelize.query(
      `UPDATE inbound_emails i SET status = x.status, attempts = x.attempts, message_id = x.message_id, error_reason = x.error_reason,
         message_id_header = COALESCE(x.message_id_header, i.message_id_header), updated_at = $2
       FROM json_to_recordset($1::json) AS x(id bigint, status text, attempts int, message_id bigint, error_reason text, message_id_header text)
       WHERE i.id = x.id`,
      {
        bind: [JSON.stringify(next.map((n, i) => ({ id: n.id, status: n.status, attempts: n.attempts, message_id: n.message_id, error_reason: n.error_reason, message_id_header: outcomes[i]!.changes.message_id_header ?? null }))), new Date()],
        type: QueryTypes.UPDATE, transaction,
      },
    );
    return next.map((n, i) => resultOf(n, outcomes[i]!.conversationId));
  }

  /** Records the outcome on the row claimed in this transaction. */
  async finish(row: InboundRow, changes: Final, transaction: Transaction, conversationId?: number): Promise<IngestResult> {
    const next = { ...row, ...changes };
    await this.sequelize.query(
      `UPDATE inbound_emails SET status = $2, attempts = $3, message_id = $4, error_reason = $5, message_id_header = COALESCE($6, message_id_header), updated_at = $7 WHERE id = $1`,
      { bind: [row.id, next.status, next.attempts, next.message_id, next.error_reason, changes.message_id_header ?? null, new Date()], type: QueryTypes.UPDATE, transaction },
    );
    return resultOf(next, conversationId);
  }

  /** Records an outcome after the processing transaction rolled back (the row may be gone with it). */
  async save(from: InboundSource, summary: Summary, row: InboundRow, changes: Final, transaction: Transaction, conversationId?: number): Promise<IngestResult> {
    const next = { ...row, ...changes };
    const now = new Date();
    await this.sequelize.query(
      `INSERT INTO inbound_emails (account_id, inbox_id, source_kind, source_ref, message_id_header, sha256, storage_key, byte_size, status, attempts, message_id, error_reason, sender, subject, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14, $15, $13, $13)
       ON CONFLICT (inbox_id, source_kind, source_ref) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts, message_id = EXCLUDED.message_id,
         error_reason = EXCLUDED.error_reason, message_id_header = COALESCE(EXCLUDED.message_id_header, inbound_emails.message_id_header), updated_at = EXCLUDED.updated_at`,
      { bind: [from.accountId, from.inboxId, from.kind, from.ref, changes.message_id_header ?? null, from.sha256, from.storageKey, from.byteSize, next.status, next.attempts, next.message_id, next.error_reason, now, summary.sender, summary.subject], type: QueryTypes.INSERT, transaction },
    );
    return resultOf(next, conversationId);
  }

  /** The message already stored under this Message-ID in the inbox (another transport or worker won the race). */
  async existingMessage(inboxId: number, messageId: string, transaction: Transaction): Promise<{ id: number; conversation_id: number } | null> {
    const [m] = await this.sequelize.query<{ id: number; conversation_id: number }>(
      'SELECT id, conversation_id FROM messages WHERE inbox_id = $1 AND source_id = $2 LIMIT 1',
      { bind: [inboxId, messageId], type: QueryTypes.SELECT, transaction },
    );
    return m ?? null;
  }
}

function resultOf(row: Pick<InboundRow, 'status' | 'message_id' | 'error_reason'>, conversationId?: number): IngestResult {
  const result: IngestResult = { status: row.status === 'ingested' ? 'created' : (row.status as IngestResult['status']) };
  if (row.message_id) result.messageId = row.message_id;
  if (conversationId) result.conversationId = conversationId;
  if (row.error_reason && (row.status === 'rejected' || row.status === 'failed')) result.reason = row.error_reason;
  return result;
}

/** What storing one email came to. */
export interface IngestResult {
  /** `failed`: kept with its reason and retried by `retryFailed` (up to MAX_INGEST_ATTEMPTS). */
  status: 'created' | 'duplicate' | 'rejected' | 'failed' | 'filed';
  messageId?: number;
  conversationId?: number;
  reason?: string;
}
