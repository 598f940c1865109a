import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment as MailAttachment, type HeaderValue, type ParsedMail } from 'mailparser';
import { detectExtension } from 'nodemailer/lib/mime-funcs/mime-types.js';
import { htmlToPlainText } from '../../../lib/html-text.js';
import { CONNECTION_CHECK_HEADER } from '../checks/round-trip.check.js';

export interface EmailAddress {
  address: string;
  name: string;
}

export interface EmailPart {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
}

/** An inbound email reduced to what ingestion needs; strings are safe to store (no NUL bytes). */
export interface ParsedEmail {
  /** The Message-ID with angle brackets, or a stable one synthesised from the header block. */
  messageId: string;
  messageIdSynthesised: boolean;
  subject: string;
  date: Date | null;
  from: EmailAddress[];
  replyTo: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  /** Envelope recipients a server recorded (Delivered-To, X-Original-To): where a reply+uuid alias shows up. */
  deliveredTo: string[];
  inReplyTo: string[];
  references: string[];
  text: { full: string | null; reply: string | null; quoted: string | null };
  html: { full: string | null; reply: string | null; quoted: string | null };
  autoReply: boolean;
  bounce: boolean;
  /** The inbox wizard's own round-trip test message. */
  connectionCheck: boolean;
  attachments: EmailPart[];
}

export const SYNTHESISED_ID_DOMAIN = 'synthesised.leadchat.invalid';

/** Parses raw MIME; throws only when mailparser cannot read it at all. */
export async function parseEmail(raw: Buffer): Promise<ParsedEmail> {
  // keepCidLinks: inline images stay `cid:` references resolved through attachment rows, not data: URIs in the HTML.
  const mail = await simpleParser(raw, { keepCidLinks: true, skipTextToHtml: true });
  const html = typeof mail.html === 'string' ? clean(mail.html) : null;
  const text = mail.text ? clean(mail.text) : null;
  const headerId = mail.messageId ? messageIds(mail.messageId)[0] : undefined;
  const [htmlReply, htmlQuoted] = html ? splitHtmlQuote(html) : [null, null];
  const [textReply, textQuoted] = text ? splitTextQuote(text) : [null, null];
  // mailparser renders text from HTML only for a message that is nothing but HTML; an HTML body with
  // attachments comes without, and would leave the message without searchable or previewable text.
  const plain = text ? { full: text, reply: textReply, quoted: textQuoted } : html ? renderedText(html, htmlReply, htmlQuoted) : { full: null, reply: null, quoted: null };
  const from = addresses(mail.from);
  return {
    messageId: headerId ?? `<${createHash('sha256').update(headerBlock(raw)).digest('hex').slice(0, 40)}@${SYNTHESISED_ID_DOMAIN}>`,
    messageIdSynthesised: !headerId,
    subject: clean(mail.subject ?? ''),
    // mailparser stands in "now" for a missing Date; only a real header is worth recording.
    date: mail.headers.has('date') && mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null,
    from,
    replyTo: addresses(mail.replyTo),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    bcc: addresses(mail.bcc),
    deliveredTo: ['delivered-to', 'x-original-to'].flatMap((h) => headerStrings(mail, h)).map((a) => a.replace(/[<>\s]/g, '').toLowerCase()),
    inReplyTo: messageIds(mail.inReplyTo ?? ''),
    references: messageIds([mail.references ?? []].flat().join(' ')),
    text: plain,
    html: { full: html, reply: htmlReply, quoted: htmlQuoted },
    autoReply: isAutoReply(mail),
    bounce: isBounce(mail, from),
    connectionCheck: mail.headers.has(CONNECTION_CHECK_HEADER.toLowerCase()),
    attachments: mail.attachments.map((a, i) => part(a, i, html)),
  };
}

function renderedText(html: string, reply: string | null, quoted: string | null): ParsedEmail['text'] {
  const render = (h: string | null) => (h === null ? null : clean(htmlToPlainText(h)).trim() || null);
  return { full: render(html), reply: render(reply), quoted: render(quoted) };
}

/** `<a@b> <c@d>` -> ['<a@b>', '<c@d>']; a bare id gets its brackets back. */
export function messageIds(value: string): string[] {
  const ids = value.match(/<[^<>\s]+>/g);
  if (ids) return [...new Set(ids)];
  const bare = value.trim();
  return bare && !/\s/.test(bare) ? [`<${bare}>`] : [];
}

