import nodemailer from 'nodemailer';
import { DeliveryError } from '../../../lib/errors.js';
import type { DeliveryMethod } from '../../../extensions/types.js';

/** What an email provider's outbound route gives the `smtp` delivery (the imap provider builds it from the channel's columns). */
export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (465); otherwise `requireTLS` demands STARTTLS. */
  secure?: boolean;
  requireTLS?: boolean;
  rejectUnauthorized?: boolean;
  /** `LOGIN`, `PLAIN`, `CRAM-MD5`; ignored for XOAUTH2. */
  authMethod?: string;
  auth?: { user: string; pass: string } | { user: string; accessToken: string };
  /** EHLO name. */
  domain?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'EDNS', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE']);

export type SmtpFailure = Error & { code?: string; responseCode?: number; response?: string };

/**
 * EmailEngine's rule for SMTP: 534/535 (credentials refused) need a reconnect; other 5xx replies are
 * the message's or the account's fault and a retry cannot help; 4xx replies and network trouble are
 * transient. An auth failure without a reply code (nodemailer's EAUTH) is treated as credentials too.
 */
export function classifySmtpError(err: SmtpFailure): DeliveryError {
  const text = (err.response ?? err.message).trim();
  const code = err.responseCode;
  if (code === 534 || code === 535) return new DeliveryError(text, 'reauth', { cause: err });
  if (code && code >= 500) return new DeliveryError(text, 'permanent', { cause: err });
  if (code && code >= 400) return new DeliveryError(text, 'transient', { cause: err });
  if (err.code === 'EAUTH') return new DeliveryError(text, 'reauth', { cause: err });
  // Certificates and protocol mismatches are configuration (nodemailer reports some as ESOCKET): retrying sends nothing.
  if (err.code === 'ETLS' || err.code === 'EPROTOCOL' || /certificate/i.test(text)) return new DeliveryError(text, 'permanent', { cause: err });
  if (err.code && NETWORK_CODES.has(err.code)) return new DeliveryError(text, 'transient', { cause: err });
  return new DeliveryError(text, 'transient', { cause: err });
}

export interface SmtpTimeouts {
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
}

const DELIVERY_TIMEOUTS: SmtpTimeouts = { connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000 };

/** The nodemailer transport for an outbound route's settings: replies use it, and so do the inbox wizard's checks (shorter timeouts). */
export function smtpTransport(s: SmtpSettings, timeouts: SmtpTimeouts = DELIVERY_TIMEOUTS) {
  const auth = s.auth && 'accessToken' in s.auth ? { type: 'OAuth2' as const, user: s.auth.user, accessToken: s.auth.accessToken } : s.auth;
  return nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure ?? false,
    requireTLS: s.requireTLS ?? false,
    tls: { rejectUnauthorized: s.rejectUnauthorized ?? true },
    auth,
    authMethod: auth && !('type' in auth) ? s.authMethod : undefined,
    name: s.domain,
    ...timeouts,
  });
}

/** `smtp`: sends the prebuilt message as is (`raw`), so headers are exactly what the reply mailer built. */
export const smtpDelivery: DeliveryMethod = {
  id: 'smtp',
  async deliver({ raw, envelope, settings }) {
    const transport = smtpTransport(settings as unknown as SmtpSettings);
    try {
      await transport.sendMail({ envelope, raw });
      return {};
    } catch (err) {
      throw classifySmtpError(err as SmtpFailure);
    } finally {
      transport.close();
    }
  },
};
