import pg from 'pg';

/** Namespace of the advisory-lock keys (the migrator uses its own key). */
const FETCH_LOCK_CLASS = 727_100;

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * One fetch per channel at a time, across every worker process: a Postgres advisory lock held on a
 * connection of its own. A worker that dies mid-fetch drops its connection and with it the lock, so
 * the next fetch never waits for a timeout.
 */
export async function tryChannelFetchLock(databaseUrl: string, channelId: number): Promise<HeldLock | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [FETCH_LOCK_CLASS, channelId]);
    if (!rows[0]?.locked) {
      await client.end();
      return null;
    }
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    async release() {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [FETCH_LOCK_CLASS, channelId]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
