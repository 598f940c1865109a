import pLimit from 'p-limit';
import { z } from 'zod';
import type { SyncRun, SyncRunOutcome } from '../kinds.js';
import { emailEvents } from '../rules.js';
import type { EmailMetadata, PageWrite } from '../types.js';
import type { GmailMessage } from './gmail-api.types.js';
import { gmailMessageToMetadata } from './gmail-message.mapper.js';
import type { GmailMetadataClient } from './gmail-metadata.client.js';
import { HistoryExpired } from './google-errors.js';
import { asStreamError, openStream, readPageCursor, type GoogleStream } from './google-stream.js';

/** Listed one at a time: Gmail ANDs the labelIds of one listing. */
export const GMAIL_LABELS = ['INBOX', 'SENT'] as const;
const SYNCED_LABELS = new Set<string>(GMAIL_LABELS);
/** messages.get calls in flight per sync: enough that the quota, not the round trip, sets the pace. */
export const GMAIL_GET_CONCURRENCY = 10;

/** Where an unfinished round stands (`page_cursor`, saved with each page's events). */
const pageCursor = z.discriminatedUnion('round', [
  z.object({
    round: z.literal('backfill'),
    /** The profile's historyId read before the first page: the next incremental round starts there. */
    historyId: z.string(),
    label: z.enum(GMAIL_LABELS),
    pageToken: z.string().optional(),
    total: z.number().optional(),
  }),
  z.object({ round: z.literal('incremental'), pageToken: z.string() }),
]);
type PageCursor = z.infer<typeof pageCursor>;
type BackfillPosition = Extract<PageCursor, { round: 'backfill' }>;

/**
 * The Gmail metadata stream of one connection (`gmail`). Without a cursor, a backfill: the profile's
 * historyId first (mail arriving meanwhile is caught by the next incremental round), then INBOX and
 * SENT listed 500 at a time, newest first, each page's messages fetched as metadata and written with
 * the page token that follows them; a label stops at the first page wholly older than the window.
 * With a cursor, history.list (messageAdded) from it. A 404 there means the history id expired:
 * the cursor is cleared and the backfill runs again (the upserts keep it free of duplicates).
 */
export class GmailMetadataSync {
  constructor(private readonly gmail: (run: SyncRun) => GmailMetadataClient) {}

  async run(run: SyncRun): Promise<SyncRunOutcome> {
    const stream = await openStream(run, 'gmail');
    const { connection, state } = stream;
    const client = this.gmail(run);
    try {
      let position = readPageCursor(pageCursor, state.page_cursor);
      if (state.cursor && position?.round !== 'backfill') {
        try {
          await this.incremental(stream, client, position?.round === 'incremental' ? position.pageToken : undefined);
          return { processed: { gmail: stream.processed }, written: stream.written };
        } catch (err) {
          if (!(err instanceof HistoryExpired)) throw err;
          run.logger.info({ connectionId: connection.id }, 'Gmail history id expired; running a full sync');
          await state.update({ cursor: null, page_cursor: null });
          position = null;
        }
      }
      await this.backfill(stream, client, position?.round === 'backfill' ? position : null);
      return { processed: { gmail: stream.processed }, written: stream.written };
    } catch (err) {
      throw asStreamError(err);
    }
  }

  private async backfill(stream: GoogleStream, gmail: GmailMetadataClient, resume: BackfillPosition | null): Promise<void> {
    const { run, connection, state } = stream;
    let position: BackfillPosition | null = resume;
    if (position) {
      stream.processed = Number((state.progress as { processed?: number }).processed ?? 0);
    } else {
      const profile = await gmail.profile(connection);
      position = { round: 'backfill', historyId: profile.historyId, label: GMAIL_LABELS[0], total: profile.messagesTotal };
    }
    while (position) {
      if (run.cancelled()) return;
      const list = await gmail.listMessages(connection, position.label, position.pageToken);
      const messages = await this.fetch(stream, gmail, (list.messages ?? []).map((m) => m.id));
      if (!messages) return;
      stream.processed += list.messages?.length ?? 0;
      const windowEnded = messages.length > 0 && messages.every((m) => Number(m.internalDate) < run.rules.backfillFrom.getTime());
      const next: BackfillPosition | null = list.nextPageToken && !windowEnded
        ? { ...position, pageToken: list.nextPageToken }
        : nextLabel(position);
      const progress = { processed: stream.processed, ...(position.total !== undefined ? { total: position.total } : {}), round: 'backfill' };
      await this.write(stream, messages, {
        page_cursor: next ? JSON.stringify(next) : null,
        progress,
        ...(next ? {} : { cursor: position.historyId, backfill_completed_at: new Date(), last_synced_at: new Date() }),
      });
      position = next;
    }
  }

  private async incremental(stream: GoogleStream, gmail: GmailMetadataClient, resumeToken: string | undefined): Promise<void> {
    const { run, connection, state } = stream;
    let pageToken = resumeToken;
    for (;;) {
      if (run.cancelled()) return;
      const page = await gmail.history(connection, state.cursor!, pageToken);
      const added = new Map<string, string[] | undefined>();
      for (const record of page.history ?? []) {
        for (const { message } of record.messagesAdded ?? []) added.set(message.id, message.labelIds);
      }
      const wanted = [...added].filter(([, labels]) => !labels || labels.some((l) => SYNCED_LABELS.has(l))).map(([id]) => id);
      const fetched = await this.fetch(stream, gmail, wanted);
      if (!fetched) return;
      const messages = fetched.filter((m) => (added.get(m.id) ?? m.labelIds ?? []).some((l) => SYNCED_LABELS.has(l)));
      stream.processed += messages.length;
      const progress = { processed: stream.processed, round: 'incremental' };
      if (page.nextPageToken) {
        await this.write(stream, messages, { page_cursor: JSON.stringify({ round: 'incremental', pageToken: page.nextPageToken }), progress });
        pageToken = page.nextPageToken;
        continue;
      }
      await this.write(stream, messages, { cursor: page.historyId, page_cursor: null, progress, last_synced_at: new Date() });
      return;
    }
  }

  /**
   * The messages' metadata, several calls at a time (each waits for its quota units); deleted ones are
   * skipped. Null when the worker began stopping meanwhile: the page is dropped unwritten and the next
   * run starts again from the page_cursor saved with the previous page.
   */
  private async fetch(stream: GoogleStream, gmail: GmailMetadataClient, ids: string[]): Promise<GmailMessage[] | null> {
    const limit = pLimit(GMAIL_GET_CONCURRENCY);
    const fetched = await Promise.all(ids.map((id) => limit(() => (stream.run.cancelled() ? null : gmail.message(stream.connection, id)))));
    if (stream.run.cancelled()) return null;
    return fetched.filter((m): m is GmailMessage => m !== null);
  }

  private async write(stream: GoogleStream, messages: GmailMessage[], state: NonNullable<PageWrite['state']>): Promise<void> {
    const metadata: EmailMetadata[] = await Promise.all(messages.map(gmailMessageToMetadata));
    const drafts = metadata.flatMap((m) => emailEvents(m, stream.run.rules));
    const { written } = await stream.run.writer.writePage(stream.target, stream.state, { drafts, state });
    stream.written += written;
  }
}

function nextLabel(position: BackfillPosition): BackfillPosition | null {
  const following = GMAIL_LABELS[GMAIL_LABELS.indexOf(position.label) + 1];
  return following ? { round: 'backfill', historyId: position.historyId, label: following, total: position.total } : null;
}
