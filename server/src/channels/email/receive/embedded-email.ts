import { simpleParser, type Attachment as MailAttachment } from 'mailparser';
import { addresses, capped, clean, type EmailAddress } from './header-values.js';
import { rawTextFallback } from './raw-text-fallback.js';

/** A forwarded email (message/rfc822) as the agent reads it inline: headers, text, its files and its own forwards. */
export interface EmbeddedEmail {
  from: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  subject: string;
  date: string | null;
  text: string;
  attachments: { filename: string; content_type: string; byte_size: number }[];
  embedded: EmbeddedEmail[];
}

const MAX_DEPTH = 3;
const MAX_PER_LEVEL = 10;
const MAX_TEXT_CHARS = 100_000;

export const isEmbeddedEmail = (a: Pick<MailAttachment, 'contentType'>) => /^message\/(rfc822|global)$/i.test(a.contentType || '');

/** Reads the message/rfc822 parts among `parts`, recursively; one that cannot be read is left to its download. */
export async function embeddedEmails(parts: MailAttachment[], depth = 1): Promise<EmbeddedEmail[]> {
  if (depth > MAX_DEPTH) return [];
  const found = parts.filter(isEmbeddedEmail).slice(0, MAX_PER_LEVEL);
  const read = await Promise.all(found.map((p) => readEmbedded(p.content, depth).catch(() => null)));
  return read.filter((e): e is EmbeddedEmail => e !== null);
}

async function readEmbedded(raw: Buffer, depth: number): Promise<EmbeddedEmail> {
  // mailparser writes a text version of HTML-only mail, which is all this view shows (no remote content).
  const mail = await simpleParser(raw, { keepCidLinks: true });
  const text = clean(mail.text ?? '').trim() || (mail.attachments.length || mail.html ? '' : rawTextFallback(raw) ?? '');
  return {
    from: addresses(mail.from),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    subject: capped(clean(mail.subject ?? '')),
    date: mail.headers.has('date') && mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : null,
    text: text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS)}…` : text,
    attachments: mail.attachments.filter((a) => !isEmbeddedEmail(a)).map((a) => ({ filename: clean(a.filename ?? ''), content_type: (a.contentType || 'application/octet-stream').toLowerCase(), byte_size: a.size })),
    embedded: await embeddedEmails(mail.attachments, depth + 1),
  };
}

/** What the message shows (and the conversation list previews) when the forward is the whole email. */
export function forwardedText(e: EmbeddedEmail): string {
  const who = (list: EmailAddress[]) => list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');
  const head = [
    '---------- Forwarded message ----------',
    e.from.length ? `From: ${who(e.from)}` : null,
    e.date ? `Date: ${e.date}` : null,
    `Subject: ${e.subject}`,
    e.to.length ? `To: ${who(e.to)}` : null,
  ].filter((l): l is string => l !== null);
  const body = e.text || e.embedded.map(forwardedText).join('\n\n');
  return `${head.join('\n')}\n\n${body}`.trim();
}
