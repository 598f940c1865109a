import type { GoogleAccount, MicrosoftAccount, Provider, SyncSource, SyncStatus } from './metadata-sync.model.js';

/** A connected account of either provider. */
export type Connection = MicrosoftAccount | GoogleAccount;

/** The four background kinds of work; at most one job per connection (or shared mailbox) × kind runs at a time. */
export type SyncKind = 'microsoft_mail' | 'microsoft_calendar' | 'google_mail' | 'google_calendar';

/**
 * Fresh access tokens for a connection (connections/…): refreshes when less than 5 minutes are left,
 * serialised per connection across processes, saves rotated refresh tokens. `force` refreshes even a
 * token that looks valid (the API answered 401). A refusal for good (`invalid_grant`: revoked consent,
 * password reset) marks the connection `reauthorization_required`, records `last_error` and throws
 * `ReauthorizationRequired`.
 */
export interface ConnectionTokens {
  accessToken(connection: Connection, opts?: { force?: boolean }): Promise<string>;
}

/** Thrown when a connection's sign-in is no longer valid; the user must reconnect. */
export class ReauthorizationRequired extends Error {
  constructor(readonly provider: Provider, readonly connectionId: number, message: string) {
    super(message);
    this.name = 'ReauthorizationRequired';
  }
}

/** One stream's state as the Integrations page shows it. */
export interface SourceStatus {
  provider: Provider;
  /** The mailbox read (the user's own address or a shared mailbox). */
  mailbox: string;
  source: SyncSource;
  shared: boolean;
  status: SyncStatus;
  error: string | null;
  progress: { processed: number; total?: number; round?: 'backfill' | 'incremental' };
  backfill_completed_at: string | null;
  last_synced_at: string | null;
  retry_at: string | null;
}

/** A circuit breaker per provider × kind (`ms_graph_mail`, `ms_graph_calendar`, `google_gmail_metadata`, `google_calendar`). */
export interface CircuitStatus {
  name: string;
  state: 'closed' | 'open' | 'half_open';
}

/**
 * The sync engine (sync/…) as the connection routes use it: what to do when a connection appears,
 * changes or goes, and what to show about it.
 */
export interface MetadataSyncEngine {
  /** Queues a sync of every kind the connection's features (and granted scopes) allow; idempotent per connection × kind. */
  syncNow(connection: Connection): Promise<void>;
  /** Deletes the connection's sync states and the interaction events it produced (its user's, from its provider). */
  forget(connection: Connection): Promise<void>;
  /** The connection's streams (own mailbox and its shared mailboxes). */
  sources(connection: Connection): Promise<SourceStatus[]>;
  circuits(): CircuitStatus[];
}
