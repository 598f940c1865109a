import { MailboxError, type EmailChannel } from '../../../../server/src/extensions/index.js';

/**
 * The three ways a microsoft_shared inbox talks to its shared mailbox. One canonical id each, used
 * as registry key, `provider_config.transport` value and i18n key alike.
 */
export const TRANSPORTS = ['graph_full', 'imap_smtp', 'imap_leadmail'] as const;
export type Transport = (typeof TRANSPORTS)[number];

const OUTLOOK_IMAP = 'https://outlook.office.com/IMAP.AccessAsUser.All';
const OUTLOOK_SMTP = 'https://outlook.office.com/SMTP.Send';

/**
 * Graph and Outlook scopes belong to different audiences, so one token cannot carry both: each
 * transport asks for exactly the set it uses.
 */
export const SCOPES_BY_TRANSPORT: Record<Transport, readonly string[]> = {
  graph_full: ['offline_access', 'openid', 'profile', 'User.Read', 'Mail.ReadWrite.Shared', 'Mail.Send.Shared'],
  imap_smtp: ['offline_access', OUTLOOK_IMAP, OUTLOOK_SMTP],
  imap_leadmail: ['offline_access', OUTLOOK_IMAP],
};

export const TRANSPORT_LEGS: Record<Transport, { send: string; receive: string }> = {
  graph_full: { send: 'graph_send_mail', receive: 'graph_notifications' },
  imap_smtp: { send: 'smtp_xoauth2', receive: 'imap_xoauth2' },
  imap_leadmail: { send: 'leadmail', receive: 'imap_xoauth2' },
};

export function isTransport(value: unknown): value is Transport {
  return typeof value === 'string' && (TRANSPORTS as readonly string[]).includes(value);
}

/** The transport a shared inbox channel was connected with. */
export function transportOf(channel: Pick<EmailChannel, 'provider_config' | 'id'>): Transport {
  const transport = channel.provider_config?.transport;
  if (!isTransport(transport)) throw new MailboxError(`Shared inbox channel ${channel.id} has no valid transport in its provider_config`, 'permanent');
  return transport;
}
