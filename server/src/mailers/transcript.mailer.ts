import type { LeadmailEmail } from '../channels/email/send/leadmail-payload.js';
import { escapeHtml } from './html.js';

export interface TranscriptLine {
  sender: string;
  at: Date;
  content: string;
  attachments: string[];
}

export interface TranscriptInput {
  sender: string;
  to: string;
  displayId: number;
  lines: TranscriptLine[];
}

const stamp = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const attached = (l: TranscriptLine) => (l.attachments.length ? `[attachments: ${l.attachments.join(', ')}]` : '');

/** Chatwoot's conversation transcript: every public message, oldest first, with who wrote it and when. */
export function transcriptEmail(i: TranscriptInput): LeadmailEmail {
  return {
    from: i.sender,
    to: [i.to],
    subject: `[#${i.displayId}] Conversation Transcript`,
    text: i.lines.map((l) => [`${l.sender} (${stamp(l.at)}):`, l.content, attached(l)].filter(Boolean).join('\n')).join('\n\n') + '\n',
    html: i.lines
      .map((l) => `<p><strong>${escapeHtml(l.sender)}</strong> <small>${stamp(l.at)}</small><br>${escapeHtml(l.content).replace(/\n/g, '<br>')}${l.attachments.length ? `<br><em>${escapeHtml(attached(l))}</em>` : ''}</p>`)
      .join('\n'),
  };
}
