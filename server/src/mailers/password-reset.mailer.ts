import type { LeadmailEmail } from '../channels/email/send/leadmail-payload.js';
import { escapeHtml } from './html.js';

export interface PasswordResetInput {
  sender: string;
  to: string;
  name: string;
  link: string;
}

export function passwordResetEmail(i: PasswordResetInput): LeadmailEmail {
  return {
    from: i.sender,
    to: [i.to],
    subject: 'Reset your password',
    text: `Hi ${i.name},\n\nSomeone asked to reset your LeadChat password. Choose a new one here (the link works once, for 2 hours):\n${i.link}\n\nIf it was not you, ignore this email: your password stays as it is.\n`,
    html: `<p>Hi ${escapeHtml(i.name)},</p>\n<p>Someone asked to reset your LeadChat password. <a href="${escapeHtml(i.link)}">Choose a new one</a> (the link works once, for 2 hours).</p>\n<p>If it was not you, ignore this email: your password stays as it is.</p>`,
  };
}
