// The parts of a Google Calendar `events.list` response the metadata sync reads.

export interface CalendarEventTime {
  /** RFC 3339, with an offset unless `timeZone` says which zone it is in. */
  dateTime?: string;
  /** All-day events: `YYYY-MM-DD`. */
  date?: string;
  timeZone?: string;
}

export interface CalendarPerson {
  email?: string;
  displayName?: string;
  /** The calendar's owner (the connected user, under whichever of their addresses). */
  self?: boolean;
}

export interface CalendarAttendee extends CalendarPerson {
  organizer?: boolean;
  resource?: boolean;
  responseStatus?: 'needsAction' | 'declined' | 'tentative' | 'accepted';
}

export interface CalendarEvent {
  id: string;
  status?: 'confirmed' | 'tentative' | 'cancelled';
  summary?: string;
  iCalUID?: string;
  start?: CalendarEventTime;
  organizer?: CalendarPerson;
  attendees?: CalendarAttendee[];
  /** Set on an instance of a recurring event (singleEvents=true). */
  recurringEventId?: string;
  originalStartTime?: CalendarEventTime;
}

export interface CalendarEventList {
  items?: CalendarEvent[];
  nextPageToken?: string;
  nextSyncToken?: string;
}
