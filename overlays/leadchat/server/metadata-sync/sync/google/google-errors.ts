import { MailboxError, type FailureKind } from '../../../../../../server/src/extensions/index.js';

/** A Google API call that failed, with what Google said (`{"error":{code,message,errors:[{reason}],status}}`). */
export class GoogleApiError extends MailboxError {
  constructor(message: string, kind: FailureKind, readonly httpStatus: number, readonly reason: string | null, opts: { cause?: unknown } = {}) {
    super(message, kind, opts);
  }
}

/** `history.list` answered 404: the stored history id is too old; only a full sync can continue. */
export class HistoryExpired extends GoogleApiError {}

/** `events.list` answered 410: the stored sync token is no longer valid; only a full sync can continue. */
export class SyncTokenExpired extends GoogleApiError {}

/** Google throttled the user (429, or 403 `rateLimitExceeded` / `userRateLimitExceeded`). */
export class GoogleThrottled extends GoogleApiError {
  constructor(message: string, httpStatus: number, reason: string | null, readonly retryAfterMs: number) {
    super(message, 'transient', httpStatus, reason);
  }
}

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);
/** Google's 429s do not always say how long to wait; its guidance is to back off, starting around a few seconds. */
export const DEFAULT_RETRY_AFTER_MS = 5_000;

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; errors?: { reason?: string }[] };
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * What a non-2xx Google answer means: throttling (with Retry-After), `reauth` for 401 (the caller has
 * already refreshed once), `transient` for 5xx, `permanent` for any other refusal. `expiry` names the
 * status that means "start over" for this call (404 for history.list, 410 for events.list).
 */
export function googleError(api: string, res: Response, body: string, expiry?: { status: number; as: typeof HistoryExpired | typeof SyncTokenExpired }): GoogleApiError {
  let parsed: GoogleErrorBody = {};
  try {
    parsed = JSON.parse(body) as GoogleErrorBody;
  } catch { /* not Google's JSON envelope: the status says enough */ }
  const reason = parsed.error?.errors?.[0]?.reason ?? null;
  const message = `${api} answered ${res.status}${reason ? ` ${reason}` : ''}: ${parsed.error?.message ?? (body.slice(0, 200) || res.statusText)}`;
  if (expiry && res.status === expiry.status) return new expiry.as(message, 'permanent', res.status, reason);
  if (res.status === 429 || (res.status === 403 && reason && RATE_LIMIT_REASONS.has(reason))) {
    return new GoogleThrottled(message, res.status, reason, retryAfterMs(res.headers.get('retry-after')) ?? DEFAULT_RETRY_AFTER_MS);
  }
  if (res.status === 401) return new GoogleApiError(message, 'reauth', res.status, reason);
  if (res.status >= 500) return new GoogleApiError(message, 'transient', res.status, reason);
  return new GoogleApiError(message, 'permanent', res.status, reason);
}
