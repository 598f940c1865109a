// Google Workspace side of the world, in memory: OAuth grants and tokens, Gmail messages with a
// history log, and Calendar events with a change sequence for sync tokens.
import crypto from 'node:crypto';
import { seedGoogle, type GoogleUser } from '../world/seed.js';

export interface GmailMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  historyId: number;
  internalDate: number;
  headers: { name: string; value: string }[];
  snippet: string;
  sizeEstimate: number;
}

export type ResponseStatus = 'needsAction' | 'declined' | 'tentative' | 'accepted';

export interface GoogleAttendee {
  email: string;
  responseStatus: ResponseStatus;
  self?: boolean;
  organizer?: boolean;
}

export interface GoogleEvent {
  id: string;
  summary: string;
  status: 'confirmed' | 'cancelled';
  startMs: number;
  endMs: number;
  /** IANA zone the event is rendered in (start/end dateTime with that zone's offset); UTC when null. */
  timeZone: string | null;
  allDay: boolean;
  attendees: GoogleAttendee[];
  organizer: string;
  recurringWeekly: number | null;
  created: string;
  updated: string;
  /** Global change sequence when last changed; sync tokens remember the sequence they were issued at. */
  seq: number;
}

export type MailAddress = string | { name?: string; address: string };

export interface NewGmailMessage {
  from: MailAddress;
  to: MailAddress[];
  cc?: MailAddress[];
  bcc?: MailAddress[];
  subject: string;
  labelIds: string[];
  at: number;
  headers?: Record<string, string>;
}

export interface HistoryRecord {
  id: number;
  type: 'messageAdded' | 'messageDeleted';
  messageId: string;
  threadId: string;
  labelIds: string[];
}

export interface EventInput {
  id?: string;
  summary: string;
  start: string;
  end: string;
  timeZone?: string;
  allDay?: boolean;
  attendees: GoogleAttendee[];
  organizer?: string;
  status?: 'confirmed' | 'cancelled';
}

export interface AccessGrant {
  email: string;
  clientId: string;
  scopes: Set<string>;
  expiresAt: number;
}

const DAY = 24 * 3600 * 1000;
/** The Google Workspace user whose Gmail and Calendar this holds. */
export const OWNER = 'gina@fabrikam.test';

function formatAddress(a: MailAddress): string {
  if (typeof a === 'string') return a;
  return a.name ? `"${a.name.replace(/["\\]/g, '')}" <${a.address}>` : a.address;
}

/** History ids start here; anything older was never kept (404 from history.list). */
export const FIRST_HISTORY_ID = 1000;

export class GoogleData {
  users: GoogleUser[] = [];
  /** Granted scopes per `${email}|${clientId}` (include_granted_scopes adds to them). */
  granted = new Map<string, Set<string>>();
  accessTokens = new Map<string, AccessGrant>();
  refreshTokens = new Map<string, { email: string; clientId: string; revoked: boolean }>();
  codes = new Map<string, { email: string; clientId: string; redirectUri: string; scopes: Set<string>; challenge: string | null; method: string | null; offline: boolean; nonce?: string; expiresAt: number }>();
  messages: GmailMessage[] = [];
  private byId = new Map<string, GmailMessage>();
  history: HistoryRecord[] = [];
  historyId = FIRST_HISTORY_ID;
  minHistoryId = FIRST_HISTORY_ID;
  events: GoogleEvent[] = [];
  seq = 0;
  syncTokens = new Map<string, number>();

  constructor() {
    this.reset();
  }

  reset(): void {
    this.users = structuredClone(seedGoogle.users);
    this.granted.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    this.messages = [];
    this.byId.clear();
    this.history = [];
    this.historyId = FIRST_HISTORY_ID;
    this.minHistoryId = FIRST_HISTORY_ID;
    this.events = [];
    this.seq = 0;
    this.syncTokens.clear();
    for (const m of seedGoogle.messages) this.addMessage({ ...m, at: Date.now() - m.daysAgo * DAY }, false);
    const now = new Date();
    now.setUTCHours(15, 0, 0, 0);
    for (const e of seedGoogle.events) {
      const start = now.getTime() + e.startDaysFromNow * DAY;
      this.seq += 1;
      this.events.push({
        id: crypto.createHash('sha1').update(e.summary).digest('hex').slice(0, 26), summary: e.summary, status: e.status,
        startMs: start, endMs: start + e.hours * 3600_000, timeZone: null, allDay: false,
        attendees: e.attendees.map((email) => ({ email, responseStatus: 'needsAction' })), organizer: OWNER,
        recurringWeekly: e.recurringWeekly ?? null, created: new Date(start - 30 * DAY).toISOString(), updated: new Date().toISOString(), seq: this.seq,
      });
    }
  }

