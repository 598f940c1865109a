import type { z } from 'zod';
import type { GoogleAccount, SyncSource, SyncState } from '../../metadata-sync.model.js';
import { StreamAccessDenied, SyncThrottled } from '../errors.js';
import type { SyncRun } from '../kinds.js';
import type { SyncTarget } from '../types.js';
import { GoogleApiError, GoogleThrottled } from './google-errors.js';

/** One Google stream in one job run: its connection, state row and target, and what the run did so far. */
export interface GoogleStream {
  run: SyncRun;
  connection: GoogleAccount;
  state: SyncState;
  target: SyncTarget;
  processed: number;
  written: number;
}

export async function openStream(run: SyncRun, source: Extract<SyncSource, 'gmail' | 'google_calendar'>): Promise<GoogleStream> {
  return { run, connection: run.connections[0] as GoogleAccount, state: await run.state(source), target: { ...run.target, source }, processed: 0, written: 0 };
}

/** The saved `page_cursor` as the stream wrote it, or null (none, or unreadable: the round starts over). */
export function readPageCursor<T>(schema: z.ZodType<T>, value: string | null): T | null {
  if (!value) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * A Google failure in the engine's terms: a throttle too long to wait out becomes SyncThrottled (the
 * job comes back at retry_at), a 403 refusal (scope withdrawn, API disabled for the domain)
 * StreamAccessDenied; everything else stays as it is and is retried with backoff.
 */
export function asStreamError(err: unknown): unknown {
  if (err instanceof GoogleThrottled) return new SyncThrottled(err.retryAfterMs, err.message);
  if (err instanceof GoogleApiError && err.httpStatus === 403) return new StreamAccessDenied(`Google refused access to this data: ${err.message}`);
  return err;
}
