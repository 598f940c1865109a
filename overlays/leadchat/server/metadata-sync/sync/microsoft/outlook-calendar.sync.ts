import { meetingEvents } from '../rules.js';
import type { SyncRun } from '../kinds.js';
import type { EventDraft } from '../types.js';
import type { DeltaStream } from './graph-stream.js';
import { eventMetadata, type GraphEvent } from './graph-item.mapper.js';
import type { GraphReader } from './graph-api.client.js';

export const CALENDAR_PAGE_SIZE = 100;
/** Meetings this far ahead are listed too (they are interactions being prepared). */
const FUTURE_MONTHS = 12;

/**
 * The calendar view's delta over the backfill window (24 months back, 12 ahead), in UTC. A changed
 * meeting replaces its events (an attendee who declined drops out); a cancelled or removed one loses
 * them.
 */
export function calendarStream(reader: GraphReader, run: SyncRun, note: string | null): DeltaStream<GraphEvent> {
  const end = new Date();
  end.setUTCMonth(end.getUTCMonth() + FUTURE_MONTHS);
  const window = `startDateTime=${encodeURIComponent(run.rules.backfillFrom.toISOString())}&endDateTime=${encodeURIComponent(end.toISOString())}`;
  return {
    source: 'calendar',
    initialUrl: `${reader.root}/calendarView/delta?${window}`,
    headers: { Prefer: `outlook.timezone="UTC", odata.maxpagesize=${CALENDAR_PAGE_SIZE}` },
    note,
    toPage(items) {
      const drafts: EventDraft[] = [];
      const replaceItems: string[] = [];
      const removeItems: string[] = [];
      let removed = 0;
      for (const item of items) {
        if (item['@removed']) {
          removed++;
          removeItems.push(item.id);
        } else if (item.isCancelled) {
          removeItems.push(item.id);
        } else {
          replaceItems.push(item.id);
          drafts.push(...meetingEvents(eventMetadata(item), run.rules));
        }
      }
      return { drafts, replaceItems, removeItems, removed };
    },
  };
}
