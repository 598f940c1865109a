import { z } from 'zod';
import type { SyncRun, SyncRunOutcome } from '../kinds.js';
import { meetingEvents } from '../rules.js';
import type { EventDraft } from '../types.js';
import { calendarEventToMetadata } from './calendar-event.mapper.js';
import type { EventsWindow, GoogleCalendarClient } from './google-calendar.client.js';
import { SyncTokenExpired } from './google-errors.js';
import { asStreamError, openStream, readPageCursor, type GoogleStream } from './google-stream.js';

/** The next page of an unfinished round; a full round keeps its `timeMin` so every page asks the same question. */
const pageCursor = z.object({ pageToken: z.string(), timeMin: z.string().optional() });
type PageCursor = z.infer<typeof pageCursor>;

/**
 * The primary calendar of one connection (`google_calendar`) through events.list with recurring
 * events expanded and cancellations shown: a full round from 24 months ago (timeMin, never together
 * with a sync token), then rounds from the stored nextSyncToken. A changed event replaces its events
 * (an attendee who declined drops out), a cancelled one removes them. 410 clears the token and runs
 * a full round.
 */
export class GoogleCalendarSync {
  constructor(private readonly calendar: (run: SyncRun) => GoogleCalendarClient) {}

  async run(run: SyncRun): Promise<SyncRunOutcome> {
    const stream = await openStream(run, 'google_calendar');
    const { connection, state } = stream;
    const client = this.calendar(run);
    try {
      try {
        await this.round(stream, client, readPageCursor(pageCursor, state.page_cursor));
      } catch (err) {
        if (!(err instanceof SyncTokenExpired)) throw err;
        run.logger.info({ connectionId: connection.id }, 'Google Calendar sync token expired; running a full sync');
        await state.update({ cursor: null, page_cursor: null });
        await this.round(stream, client, null);
      }
      return { processed: { google_calendar: stream.processed }, written: stream.written };
    } catch (err) {
      throw asStreamError(err);
    }
  }

  private async round(stream: GoogleStream, calendar: GoogleCalendarClient, resume: PageCursor | null): Promise<void> {
    const { run, connection, state } = stream;
    const full = resume ? resume.timeMin !== undefined : !state.cursor;
    const timeMin = resume?.timeMin ?? run.rules.backfillFrom.toISOString();
    const window: EventsWindow = full ? { timeMin } : { syncToken: state.cursor! };
    const round = full ? 'backfill' : 'incremental';
    let pageToken = resume?.pageToken;
    for (;;) {
      if (run.cancelled()) return;
      const page = await calendar.events(connection, window, pageToken);
      const drafts: EventDraft[] = [];
      const replaceItems: string[] = [];
      const removeItems: string[] = [];
      for (const item of page.items ?? []) {
        const meta = calendarEventToMetadata(item, run.target.mailbox);
        if (!meta) continue;
        if (meta.cancelled) {
          removeItems.push(item.id);
        } else {
          replaceItems.push(item.id);
          drafts.push(...meetingEvents(meta, run.rules));
        }
      }
      stream.processed += page.items?.length ?? 0;
      const progress = { processed: stream.processed, round };
      const next = page.nextPageToken;
      const { written } = await run.writer.writePage(stream.target, state, {
        drafts, replaceItems, removeItems,
        state: next
          ? { page_cursor: JSON.stringify({ pageToken: next, ...(full ? { timeMin } : {}) }), progress }
          : { cursor: page.nextSyncToken ?? null, page_cursor: null, progress, last_synced_at: new Date(), ...(full ? { backfill_completed_at: new Date() } : {}) },
      });
      stream.written += written;
      if (!next) return;
      pageToken = next;
    }
  }
}
