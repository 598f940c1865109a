import { imapTlsOptions, smtpTlsOptions, type ExtensionContext } from '../../../../server/src/extensions/index.js';

export type MailServerConfig = Pick<
  ExtensionContext['config'],
  'MICROSOFT_IMAP_HOST' | 'MICROSOFT_IMAP_PORT' | 'MICROSOFT_IMAP_TLS' | 'MICROSOFT_SMTP_HOST' | 'MICROSOFT_SMTP_PORT' | 'MICROSOFT_SMTP_TLS'
>;

/** The settings that hold each server, named in the hints when a connection fails. */
export const IMAP_SETTINGS = { host: 'MICROSOFT_IMAP_HOST', port: 'MICROSOFT_IMAP_PORT', tls: 'MICROSOFT_IMAP_TLS' };
export const SMTP_SETTINGS = { host: 'MICROSOFT_SMTP_HOST', port: 'MICROSOFT_SMTP_PORT', tls: 'MICROSOFT_SMTP_TLS' };

/**
 * Exchange Online's IMAP and SMTP as this installation configures them, read at every call so a
 * config change applies to existing channels. The provider, the access verifier and the channel's
 * columns all take them from here, so the wizard checks exactly what fetching and sending will use.
 */
export function imapServer(config: MailServerConfig): { host: string; port: number; secure: boolean } {
  return { host: config.MICROSOFT_IMAP_HOST, port: config.MICROSOFT_IMAP_PORT, ...imapTlsOptions(config.MICROSOFT_IMAP_TLS) };
}

export function smtpServer(config: MailServerConfig): { host: string; port: number; secure: boolean; requireTLS: boolean } {
  return { host: config.MICROSOFT_SMTP_HOST, port: config.MICROSOFT_SMTP_PORT, ...smtpTlsOptions(config.MICROSOFT_SMTP_TLS) };
}
