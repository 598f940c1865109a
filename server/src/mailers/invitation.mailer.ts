import type { LeadmailEmail } from '../channels/email/send/leadmail-payload.js';
import { escapeHtml } from './html.js';

export interface InvitationInput {
  sender: string;
  to: string;
  inviteeName: string;
  inviterName: string;
  accountName: string;
  /** `FRONTEND_URL/auth/password/edit?reset_password_token=...` */
  link: string;
}

/** Chatwoot's "You have been invited": the link lets the new agent set a password. */
export function invitationEmail(i: InvitationInput): LeadmailEmail {
  const intro = `${i.inviterName} has invited you to join ${i.accountName} on LeadChat.`;
  return {
    from: i.sender,
    to: [i.to],
    subject: `You have been invited to join ${i.accountName}`,
    text: `Hi ${i.inviteeName},\n\n${intro}\n\nSet your password to get started (the link works once, for 7 days):\n${i.link}\n`,
    html: `<p>Hi ${escapeHtml(i.inviteeName)},</p>\n<p>${escapeHtml(intro)}</p>\n<p><a href="${escapeHtml(i.link)}">Set your password</a> to get started (the link works once, for 7 days).</p>`,
  };
}
