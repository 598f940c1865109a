import type { Logger } from 'pino';
import type { Connection, SyncKind } from '../contracts.js';
import type { EventSource, MicrosoftAccount, Provider, SharedMailbox, SyncSource, SyncState } from '../metadata-sync.model.js';
import type { BreakerRegistry } from './breakers.js';
import type { EventWriter, RuleContext, SyncTarget } from './types.js';

/** A mailbox to sync for one kind: a connection's own, or a shared mailbox of a helpdesk account. */
export interface SyncJobData {
  accountId: number;
  /** Lower-case address. */
  mailbox: string;
  shared: boolean;
}

/** Everything a kind's runner gets for one job: the mailbox's streams are its to sync, page by page. */
export interface SyncRun {
  kind: SyncKind;
  /** The mailbox and who its events belong to; `source` is set per stream by the runner. */
  target: Omit<SyncTarget, 'source'>;
  /**
   * Connections whose tokens may read the mailbox: the owner's for an own mailbox; for a shared one
   * every subscriber's (the runner decides whose answers count, see `target.subscribers`).
   */
  connections: Connection[];
  rules: RuleContext;
  writer: EventWriter;
  breakers: BreakerRegistry;
  logger: Logger;
  /**
   * A shared mailbox's subscribers as the runner found them (those whose access the provider
   * confirmed): users new to the stream get copies of its existing events without refetching, users
   * no longer among them lose theirs, and `target.subscribers` becomes this list.
   */
  settleSubscribers(userIds: number[]): Promise<void>;
  /** The stream's state row (created on first use). */
  state(source: SyncSource): Promise<SyncState>;
  /** True once the job should stop early (the process is shutting down); resume from page_cursor next time. */
  cancelled(): boolean;
}

export interface SyncRunOutcome {
  /** Items listed by the provider in this run, per stream. */
  processed: Record<string, number>;
  /** Event rows inserted or changed, when the runner counts them. */
  written?: number;
}

/**
 * One kind of sync (`microsoft_mail`, `google_calendar`, ...), registered with
 * `engine.registerSyncKind(runner)` before `engine.register()`. The engine owns the queue, the
 * dedupe, the lease lock, retries, throttling re-queues, error states and the daily fan-out; the
 * runner only lists the provider's items and writes pages through `run.writer`, saving its cursors
 * in the same page writes. It reports failures by throwing: `ReauthorizationRequired` (from the
 * tokens), `SyncThrottled`, `StreamAccessDenied`, anything else is retried with backoff.
 */
export interface SyncKindRunner {
  kind: SyncKind;
  provider: Provider;
  eventSource: EventSource;
  /** The streams of one mailbox, e.g. `['mail:inbox', 'mail:sentitems']`. */
  sources: SyncSource[];
  /** The breaker names it uses, listed by `engine.circuits()` from the start. */
  breakers: string[];
  /** The connection's own mailbox: its features enable the kind and the needed scopes were granted. */
  enabled(connection: Connection): boolean;
  /** Shared mailboxes (Microsoft only): may this subscription's mailbox be synced for the connection? */
  sharedEnabled?(connection: MicrosoftAccount, mailbox: SharedMailbox): boolean;
  run(run: SyncRun): Promise<SyncRunOutcome>;
}
