import type { FailureKind } from '../../../lib/errors.js';
import { MailboxError } from '../../../lib/errors.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
  'NoConnection', 'EConnectionClosed', 'ClosedAfterConnectText', 'ClosedAfterConnectTLS',
  'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'ETIMEOUT', 'ETHROTTLE', 'LockTimeout',
]);
/** RFC 5530 response codes that say the credentials are the problem, not the server. */
const REAUTH_RESPONSE_CODES = new Set(['AUTHENTICATIONFAILED', 'AUTHORIZATIONFAILED', 'EXPIRED']);
/** Codes that retrying cannot fix until someone changes the mailbox or its settings. */
const PERMANENT_RESPONSE_CODES = new Set(['NONEXISTENT', 'NOPERM', 'CANNOT', 'CONTACTADMIN']);

interface ErrorShape {
  code?: string;
  authenticationFailed?: boolean;
  serverResponseCode?: string;
  responseText?: string;
  message?: string;
  cause?: unknown;
}

/**
 * Decides what a failed IMAP session means (EmailEngine's split): `reauth` when the server refused
 * the credentials, `transient` for the network, TLS, timeouts and server unavailability (retry with
 * backoff), `permanent` for a refusal retrying cannot fix (missing mailbox, no permission).
 */
export function classifyImapError(err: unknown): FailureKind {
  if (err instanceof MailboxError) return err.kind;
  const e = (err ?? {}) as ErrorShape;
  const code = e.code ?? '';
  const responseCode = (e.serverResponseCode ?? '').toUpperCase();
  const text = `${e.responseText ?? ''} ${e.message ?? ''}`;
  if (e.authenticationFailed || REAUTH_RESPONSE_CODES.has(responseCode) || /\bNO \[(AUTHENTICATIONFAILED|AUTHORIZATIONFAILED)\]/i.test(text)) return 'reauth';
  if (responseCode === 'UNAVAILABLE') return 'transient';
  if (PERMANENT_RESPONSE_CODES.has(responseCode)) return 'permanent';
  if (NETWORK_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return 'transient';
  if (e.cause && e.cause !== err) return classifyImapError(e.cause);
  // Unknown failures are retried with backoff: marking a channel for re-authorization on a guess would
  // page an administrator for nothing.
  return 'transient';
}
