import type { LeadmailEmail } from '../channels/email/send/leadmail-payload.js';
import { escapeHtml } from './html.js';

export interface NotificationEmailInput {
  sender: string;
  to: string;
  name: string;
  /** The notification's one-line title (Chatwoot's `push_message_title`). */
  title: string;
  /** The message it is about, if any (a customer's reply, the note with the mention). */
  excerpt: string | null;
  link: string;
}

/** A conversation notification by email (Chatwoot's agent notifications mailer): the title, the excerpt, a link. */
export function notificationEmail(i: NotificationEmailInput): LeadmailEmail {
  return {
    from: i.sender,
    to: [i.to],
    subject: i.title,
    text: `Hi ${i.name},\n\n${i.title}\n${i.excerpt ? `\n${i.excerpt}\n` : ''}\nOpen the conversation: ${i.link}\n`,
    html: `<p>Hi ${escapeHtml(i.name)},</p>\n<p>${escapeHtml(i.title)}</p>\n${i.excerpt ? `<blockquote>${escapeHtml(i.excerpt).replace(/\n/g, '<br>')}</blockquote>\n` : ''}<p><a href="${escapeHtml(i.link)}">Open the conversation</a></p>`,
  };
}
