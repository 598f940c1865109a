import type { ImapFlow } from 'imapflow';
import { Op, col, literal } from 'sequelize';
import type { Registries } from '../../../extensions/context.js';
import type { Logger } from '../../../lib/logger.js';
import { ChannelEmail, Inbox } from '../../../models/index.js';
import { EMAIL_CHANNEL_TYPE } from '../../../services/inboxes.js';
import { tryChannelFetchLock } from './channel-fetch.lock.js';
import type { EmailIngestionService, IngestResult } from './email-ingestion.service.js';
import type { FetchHealth } from './fetch-health.js';
import { imapClient } from './imap-client.js';
import { classifyImapError } from './imap-error-classifier.js';
import { EmailFetchCursor, EmailFetchState } from './receive.models.js';

export const BACKFILL_DAYS = [0, 1, 7, 30] as const;
const DAY_MS = 86_400_000;

export interface FetchOutcome {
  status: 'fetched' | 'skipped' | 'failed';
  reason?: string;
  counts: Record<IngestResult['status'], number>;
}

export interface ImapFetcherDeps {
  registries: Registries;
  ingestion: EmailIngestionService;
  health: FetchHealth;
  databaseUrl: string;
  logger: Logger;
}

/**
 * Fetches a channel's new mail over IMAP into the ingestion pipeline. The cursor (UIDVALIDITY, last
 * UID) moves after each message is stored, so a fetch that dies part-way resumes where it stopped;
 * sources are fetched one message at a time, so memory does not grow with the mailbox.
 */
export class ImapFetcher {
  constructor(private readonly deps: ImapFetcherDeps) {}

  /** `force` ignores the backoff and the re-authorization mark (an administrator just fixed the channel). */
  async fetch(channelId: number, opts: { force?: boolean } = {}): Promise<FetchOutcome> {
    const startedAt = new Date();
    const counts: FetchOutcome['counts'] = { created: 0, duplicate: 0, rejected: 0, failed: 0 };
    const skipped = (reason: string): FetchOutcome => ({ status: 'skipped', reason, counts });
    const channel = await ChannelEmail.findByPk(channelId);
    const inbox = channel && (await Inbox.findOne({ where: { channel_type: EMAIL_CHANNEL_TYPE, channel_id: channel.id } }));
    if (!channel || !inbox) return skipped('channel not found');
    if (!opts.force && channel.reauthorization_required_at) return skipped('reauthorization required');
    if (!opts.force && !(await this.deps.health.due(channel.id))) return skipped('backing off');
    const lock = await tryChannelFetchLock(this.deps.databaseUrl, channel.id);
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
    try {
      const box = client.mailbox;
      if (!box) throw new Error(`mailbox ${mailbox} did not open`);
      const uidValidity = String(box.uidValidity);
      const cursor = await this.cursorFor(client, channel, mailbox, uidValidity, box.uidNext);
      // Mail that arrives while we work is picked up by the next round, not left for the next fetch.
      for (;;) {
        const uids = ((await client.search({ uid: `${cursor.last_uid + 1}:*` }, { uid: true })) || []).filter((u) => u > cursor.last_uid);
        if (!uids.length) break;
        for (const uid of uids) {
          const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
          if (message && message.source) {
            const result = await this.deps.ingestion.ingest({ channel, inbox, raw: message.source, source: { kind: 'imap', ref: `${mailbox}:${uidValidity}:${uid}` } });
            counts[result.status]++;
          }
          await cursor.update({ last_uid: uid });
          await EmailFetchState.update({ backfill_done: literal('backfill_done + 1') as never }, { where: { channel_id: channel.id, backfill_done: { [Op.lt]: col('backfill_total') } } });
        }
        await client.noop();
      }
    } finally {
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
