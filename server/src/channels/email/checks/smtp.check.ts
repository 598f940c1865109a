import type { SendMailOptions, Transporter } from 'nodemailer';
import { ValidationError, type FieldError } from '../../../lib/errors.js';
import { IMPLICIT_TLS_PORT } from '../../../lib/mail-tls.js';
import { classifySmtpError, smtpTransport, type SmtpFailure, type SmtpSettings, type SmtpTimeouts } from '../send/smtp.delivery.js';
import { describeConnectionFailure, type ConnectionFault } from './connection-failure.js';

/** Short enough that the wizard never hangs on a dead host; a healthy server answers in well under a second. */
const CHECK_TIMEOUTS: SmtpTimeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

const FIELD_BY_FAULT: Record<ConnectionFault, string> = {
  host: 'channel.smtp_address',
  port: 'channel.smtp_port',
  tls: 'channel.smtp_enable_ssl_tls',
  certificate: 'channel.smtp_openssl_verify_mode',
};

const CERTIFICATE_HINT = ' — use the host name its certificate was issued for, or set the verify mode to none only if you trust the network in between';

/**
 * The field an administrator must fix for a failed SMTP conversation, with the server's words.
 * `phase` is `send` when the login worked and the server refused the round trip's test message.
 */
export function smtpProblem(err: SmtpFailure, s: SmtpSettings, phase: 'verify' | 'send'): FieldError {
  const words = (err.response ?? err.message).trim();
  const where = `${s.host}:${s.port}`;
  if (classifySmtpError(err).kind === 'reauth') return { path: 'channel.smtp_password', message: `Authentication failed: ${words}` };
  const connection = describeConnectionFailure(err, { host: s.host, port: s.port, secure: s.secure ?? false, tlsPort: IMPLICIT_TLS_PORT.smtp });
  if (connection) return { path: FIELD_BY_FAULT[connection.fault], message: connection.message + (connection.fault === 'certificate' ? CERTIFICATE_HINT : '') };
  if (err.code === 'ETLS') {
    return { path: 'channel.smtp_enable_starttls_auto', message: `STARTTLS failed on ${where}: ${words} — if the server offers TLS on another port (usually ${IMPLICIT_TLS_PORT.smtp}), use that with SSL/TLS on` };
  }
  if (/STARTTLS/i.test(words)) return { path: 'channel.smtp_enable_starttls_auto', message: `The server wants STARTTLS before the login: ${words}` };
  if (err.code === 'EAUTH') return { path: 'channel.smtp_authentication', message: `The server refused the login method: ${words}` };
  if (phase === 'send') return { path: 'channel.email', message: `The SMTP server refused the test message: ${words}` };
  return { path: 'channel.smtp_address', message: `SMTP at ${where} failed: ${words}` };
}

async function withTransport<T>(s: SmtpSettings, phase: 'verify' | 'send', fn: (transport: Transporter) => Promise<T>): Promise<T> {
  const transport = smtpTransport(s, CHECK_TIMEOUTS);
  try {
    return await fn(transport);
  } catch (err) {
    throw new ValidationError([smtpProblem(err as SmtpFailure, s, phase)]);
  } finally {
    transport.close();
  }
}

/** The `smtp` leg: connect, TLS, log in (nodemailer's `verify()`), with the settings replies will use. */
export function checkSmtp(s: SmtpSettings): Promise<{ authenticated: boolean }> {
  return withTransport(s, 'verify', async (transport) => {
    await transport.verify();
    return { authenticated: Boolean(s.auth) };
  });
}

/** Sends one message with the same settings (the round trip's first half). */
export function sendTestMessage(s: SmtpSettings, message: SendMailOptions): Promise<void> {
  return withTransport(s, 'send', async (transport) => {
    await transport.sendMail(message);
  });
}
