import { DateTime } from 'luxon';
import type { Address, AttendeeResponse, MeetingMetadata } from '../types.js';
import type { CalendarAttendee, CalendarEvent, CalendarEventTime, CalendarPerson } from './calendar-api.types.js';

const RESPONSES: Record<NonNullable<CalendarAttendee['responseStatus']>, AttendeeResponse> = {
  needsAction: 'none', declined: 'declined', tentative: 'tentative', accepted: 'accepted',
};

/**
 * A Calendar time as a UTC instant: a `dateTime` carries its offset (or is read in its `timeZone`,
 * which Google allows instead); an all-day `date` is that day's 00:00 UTC.
 */
export function calendarTimeToUtc(time: CalendarEventTime | undefined): Date | null {
  if (time?.dateTime) {
    const parsed = DateTime.fromISO(time.dateTime, { zone: time.timeZone ?? 'UTC' });
    return parsed.isValid ? parsed.toJSDate() : null;
  }
  if (time?.date) {
    const parsed = DateTime.fromISO(time.date, { zone: 'UTC' });
    return parsed.isValid ? parsed.startOf('day').toJSDate() : null;
  }
  return null;
}

/** `self` marks the calendar's owner whatever address Google shows: it becomes the mailbox, which the rules never count. */
function person(p: CalendarPerson | undefined, mailbox: string): Address | null {
  if (!p) return null;
  if (p.self) return { address: mailbox, name: p.displayName ?? null };
  return p.email ? { address: p.email.toLowerCase(), name: p.displayName ?? null } : null;
}

/**
 * A Google Calendar event (singleEvents=true) as MeetingMetadata. Instances of a recurring event share
 * the series' iCalUID, so each instance's id for the rules is the iCalUID with its original start.
 */
export function calendarEventToMetadata(event: CalendarEvent, mailbox: string): MeetingMetadata | null {
  const start = calendarTimeToUtc(event.start);
  const cancelled = event.status === 'cancelled';
  if (!start && !cancelled) return null;
  const originalStart = event.recurringEventId ? calendarTimeToUtc(event.originalStartTime) : null;
  const attendees = (event.attendees ?? [])
    .filter((a) => !a.resource)
    .flatMap((a) => {
      const who = person(a, mailbox);
      return who ? [{ ...who, response: a.organizer ? 'organizer' as const : RESPONSES[a.responseStatus ?? 'needsAction'] }] : [];
    });
  return {
    itemId: event.id,
    iCalUid: event.iCalUID ? (originalStart ? `${event.iCalUID}/${originalStart.toISOString()}` : event.iCalUID) : null,
    subject: event.summary ?? null,
    start: start ?? new Date(0),
    organizer: person(event.organizer, mailbox),
    attendees,
    cancelled,
  };
}
