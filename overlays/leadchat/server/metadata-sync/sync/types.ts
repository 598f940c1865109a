import type { Transaction } from 'sequelize';
import type { EventSource, Provider, SyncSource, SyncState } from '../metadata-sync.model.js';

/** An address as both providers give it. `address` is lower-cased by the mappers. */
export interface Address {
  address: string;
  name?: string | null;
}

/** Mail metadata, normalised from a Graph message or a Gmail `format=metadata` message. Never a body. */
export interface EmailMetadata {
  /** The provider's item id (Graph message id, Gmail id). */
  itemId: string;
  /** Internet Message-ID without angle brackets, when the provider gave one. */
  internetMessageId?: string | null;
  from?: Address | null;
  to: Address[];
  cc: Address[];
  /** Only ever present on mail the mailbox owner sent (both providers hide Bcc on received mail). */
  bcc: Address[];
  subject?: string | null;
  /** UTC instants. */
  sentAt?: Date | null;
  receivedAt?: Date | null;
  /** Header names lower-cased (list-unsubscribe, precedence, ...). */
  headers: Record<string, string>;
  /** Which folder/label the item was listed from. */
  folder: 'inbox' | 'sent';
}

export type AttendeeResponse = 'accepted' | 'tentative' | 'declined' | 'none' | 'organizer';

/** Calendar metadata, normalised from a Graph event or a Google Calendar event. */
export interface MeetingMetadata {
  itemId: string;
  /** iCalUId / iCalUID when given: the same meeting in several calendars. */
  iCalUid?: string | null;
  subject?: string | null;
  /** UTC start. */
  start: Date;
  organizer?: Address | null;
  attendees: (Address & { response: AttendeeResponse })[];
  cancelled: boolean;
}

/** What the rules need to know about the mailbox being synced. */
export interface RuleContext {
  /** The synced mailbox's address, lower-case (the user's own or a shared mailbox). */
  mailbox: string;
  /** Addresses of the helpdesk account's team (its users) and its inboxes: never counterparts. */
  teamEmails: ReadonlySet<string>;
  /** Nothing older than this is kept (24 months before the sync started). */
  backfillFrom: Date;
}

/** One interaction before it is attributed to subscribers: what the rules produce. */
export interface EventDraft {
  kind: 'email' | 'meeting';
  direction: 'inbound' | 'outbound';
  remote_id: string;
  item_id: string;
  occurred_at: Date;
  counterpart_email: string;
  counterpart_name: string | null;
  subject: string | null;
  newsletter: boolean;
}

/** The stream being synced and who its events belong to. */
export interface SyncTarget {
  accountId: number;
  provider: Provider;
  source: SyncSource;
  eventSource: EventSource;
  mailbox: string;
  /** User ids that get one event each: the connection's user, or every subscriber of a shared mailbox. */
  subscribers: number[];
  shared: boolean;
}

/** One page's outcome, written in one transaction together with the state's cursor move. */
export interface PageWrite {
  drafts: EventDraft[];
  /** Items whose existing events are replaced by `drafts` (a calendar event that changed: declined attendees drop out). */
  replaceItems?: string[];
  /** Items whose events are deleted (cancelled or removed meetings). */
  removeItems?: string[];
  /** Columns of the stream's SyncState to save in the same transaction (page_cursor, cursor, progress...). */
  state?: Partial<Pick<SyncState, 'cursor' | 'page_cursor' | 'progress' | 'status' | 'error' | 'backfill_completed_at' | 'last_synced_at' | 'retry_at'>>;
}

/** Writes pages of events idempotently (upsert on the unique remote key) with contact matching. */
export interface EventWriter {
  writePage(target: SyncTarget, state: SyncState, page: PageWrite, tx?: Transaction): Promise<{ written: number }>;
}
