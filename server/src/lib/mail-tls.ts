/**
 * How an IMAP or SMTP connection is encrypted: `implicit` speaks TLS from the first byte (IMAPS,
 * SMTPS), `starttls` upgrades after the server's greeting. A port says nothing reliable about it
 * (a proxy or a test server listens wherever it likes), so it is a setting of its own; the port only
 * gives its default. STARTTLS is never optional: LeadChat does not log in unencrypted.
 */
export const TLS_MODES = ['implicit', 'starttls'] as const;
export type TlsMode = (typeof TLS_MODES)[number];
export type MailProtocol = 'imap' | 'smtp';

/** The ports the protocols' standards give to TLS from the first byte (RFC 8314). */
export const IMPLICIT_TLS_PORT: Record<MailProtocol, number> = { imap: 993, smtp: 465 };

/** The explicit mode when one is set, otherwise the port's conventional one. */
export function resolveTlsMode(protocol: MailProtocol, port: number, explicit?: TlsMode): TlsMode {
  return explicit ?? (port === IMPLICIT_TLS_PORT[protocol] ? 'implicit' : 'starttls');
}

/** ImapAccess's `secure` for the mode (the IMAP client then requires STARTTLS when it is false). */
export function imapTlsOptions(mode: TlsMode): { secure: boolean } {
  return { secure: mode === 'implicit' };
}

/** nodemailer's options for the mode. */
export function smtpTlsOptions(mode: TlsMode): { secure: boolean; requireTLS: boolean } {
  return { secure: mode === 'implicit', requireTLS: mode === 'starttls' };
}
