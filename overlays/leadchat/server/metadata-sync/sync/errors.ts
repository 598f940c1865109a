/**
 * The provider asked us to come back later for longer than is worth waiting in-process: the job saves
 * the stream as `throttled` with `retry_at` and queues itself again after `retryAfterMs`.
 */
export class SyncThrottled extends Error {
  constructor(readonly retryAfterMs: number, message: string) {
    super(message);
    this.name = 'SyncThrottled';
  }
}

/**
 * The signed-in user may not read the mailbox (no Full Access on a shared mailbox, a scope missing):
 * retrying cannot help until someone changes the permissions, so the stream shows this message as its
 * error and the job ends.
 */
export class StreamAccessDenied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamAccessDenied';
  }
}
