// Graph events from the world's calendars, rendered in the time zone asked for with
// `Prefer: outlook.timezone` (Windows or IANA names), UTC otherwise.
import type { CalendarEvent } from '../world/seed.js';

const WINDOWS_ZONES: Record<string, string> = {
  'utc': 'UTC',
  'pacific standard time': 'America/Los_Angeles',
  'mountain standard time': 'America/Denver',
  'central standard time': 'America/Chicago',
  'eastern standard time': 'America/New_York',
  'gmt standard time': 'Europe/London',
  'w. europe standard time': 'Europe/Berlin',
  'romance standard time': 'Europe/Paris',
  'central europe standard time': 'Europe/Budapest',
  'india standard time': 'Asia/Kolkata',
  'tokyo standard time': 'Asia/Tokyo',
  'aus eastern standard time': 'Australia/Sydney',
};

/** The IANA zone for a Prefer value, or null when neither Windows nor IANA knows it. */
export function resolveTimeZone(name: string | undefined): { label: string; iana: string } | null {
  if (!name) return null;
  const windows = WINDOWS_ZONES[name.toLowerCase()];
  if (windows) return { label: name, iana: windows };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return { label: name, iana: name };
  } catch {
    return null;
  }
}

/** "2016-12-09T20:30:00.0000000" in the given zone, Graph's dateTimeTimeZone format. */
export function graphDateTime(isoUtc: string, iana: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: iana, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(isoUtc)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.0000000`;
}

export const eventVersion = (e: CalendarEvent): string => `${e.version}`;

export function overlaps(e: CalendarEvent, startIso: string, endIso: string): boolean {
  return Date.parse(e.startUtc) < Date.parse(endIso) && Date.parse(e.endUtc) > Date.parse(startIso);
}

export function renderEvent(e: CalendarEvent, ownerUpn: string, asked: { label: string; iana: string }): Record<string, unknown> {
  const own = e.timeZone ? resolveTimeZone(e.timeZone) : null;
  const tz = e.preferIgnored && own ? own : asked;
  const key = `EZ9r3czxY0m2jz8c45czkwAA${Buffer.from(`${e.id}|${e.version}`).toString('base64').slice(0, 12)}`;
  const organizer = e.organizer.address === ownerUpn;
  const me = e.attendees.find((a) => a.address === ownerUpn);
  return {
    '@odata.etag': `W/"${key}"`,
    id: e.id,
    createdDateTime: e.createdUtc,
    lastModifiedDateTime: e.lastModifiedUtc,
    changeKey: key,
    categories: [],
    transactionId: null,
    originalStartTimeZone: e.timeZone ?? 'UTC',
    originalEndTimeZone: e.timeZone ?? 'UTC',
    iCalUId: `040000008200E00074C5B7101A82E008${Buffer.from(e.id).toString('hex').slice(0, 32)}`,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: e.subject,
    bodyPreview: e.bodyHtml.replace(/<[^>]+>/g, '').slice(0, 255),
    importance: 'normal',
    sensitivity: 'normal',
    isAllDay: e.isAllDay,
    isCancelled: e.isCancelled,
    isOrganizer: organizer,
    responseRequested: true,
    seriesMasterId: null,
    showAs: e.isCancelled ? 'free' : 'busy',
    type: 'singleInstance',
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(e.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: { response: organizer ? 'organizer' : me?.response ?? 'none', time: '0001-01-01T00:00:00Z' },
    body: { contentType: 'html', content: e.bodyHtml },
    start: { dateTime: graphDateTime(e.startUtc, tz.iana), timeZone: tz.label },
    end: { dateTime: graphDateTime(e.endUtc, tz.iana), timeZone: tz.label },
    location: {
      displayName: e.location?.displayName ?? '', locationType: 'default', uniqueIdType: 'unknown',
      ...(e.location?.address ? { address: e.location.address } : { address: {} }),
      ...(e.location?.coordinates ? { coordinates: e.location.coordinates } : { coordinates: {} }),
    },
    locations: e.location ? [{ displayName: e.location.displayName, locationType: 'default', uniqueIdType: 'unknown' }] : [],
    recurrence: null,
    attendees: e.attendees.map((a) => ({
      type: 'required',
      status: { response: a.response, time: '0001-01-01T00:00:00Z' },
      emailAddress: { name: a.name, address: a.address },
    })),
    organizer: { emailAddress: { name: e.organizer.name, address: e.organizer.address } },
    onlineMeeting: null,
  };
}