/** RFC 3834 and the de-facto headers of vacation responders and list software. */
function isAutoReply(mail: ParsedMail): boolean {
  const header = (name: string) => headerStrings(mail, name)[0]?.trim().toLowerCase();
  const autoSubmitted = header('auto-submitted');
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (mail.headers.has('x-autoreply') || mail.headers.has('x-autorespond')) return true;
  return ['auto_reply', 'bulk', 'junk'].includes(header('precedence') ?? '');
}

function isBounce(mail: ParsedMail, from: EmailAddress[]): boolean {
  const type = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type?.value?.toLowerCase() === 'multipart/report' && type.params?.['report-type']?.toLowerCase() === 'delivery-status') return true;
  return from.some((a) => /^(mailer-daemon|postmaster)@/i.test(a.address));
}

function part(a: MailAttachment, index: number, html: string | null): EmailPart {
  const contentId = a.cid ? clean(a.cid.replace(/^<|>$/g, '')) : null;
  // An image referenced as cid: from the HTML is inline whatever its Content-Disposition says (or lacks).
  const referenced = !!contentId && !!html?.includes(`cid:${contentId}`);
  const contentType = (a.contentType || 'application/octet-stream').toLowerCase();
  return {
    filename: clean(a.filename?.trim() || `attachment-${index + 1}.${contentType === 'message/rfc822' ? 'eml' : detectExtension(contentType)}`),
    contentType,
    content: a.content,
    contentId,
    inline: referenced || a.contentDisposition === 'inline' || (!!contentId && !!a.related),
  };
}

function addresses(value: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const flat = (list: AddressObject['value']): EmailAddress[] =>
    list.flatMap((a) => (a.group ? flat(a.group) : a.address ? [{ address: clean(a.address).toLowerCase(), name: clean(a.name ?? '') }] : []));
  return [value ?? []].flat().flatMap((o) => flat(o.value));
}

function headerStrings(mail: ParsedMail, name: string): string[] {
  const value: HeaderValue | undefined = mail.headers.get(name);
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.map((v) => (typeof v === 'string' ? v : typeof v === 'object' && v && 'text' in v ? String(v.text) : String(v)));
}

/** The header block as received: what a missing Message-ID is derived from, so a re-fetch derives the same one. */
function headerBlock(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const lfEnd = raw.indexOf('\n\n');
  const cut = [end, lfEnd].filter((i) => i >= 0);
  return cut.length ? raw.subarray(0, Math.min(...cut)) : raw;
}

/** Postgres text and jsonb cannot hold NUL; some mailers put them in headers. */
function clean(s: string): string {
  return s.replace(/\u0000/g, '');
}

const TEXT_QUOTE_MARKERS = [
  /^On\b[^\n]*(\n[^\n]*)?\bwrote:\s*$/m,
  /^-{2,}\s*Original Message\s*-{2,}\s*$/im,
  /^_{10,}\s*\n(From|De|Von|Da):/m,
  /^(From|De|Von|Da): [^\n]+\n(Sent|Date|Envoyé|Gesendet|Inviato): /m,
];

/** Splits the new text from the quoted history (Gmail, Apple Mail, Outlook and `>` quoting). */
export function splitTextQuote(text: string): [string, string | null] {
  const starts = TEXT_QUOTE_MARKERS.map((re) => re.exec(text)?.index ?? -1).filter((i) => i > 0);
  const trailingQuote = /(\n>[^\n]*)+\s*$/.exec(text);
  if (trailingQuote && trailingQuote.index > 0) starts.push(trailingQuote.index + 1);
  if (!starts.length) return [text.trim(), null];
  const at = Math.min(...starts);
  return [text.slice(0, at).trim(), text.slice(at).trim()];
}

const HTML_QUOTE_MARKERS = [
  /<div[^>]+class="?gmail_quote/i,
  /<blockquote/i,
  /<div[^>]+id="?(appendonsend|divRplyFwdMsg)/i,
  /<hr[^>]+id="?stopSpelling/i,
  /<div[^>]+class="?moz-cite-prefix/i,
  /<div[^>]+style="?border:none;\s*border-top:solid #E1E1E1/i,
];

export function splitHtmlQuote(html: string): [string, string | null] {
  const starts = HTML_QUOTE_MARKERS.map((re) => re.exec(html)?.index ?? -1).filter((i) => i > 0);
  if (!starts.length) return [html, null];
  const at = Math.min(...starts);
  return [html.slice(0, at), html.slice(at)];
}
