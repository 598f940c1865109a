import type { ExtensionContext } from '../../../../../../server/src/extensions/index.js';
import type { GoogleAccount } from '../../metadata-sync.model.js';
import type { CalendarEventList } from './calendar-api.types.js';
import type { GoogleApiClient } from './google-api.client.js';
import { SyncTokenExpired } from './google-errors.js';
import { waitingOutShortThrottles } from './throttle-wait.js';

/** Calendar's largest events.list page. */
export const CALENDAR_PAGE_SIZE = 2500;

/** Either a full listing from `timeMin`, or the changes since `syncToken` (Google refuses both together). */
export type EventsWindow = { timeMin: string; syncToken?: never } | { syncToken: string; timeMin?: never };

/** `events.list` on the user's primary calendar: recurring events expanded, cancellations included. */
export class GoogleCalendarClient {
  constructor(private readonly deps: { api: GoogleApiClient; logger: ExtensionContext['logger'] }) {}

  /** One page; SyncTokenExpired (410) when the sync token is no longer valid. */
  events(connection: GoogleAccount, window: EventsWindow, pageToken?: string): Promise<CalendarEventList> {
    return waitingOutShortThrottles(
      () => this.deps.api.get<CalendarEventList>(connection, {
        api: 'calendar', method: 'events.list', path: '/calendars/primary/events',
        query: { singleEvents: true, showDeleted: true, maxResults: CALENDAR_PAGE_SIZE, ...window, pageToken },
        expiry: { status: 410, as: SyncTokenExpired },
      }),
      (err) => this.deps.logger.warn({ connectionId: connection.id, retryAfterMs: err.retryAfterMs, reason: err.reason }, 'Google Calendar throttled the user'),
    );
  }
}
