import { setTimeout as sleep } from 'node:timers/promises';
import { GoogleThrottled } from './google-errors.js';

/** A Retry-After up to this long is waited out in the job; a longer one ends the run (the job comes back at retry_at). */
export const MAX_INLINE_WAIT_MS = 30_000;
const MAX_INLINE_WAITS = 3;

/**
 * Runs a Google call; when Google throttles it for a short while (Retry-After ≤ 30 s) waits exactly
 * that long and sends it again, at most three times. A longer throttle, or a fourth, is thrown as
 * GoogleThrottled for the job to reschedule itself.
 */
export async function waitingOutShortThrottles<T>(call: () => Promise<T>, onThrottled: (err: GoogleThrottled) => void = () => undefined): Promise<T> {
  for (let waits = 0; ; waits += 1) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof GoogleThrottled)) throw err;
      onThrottled(err);
      if (err.retryAfterMs > MAX_INLINE_WAIT_MS || waits >= MAX_INLINE_WAITS) throw err;
      await sleep(err.retryAfterMs);
    }
  }
}
