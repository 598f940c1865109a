import type { LeadmailEmail } from '../channels/email/send/leadmail-payload.js';
import { escapeHtml } from './html.js';

export interface AutomationTeamEmailInput {
  sender: string;
  to: string[];
  teamName: string;
  displayId: number;
  subject: string | null;
  /** The rule's message to the team. */
  message: string;
  link: string;
}

/** Chatwoot's automation email to a team: the rule's message about a conversation, with a link to it. */
export function automationTeamEmail(i: AutomationTeamEmailInput): LeadmailEmail {
  const about = `[#${i.displayId}] ${i.subject || 'Conversation'}`;
  return {
    from: i.sender,
    to: i.to,
    subject: `${about} (for ${i.teamName})`,
    text: `${i.message}\n\n${about}\nOpen the conversation: ${i.link}\n`,
    html: `<p>${escapeHtml(i.message).replace(/\n/g, '<br>')}</p>\n<p>${escapeHtml(about)}</p>\n<p><a href="${escapeHtml(i.link)}">Open the conversation</a></p>`,
  };
}
