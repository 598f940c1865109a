import type { ImapFlow } from 'imapflow';
import type { ImapAccess } from '../../../extensions/types.js';
import { AppError, ValidationError, type FieldError } from '../../../lib/errors.js';
import { IMPLICIT_TLS_PORT } from '../../../lib/mail-tls.js';
import type { Logger } from '../../../lib/logger.js';
import { imapClient, type ImapTimeouts } from '../receive/imap-client.js';
import { classifyImapError } from '../receive/imap-error-classifier.js';
import { describeConnectionFailure, type ConnectionFault } from './connection-failure.js';

/** Short enough that the wizard never hangs on a dead host; a healthy server answers in well under a second. */
const CHECK_TIMEOUTS: ImapTimeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

const FIELD_BY_FAULT: Record<ConnectionFault, string> = {
  host: 'channel.imap_address',
  port: 'channel.imap_port',
  tls: 'channel.imap_enable_ssl',
  certificate: 'channel.imap_enable_ssl',
};

export interface ImapCheckDetails {
  messages: number;
  uidvalidity: number;
  capabilities: string[];
}

interface ImapFailure {
  serverResponseCode?: string;
  responseText?: string;
  message?: string;
  tlsFailed?: boolean;
}

/** The server's own words, with its RFC 5530 code: `[AUTHENTICATIONFAILED] Authentication failed.` */
function serverWords(err: ImapFailure): string {
  const text = err.responseText || err.message || 'no reason given';
  return err.serverResponseCode ? `[${err.serverResponseCode}] ${text}` : text;
}

/**
 * The field an administrator must fix for a failed IMAP session, with the server's words. `phase` says
 * whether the failure came before the session was logged in (connect, TLS, login) or after it.
 */
export function imapProblem(err: unknown, access: ImapAccess, phase: 'connect' | 'session'): FieldError {
  const e = (err ?? {}) as ImapFailure;
  if (classifyImapError(err) === 'reauth') return { path: 'channel.imap_password', message: `Authentication failed: ${serverWords(e)}` };
  const connection = describeConnectionFailure(err, { host: access.host, port: access.port, secure: access.secure, tlsPort: IMPLICIT_TLS_PORT.imap });
  if (connection) {
    const hint = connection.fault === 'certificate' ? ' — use the host name your provider publishes for IMAP, whose certificate is publicly trusted' : '';
    return { path: FIELD_BY_FAULT[connection.fault], message: connection.message + hint };
  }
  if (e.tlsFailed) {
    return { path: 'channel.imap_enable_ssl', message: `${access.host}:${access.port} does not offer STARTTLS, and LeadChat never logs in unencrypted — turn SSL/TLS on (usually port ${IMPLICIT_TLS_PORT.imap})` };
  }
  if (phase === 'session') return { path: 'channel.imap_login', message: `Logged in, but ${access.mailbox ?? 'INBOX'} could not be used: ${serverWords(e)}` };
  return { path: 'channel.imap_address', message: `IMAP at ${access.host}:${access.port} failed: ${serverWords(e)}` };
}

/**
 * Runs `fn` in a logged-in session with the wizard's timeouts and logs out; every failure becomes a
 * 422 naming the field to fix (an AppError that `fn` throws, e.g. from the SMTP leg, passes through).
 * The client is closed after a failed connect, or its socket lingers (and Dovecot counts it).
 */
export async function withImapSession<T>(access: ImapAccess, logger: Logger, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = imapClient(access, logger, { idle: false, timeouts: CHECK_TIMEOUTS });
  // imapflow also emits socket errors as events; the awaited call reports them to the administrator.
  client.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, 'IMAP check connection error'));
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw new ValidationError([imapProblem(err, access, 'connect')]);
  }
  try {
    return await fn(client);
  } catch (err) {
    throw err instanceof AppError ? err : new ValidationError([imapProblem(err, access, 'session')]);
  } finally {
    if (client.usable) await client.logout().catch(() => client.close());
    else client.close();
  }
}

/** The `imap` leg: connect, log in, open the mailbox read-only (as the fetch will) and say what is there. */
export async function checkImap(access: ImapAccess, logger: Logger): Promise<ImapCheckDetails> {
  return withImapSession(access, logger, async (client) => {
    const mailbox = await client.mailboxOpen(access.mailbox ?? 'INBOX', { readOnly: true });
    return { messages: mailbox.exists, uidvalidity: Number(mailbox.uidValidity), capabilities: [...client.capabilities.keys()] };
  });
}
