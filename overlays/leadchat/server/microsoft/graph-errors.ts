import { GraphError } from '@microsoft/microsoft-graph-client';
import { MailboxError, type FailureKind } from '../../../../server/src/extensions/index.js';

export interface GraphFailure {
  kind: FailureKind;
  /** Graph's error code (`ErrorSendAsDenied`, `ErrorAccessDenied`, ...) or the HTTP status. */
  code: string;
  message: string;
  retryAfterMs?: number;
}

/** Graph's rights refusals, in words an administrator can act on. */
const RIGHTS: Record<string, (who: { delegate: string; mailbox: string }) => string> = {
  ErrorSendAsDenied: ({ delegate, mailbox }) => `${delegate} has no Send As permission on ${mailbox} — ask your Exchange admin to grant it`,
  ErrorAccessDenied: ({ delegate, mailbox }) => `${delegate} has no Full Access on ${mailbox} — ask your Exchange admin to grant it`,
};

/**
 * What a failed Graph call means (EmailEngine's split): `reauth` when the token is refused (401), a
 * `permanent` refusal of rights or request (4xx — retrying cannot help until someone changes the
 * mailbox's permissions), `transient` for throttling (429, with Retry-After), 5xx, an open circuit
 * breaker and the network. Token-store failures (MailboxError) keep their kind.
 */
export function classifyGraphError(err: unknown, who: { delegate: string; mailbox: string }): GraphFailure {
  if (err instanceof MailboxError) return { kind: err.kind, code: err.code, message: err.message };
  if (err instanceof GraphError && err.statusCode > 0) {
    const code = err.code ?? String(err.statusCode);
    const status = err.statusCode;
    const rights = RIGHTS[code];
    if (status === 401) return { kind: 'reauth', code, message: `Microsoft refused the sign-in of ${who.delegate} (${err.message}); reconnect the inbox` };
    if (rights && status === 403) return { kind: 'permanent', code, message: rights(who) };
    if (status === 429 || status >= 500) return { kind: 'transient', code, message: `Microsoft Graph answered ${status}: ${err.message}`, retryAfterMs: retryAfterMs(err.headers) };
    return { kind: 'permanent', code, message: `Microsoft Graph refused the request (${status} ${code}): ${err.message}` };
  }
  const e = err as { code?: string; message?: string };
  if (e?.code === 'EOPENBREAKER') return { kind: 'transient', code: 'circuit_open', message: 'Microsoft Graph is failing; calls are paused for a moment' };
  return { kind: 'transient', code: e?.code ?? 'network', message: e?.message ?? String(err) };
}

/** Graph's HTTP status of a failed call (GraphError from the SDK), or undefined for other failures. */
export function graphStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

export function graphCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** An expired delta state, for a deltaLink or a nextLink of the round in progress: Graph wants a full round. */
export const isSyncStateGone = (err: unknown): boolean => graphStatus(err) === 410 || graphCode(err) === 'syncStateNotFound';

/** A response's Retry-After (seconds or an HTTP date) in ms, or undefined when absent or past. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get?.('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return ms > 0 ? ms : undefined;
}