  message(id: string): GmailMessage | undefined {
    return this.byId.get(id);
  }

  /**
   * Adds a message to gina's mailbox; `record` = also log it in history (new mail after the seed).
   * Bcc is kept only on mail carrying SENT (Gmail never shows a recipient the Bcc list).
   */
  addMessage(m: NewGmailMessage, record = true): GmailMessage {
    this.historyId += 1;
    const id = crypto.randomBytes(8).toString('hex');
    const list = (field: string, addresses: MailAddress[] | undefined) => (addresses?.length ? [{ name: field, value: addresses.map(formatAddress).join(', ') }] : []);
    const extra = Object.entries(m.headers ?? {}).map(([name, value]) => ({ name, value }));
    const hasOwnId = extra.some((h) => h.name.toLowerCase() === 'message-id');
    const message: GmailMessage = {
      id, threadId: id, labelIds: m.labelIds, historyId: this.historyId, internalDate: m.at,
      headers: [
        { name: 'From', value: formatAddress(m.from) }, ...list('To', m.to), ...list('Cc', m.cc),
        ...(m.labelIds.includes('SENT') ? list('Bcc', m.bcc) : []),
        { name: 'Subject', value: m.subject }, { name: 'Date', value: new Date(m.at).toUTCString() },
        ...(hasOwnId ? [] : [{ name: 'Message-ID', value: `<${id}@mail.gmail.test>` }]),
        ...(m.labelIds.includes('CATEGORY_PROMOTIONS') && !extra.some((h) => h.name.toLowerCase() === 'list-unsubscribe') ? [{ name: 'List-Unsubscribe', value: '<mailto:unsubscribe@list.example.test>' }] : []),
        ...extra,
      ],
      snippet: `${m.subject} …`, sizeEstimate: 2048,
    };
    this.messages.push(message);
    this.byId.set(id, message);
    if (record) this.history.push({ id: this.historyId, type: 'messageAdded', messageId: id, threadId: id, labelIds: m.labelIds });
    return message;
  }

  /** Deletes a message for good and logs messageDeleted; false when there is no such message. */
  deleteMessage(id: string): boolean {
    const message = this.byId.get(id);
    if (!message) return false;
    this.byId.delete(id);
    this.messages.splice(this.messages.indexOf(message), 1);
    this.historyId += 1;
    this.history.push({ id: this.historyId, type: 'messageDeleted', messageId: id, threadId: message.threadId, labelIds: message.labelIds });
    return true;
  }

  /** Creates or replaces an event (same id); bumps the change sequence so sync tokens see it. */
  upsertEvent(input: EventInput): GoogleEvent {
    this.seq += 1;
    const now = new Date().toISOString();
    const existing = input.id ? this.events.find((e) => e.id === input.id) : undefined;
    const organizer = (input.organizer ?? OWNER).toLowerCase();
    const fields = {
      summary: input.summary, status: input.status ?? 'confirmed', startMs: Date.parse(input.start), endMs: Date.parse(input.end),
      timeZone: input.timeZone ?? null, allDay: input.allDay ?? false, organizer, updated: now, seq: this.seq,
      attendees: input.attendees.map((a) => ({ ...a, email: a.email.toLowerCase(), ...(a.self ?? a.email.toLowerCase() === OWNER ? { self: true } : {}) })),
    };
    if (existing) return Object.assign(existing, fields);
    const event: GoogleEvent = {
      id: input.id ?? crypto.randomBytes(13).toString('hex'), recurringWeekly: null, created: now, ...fields,
    };
    this.events.push(event);
    return event;
  }

  /** Google keeps a deleted event as cancelled, so incremental syncs (showDeleted) report it. */
  cancelEvent(id: string): GoogleEvent | undefined {
    const event = this.events.find((e) => e.id === id);
    if (!event) return undefined;
    this.seq += 1;
    Object.assign(event, { status: 'cancelled', updated: new Date().toISOString(), seq: this.seq });
    return event;
  }

  /** Makes old history ids and sync tokens invalid, as Google does after a while. */
  expireHistory(): void {
    this.minHistoryId = this.historyId + 1;
    this.history = [];
    this.syncTokens.clear();
  }

  issueSyncToken(): string {
    const token = crypto.randomBytes(16).toString('base64url');
    this.syncTokens.set(token, this.seq);
    return token;
  }
}
