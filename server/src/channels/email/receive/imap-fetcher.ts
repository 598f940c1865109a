import type { ImapFlow } from 'imapflow';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Registries } from '../../../extensions/registries.js';
import type { Logger } from '../../../lib/logger.js';
import { ChannelEmail, Inbox } from '../../../models/index.js';
import { EMAIL_CHANNEL_TYPE } from '../../../services/inboxes.service.js';
import type { ChannelFetchLocks } from './channel-fetch-lock.js';
import type { EmailIngestionService, PreparedEmail } from './email-ingestion.service.js';
import type { IngestResult } from './inbound-email.repository.js';
import type { FetchHealth } from './fetch-health.js';
import { imapClient } from './imap-client.js';
import { classifyImapError } from './imap-error-classifier.js';
import { EmailFetchCursor, EmailFetchState } from './receive.model.js';

export const BACKFILL_DAYS = [0, 1, 7, 30] as const;
const DAY_MS = 86_400_000;
/** UIDs per FETCH: the next batch is fetched while this one is stored, so at most two are in memory. */
const FETCH_BATCH = 50;

export interface FetchOutcome {
  status: 'fetched' | 'skipped' | 'failed';
  reason?: string;
  counts: Record<IngestResult['status'], number>;
}

export interface ImapFetcherDeps {
  registries: Registries;
  ingestion: EmailIngestionService;
  health: FetchHealth;
  locks: ChannelFetchLocks;
  /** Emails per transaction (and checkpoint). */
  batchSize: number;
  logger: Logger;
}

/**
 * Fetches a channel's new mail over IMAP into the ingestion pipeline. The cursor (UIDVALIDITY, last
 * UID) moves in the same transaction that stores each message, so a fetch that dies part-way resumes
 * exactly where it stopped; sources are fetched in small batches (the next one while the current one
 * is stored), so memory does not grow with the mailbox.
 */
export class ImapFetcher {
  constructor(private readonly deps: ImapFetcherDeps) {}

  /** `force` ignores the backoff and the re-authorization mark (an administrator just fixed the channel). */
  async fetch(channelId: number, opts: { force?: boolean } = {}): Promise<FetchOutcome> {
    const startedAt = new Date();
    const counts: FetchOutcome['counts'] = { created: 0, duplicate: 0, rejected: 0, failed: 0, filed: 0 };
    const skipped = (reason: string): FetchOutcome => ({ status: 'skipped', reason, counts });
    const channel = await ChannelEmail.findByPk(channelId);
    const inbox = channel && (await Inbox.findOne({ where: { channel_type: EMAIL_CHANNEL_TYPE, channel_id: channel.id } }));
    if (!channel || !inbox) return skipped('channel not found');
    if (!opts.force && channel.reauthorization_required_at) return skipped('reauthorization required');
    if (!opts.force && !(await this.deps.health.due(channel.id))) return skipped('backing off');
    const lock = await this.deps.locks.tryLock(channel.id);
    if (!lock) return skipped('locked');
    const log = this.deps.logger.child({ channelId: channel.id, inboxId: inbox.id });
    let client: ImapFlow | undefined;
    try {
      const access = await this.deps.registries.providerFor(channel)?.imapAccess?.(channel);
      if (!access) return skipped('channel does not receive over IMAP');
      client = imapClient(access, log, { idle: false });
      await client.connect();
      await this.fetchMailbox(client, channel, inbox, access.mailbox ?? 'INBOX', counts);
      // Only emails that failed in an earlier fetch: one that just failed gets its next try next time.
      for (const r of await this.deps.ingestion.retryFailed(channel, inbox, startedAt)) counts[r.status]++;
      await this.deps.health.recordSuccess(channel);
      return { status: 'fetched', counts };
    } catch (err) {
      const kind = classifyImapError(err);
      const message = (err as { responseText?: string }).responseText || (err as Error).message || String(err);
      await this.deps.health.recordFailure(channel, kind, message);
      return { status: 'failed', reason: `${kind}: ${message}`, counts };
    } finally {
      if (client?.usable) await client.logout().catch(() => client?.close());
      else client?.close();
      await lock.release();
    }
  }

