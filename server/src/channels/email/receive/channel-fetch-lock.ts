import pg from 'pg';
import type { Logger } from '../../../lib/logger.js';

/** Namespace of the advisory-lock keys (the migrator uses its own key). */
const FETCH_LOCK_CLASS = 727_100;
/** The lock connection closes after this long without a held lock (a quiet worker holds none open). */
const IDLE_CLOSE_MS = 30_000;

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * One fetch per channel at a time, across every worker process: Postgres advisory locks, all of a
 * process's held on one connection of its own (not one connection per lock: with thousands of
 * mailboxes that was a connection per fetch). A worker that dies mid-fetch drops the connection and
 * with it its locks, so the next fetch never waits for a timeout. Session advisory locks are re-entrant
 * for their session, so fetches of the same process are kept apart by the `held` set.
 */
export class ChannelFetchLocks {
  private client: Promise<pg.Client> | undefined;
  private readonly held = new Set<number>();
  private idleTimer: NodeJS.Timeout | undefined;
  /** The lock statements of concurrent fetches, one after another on the one connection. */
  private statements: Promise<unknown> = Promise.resolve();

  constructor(private readonly databaseUrl: string, private readonly logger: Logger) {}

  async tryLock(channelId: number): Promise<HeldLock | null> {
    if (this.held.has(channelId)) return null;
    this.held.add(channelId);
    clearTimeout(this.idleTimer);
    try {
      const client = await this.connection();
      const { rows } = await this.serially(() => client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [FETCH_LOCK_CLASS, channelId]));
      if (!rows[0]?.locked) {
        this.unheld(channelId);
        return null;
      }
      return {
        release: async () => {
          if (!this.held.has(channelId)) return;
          await this.serially(() => client.query('SELECT pg_advisory_unlock($1, $2)', [FETCH_LOCK_CLASS, channelId])).catch(() => undefined);
          this.unheld(channelId);
        },
      };
    } catch (err) {
      this.unheld(channelId);
      throw err;
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const client = this.client;
    this.client = undefined;
    if (client) await (await client.catch(() => undefined))?.end().catch(() => undefined);
  }

  private connection(): Promise<pg.Client> {
    this.client ??= (async () => {
      const client = new pg.Client({ connectionString: this.databaseUrl });
      // A dropped connection took its locks with it: the fetches still running finish unguarded (the
      // cursor and Message-ID dedupe keep that safe) and the next lock opens a fresh connection.
      client.on('error', (err) => {
        this.logger.warn({ err: { message: err.message } }, 'fetch-lock connection lost');
        this.client = undefined;
        this.held.clear();
      });
      try {
        await client.connect();
      } catch (err) {
        this.client = undefined;
        throw err;
      }
      return client;
    })();
    return this.client;
  }

  private serially<T>(statement: () => Promise<T>): Promise<T> {
    const run = this.statements.then(statement, statement);
    this.statements = run.catch(() => undefined);
    return run;
  }

  private unheld(channelId: number): void {
    this.held.delete(channelId);
    if (this.held.size) return;
    this.idleTimer = setTimeout(() => void this.close(), IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }
}
