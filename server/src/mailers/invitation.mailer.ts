import type { LeadmailEmail } from '../channels/email/send/leadmail-payload.js';
import { escapeHtml } from './html.js';

export interface InvitationInput {
  sender: string;
  to: string;
  inviteeName: string;
  inviterName: string;
  accountName: string;
  /** `FRONTEND_URL/auth/password/edit?reset_password_token=...`, or the profile page for an existing user */
  link: string;
}

interface InvitationWording {
  greeting: string;
  /** The call to action in plain text, before the link on its own line. */
  text: string;
  /** The same in HTML, given the link as an anchor. */
  html: (anchor: (words: string) => string) => string;
  footer?: string;
}

function compose(i: InvitationInput, w: InvitationWording): LeadmailEmail {
  const intro = `${i.inviterName} has invited you to join ${i.accountName} on LeadChat.`;
  const footer = w.footer ? [`\n${w.footer}\n`, `\n<p>${escapeHtml(w.footer)}</p>`] : ['', ''];
  return {
    from: i.sender,
    to: [i.to],
    subject: `You have been invited to join ${i.accountName}`,
    text: `${w.greeting}\n\n${intro}\n\n${w.text}\n${i.link}\n${footer[0]}`,
    html: `<p>${escapeHtml(w.greeting)}</p>\n<p>${escapeHtml(intro)}</p>\n<p>${w.html((words) => `<a href="${escapeHtml(i.link)}">${words}</a>`)}</p>${footer[1]}`,
  };
}

/** Chatwoot's "You have been invited": the link lets the new agent set a password. */
export function invitationEmail(i: InvitationInput): LeadmailEmail {
  return compose(i, {
    greeting: `Hi ${i.inviteeName},`,
    text: 'Set your password to get started (the link works once, for 7 days):',
    html: (a) => `${a('Set your password')} to get started (the link works once, for 7 days).`,
  });
}

/** For someone who already uses LeadChat: they join only once they accept, signed in, from their profile. */
export function existingUserInvitationEmail(i: InvitationInput): LeadmailEmail {
  return compose(i, {
    greeting: 'Hi,',
    text: 'Sign in and accept the invitation on your profile:',
    html: (a) => `${a('Sign in and accept the invitation')} on your profile.`,
    footer: 'If you do not know this account, ignore this email: nothing changes until you accept.',
  });
}