  private async fetchMailbox(client: ImapFlow, channel: ChannelEmail, inbox: Inbox, mailbox: string, counts: FetchOutcome['counts']): Promise<void> {
    const mailboxLock = await client.getMailboxLock(mailbox);
    // A batch's live updates go out while the next batch is written, in order; all are out before the fetch returns.
    let announcing: Promise<void> = Promise.resolve();
    try {
      const box = client.mailbox;
      if (!box) throw new Error(`mailbox ${mailbox} did not open`);
      const uidValidity = String(box.uidValidity);
      const cursor = await this.cursorFor(client, channel, mailbox, uidValidity, box.uidNext);
      let lastUid = Number(cursor.last_uid);
      // Mail that arrives while we work is picked up by the next round, not left for the next fetch.
      for (;;) {
        const uids = ((await client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || []).filter((u) => u > lastUid).sort((a, b) => a - b);
        if (!uids.length) break;
        // Messages are stored a batch per transaction, strictly in UID order, and the cursor moves to the
        // batch's last UID in that transaction: a worker killed at any point loses and duplicates nothing.
        // While one batch is written, the next is fetched, kept (raw MIME) and parsed.
        const store = async (batch: { uid: number; raw?: Buffer; prepared?: PreparedEmail }[]) => {
          const last = batch[batch.length - 1]!.uid;
          const checkpoint = (transaction?: Transaction) => checkpointCursor(cursor.id, channel.id, last, batch.length, transaction);
          const emails = batch.flatMap((item) => (item.raw ? [{ input: { channel, inbox, raw: item.raw, source: { kind: 'imap', ref: `${mailbox}:${uidValidity}:${item.uid}` } }, prepared: item.prepared }] : []));
          // Expunged since the SEARCH: nothing to store, the cursor moves past them.
          if (!emails.length) await checkpoint();
          else {
            const { results, announced } = await this.deps.ingestion.ingestBatch(emails, { checkpoint, announceAfter: announcing });
            announcing = announced;
            for (const result of results) counts[result.status]++;
          }
          lastUid = last;
        };
        let writing: Promise<void> = Promise.resolve();
        let batch: Parameters<typeof store>[0] = [];
        try {
          for await (const item of fetchSources(client, uids)) {
            batch.push({ ...item, prepared: item.raw ? this.deps.ingestion.prepare({ inbox, raw: item.raw }) : undefined });
            if (batch.length < this.deps.batchSize) continue;
            await writing;
            writing = store(batch);
            batch = [];
          }
          await writing;
          if (batch.length) await store(batch);
        } finally {
          // Stopped early (a fetch failed): the batch being written must not become an unhandled rejection.
          writing.catch(() => undefined);
        }
        await client.noop();
      }
    } finally {
      await announcing;
      mailboxLock.release();
    }
  }

  /**
   * The mailbox's cursor. On first connect it starts at the backfill window the administrator picked
   * (none: only new mail). When UIDVALIDITY changed, the old UIDs mean nothing: it restarts from what
   * arrived since a day before the last successful fetch; dedupe by Message-ID makes the overlap harmless.
   */
  private async cursorFor(client: ImapFlow, channel: ChannelEmail, mailbox: string, uidValidity: string, uidNext: number): Promise<EmailFetchCursor> {
    const cursor = await EmailFetchCursor.findOne({ where: { channel_id: channel.id, mailbox } });
    if (cursor && cursor.uid_validity === uidValidity) return cursor;
    const state = await EmailFetchState.forChannel(channel.id);
    const since = cursor
      ? new Date((state.last_fetched_at ?? cursor.updated_at).getTime() - DAY_MS)
      : backfillDays(channel) > 0 ? new Date(Date.now() - backfillDays(channel) * DAY_MS) : null;
    const uids = since ? (await client.search({ since }, { uid: true })) || [] : [];
    const lastUid = uids.length ? Math.min(...uids) - 1 : uidNext - 1;
    if (!cursor) {
      await state.update({ backfill_total: uids.length, backfill_done: 0 });
      return EmailFetchCursor.create({ channel_id: channel.id, mailbox, uid_validity: uidValidity, last_uid: lastUid });
    }
    this.deps.logger.info({ channelId: channel.id, mailbox, from: cursor.uid_validity, to: uidValidity, rescan: uids.length }, 'UIDVALIDITY changed: reseeding the cursor');
    return cursor.update({ uid_validity: uidValidity, last_uid: lastUid });
  }
}

export function backfillDays(channel: ChannelEmail): number {
  const days = Number(channel.provider_config?.backfill_days ?? 0);
  return (BACKFILL_DAYS as readonly number[]).includes(days) ? days : 0;
}

/** Moves a mailbox's cursor to `uid` and counts `messages` towards the backfill: one statement, in the caller's transaction. */
async function checkpointCursor(cursorId: number, channelId: number, uid: number, messages: number, transaction?: Transaction): Promise<void> {
  await EmailFetchCursor.sequelize!.query(
    `WITH moved AS (UPDATE email_fetch_cursors SET last_uid = $1, updated_at = $2 WHERE id = $3)
     UPDATE email_fetch_states SET backfill_done = LEAST(backfill_total, backfill_done + $5), updated_at = $2 WHERE channel_id = $4 AND backfill_done < backfill_total`,
    { bind: [uid, new Date(), cursorId, channelId, messages], type: QueryTypes.UPDATE, transaction },
  );
}

/**
 * The sources of `uids` in order, one FETCH per batch of FETCH_BATCH UIDs, the next batch fetched while
 * the caller works on this one. A UID the server no longer has comes without `raw`.
 */
async function* fetchSources(client: ImapFlow, uids: number[]): AsyncGenerator<{ uid: number; raw?: Buffer }> {
  const fetchBatch = async (batch: number[]): Promise<Map<number, Buffer>> => {
    const sources = new Map<number, Buffer>();
    if (!batch.length) return sources;
    for await (const m of client.fetch(batch.join(','), { uid: true, source: true }, { uid: true })) if (m.source) sources.set(m.uid, m.source);
    return sources;
  };
  let next = fetchBatch(uids.slice(0, FETCH_BATCH));
  try {
    for (let i = 0; i < uids.length; i += FETCH_BATCH) {
      const sources = await next;
      next = fetchBatch(uids.slice(i + FETCH_BATCH, i + 2 * FETCH_BATCH));
      for (const uid of uids.slice(i, i + FETCH_BATCH)) yield { uid, raw: sources.get(uid) };
    }
  } finally {
    // Stopped early (an ingestion threw): the prefetch in flight must not become an unhandled rejection.
    next.catch(() => undefined);
  }
}
