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

export interface GoogleEvent {
  id: string;
  summary: string;
  status: 'confirmed' | 'cancelled';
  startMs: number;
  endMs: number;
  attendees: string[];
  organizer: string;
  recurringWeekly: number | null;
  created: string;
  updated: string;
  /** Global change sequence when last changed; sync tokens remember the sequence they were issued at. */
  seq: number;
}

export interface AccessGrant {
  email: string;
  clientId: string;
  scopes: Set<string>;
  expiresAt: number;
}

const DAY = 24 * 3600 * 1000;
/** History ids start here; anything older was never kept (404 from history.list). */
export const FIRST_HISTORY_ID = 1000;

export class GoogleData {
  users: GoogleUser[] = [];
  /** Granted scopes per `${email}|${clientId}` (include_granted_scopes adds to them). */
  granted = new Map<string, Set<string>>();
  accessTokens = new Map<string, AccessGrant>();
  refreshTokens = new Map<string, { email: string; clientId: string; revoked: boolean }>();
  codes = new Map<string, { email: string; clientId: string; redirectUri: string; scopes: Set<string>; challenge: string | null; method: string | null; offline: boolean; expiresAt: number }>();
  messages: GmailMessage[] = [];
  history: { id: number; messageId: string; threadId: string; labelIds: string[] }[] = [];
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
        startMs: start, endMs: start + e.hours * 3600_000, attendees: e.attendees, organizer: 'gina@fabrikam.test',
        recurringWeekly: e.recurringWeekly ?? null, created: new Date(start - 30 * DAY).toISOString(), updated: new Date().toISOString(), seq: this.seq,
      });
    }
  }

  /** Adds a message to gina's mailbox; `record` = also log it in history (new mail after the seed). */
  addMessage(m: { from: string; to: string[]; subject: string; labelIds: string[]; at: number }, record = true): GmailMessage {
    this.historyId += 1;
    const id = crypto.randomBytes(8).toString('hex');
    const message: GmailMessage = {
      id, threadId: id, labelIds: m.labelIds, historyId: this.historyId, internalDate: m.at,
      headers: [
        { name: 'From', value: m.from }, { name: 'To', value: m.to.join(', ') }, { name: 'Subject', value: m.subject },
        { name: 'Date', value: new Date(m.at).toUTCString() }, { name: 'Message-ID', value: `<${id}@mail.gmail.test>` },
        ...(m.labelIds.includes('CATEGORY_PROMOTIONS') ? [{ name: 'List-Unsubscribe', value: '<mailto:unsubscribe@list.example.test>' }] : []),
      ],
      snippet: `${m.subject} …`, sizeEstimate: 2048,
    };
    this.messages.push(message);
    if (record) this.history.push({ id: this.historyId, messageId: id, threadId: id, labelIds: m.labelIds });
    return message;
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
