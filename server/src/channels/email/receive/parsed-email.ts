import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type MailParserOptions, type Attachment as MailAttachment, type HeaderValue, type ParsedMail } from 'mailparser';
import { detectExtension } from 'nodemailer/lib/mime-funcs/mime-types.js';
import { htmlToPlainText } from '../../../lib/html-text.js';
import { CONNECTION_CHECK_HEADER } from '../checks/round-trip.check.js';
import { classifyMail, type MailClass } from './mail-classifier.js';
import { embeddedEmails, forwardedText, type EmbeddedEmail } from './embedded-email.js';
import { addresses, capped, clean, type EmailAddress } from './header-values.js';
import { rawTextFallback } from './raw-text-fallback.js';
import { PlausibleCharsetDecoder, utf8Headers } from './charset-fallback.js';

export type { EmailAddress };

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
  /** What kind of email it is (see MAIL_CLASS_POLICY), and the signal that decided. */
  mailClass: MailClass;
  classSignal: string;
  /** Set when From names no usable address: where the sender was taken from instead. */
  senderFallback: SenderFallback | null;
  /** The inbox wizard's own round-trip test message. */
  connectionCheck: boolean;
  attachments: EmailPart[];
  /** Where `text` came from when the parser found none of its own: the forward that is the whole email, or the raw MIME. */
  textSource: 'parsed' | 'forward' | 'raw';
  /** Forwarded emails (message/rfc822 parts, or the whole email) read for inline display, recursively. */
  embedded: EmbeddedEmail[];
}

export interface SenderFallback {
  source: 'sender' | 'reply_to' | 'return_path' | 'unknown';
  /** The address used instead; null when no header names one (an "Unknown sender" contact). */
  address: EmailAddress | null;
  /** The From header as received, for the agent to see what was wrong with it. */
  fromHeader: string;
}

/**
 * The address a From display name claims when it differs from the real one (`"alice@example.com"
 * <bob@evil.test>`): the classic way to pass for someone else in a mail client that shows names only.
 */
export function impersonatedAddress(from: EmailAddress | undefined): string | null {
  if (!from) return null;
  const claimed = from.name.match(/[^\s<>()"',;:]+@[^\s<>()"',;:]+\.[^\s<>()"',;:]+/g) ?? [];
  return claimed.map((a) => a.toLowerCase()).find((a) => a !== from.address) ?? null;
}


export const SYNTHESISED_ID_DOMAIN = 'synthesised.leadchat.invalid';

/** Parses raw MIME; throws only when mailparser cannot read it at all. */
export async function parseEmail(raw: Buffer): Promise<ParsedEmail> {
  // keepCidLinks: inline images stay `cid:` references resolved through attachment rows, not data: URIs in the HTML.
  // mailparser constructs `Iconv` per part (its typings call it a stream instance).
  const Iconv = PlausibleCharsetDecoder as unknown as MailParserOptions['Iconv'];
  // The raw as received stays what is stored and what a synthesised Message-ID is derived from.
  const normalised = normaliseLineEndings(raw);
  const mail = await simpleParser(utf8Headers(normalised), { keepCidLinks: true, skipTextToHtml: true, Iconv });
  const html = typeof mail.html === 'string' ? clean(mail.html) : null;
  const embedded = await embeddedEmails(mail.attachments);
  // A forward that is the whole email (top-level message/rfc822) has no text of its own; the forward is its text.
  const ownText = mail.text?.trim() ? clean(mail.text) : null;
  const nothingRead = !ownText && !html && !mail.attachments.length;
  const forward = !ownText && !html && embedded.length ? embedded.map(forwardedText).join('\n\n') : null;
  const fromRaw = nothingRead ? rawTextFallback(normalised) : null;
  const text = ownText ?? forward ?? fromRaw;
  const textSource = ownText ? 'parsed' : forward ? 'forward' : fromRaw ? 'raw' : 'parsed';
  const headerId = mail.messageId ? messageIds(mail.messageId)[0] : undefined;
  const [htmlReply, htmlQuoted] = html ? splitHtmlQuote(html) : [null, null];
  // A forward's own headers would read as a quoted reply: it is all the new content there is.
  const [textReply, textQuoted] = ownText ? splitTextQuote(ownText) : [text, null];
  // mailparser renders text from HTML only for a message that is nothing but HTML; an HTML body with
  // attachments comes without, and would leave the message without searchable or previewable text.
  const plain = text ? { full: text, reply: textReply, quoted: textQuoted } : html ? renderedText(html, htmlReply, htmlQuoted) : { full: null, reply: null, quoted: null };
  // An address without a domain cannot be answered: such a From is as good as none.
  const from = addresses(mail.from).filter((a) => a.address.includes('@'));
  const subject = capped(clean(mail.subject ?? ''));
  const contentType = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const headers = rawHeaders(mail);
  const { mailClass, signal } = classifyMail({
    headers,
    subject,
    from: from[0]?.address ?? null,
    contentType: contentType?.value?.toLowerCase() ?? 'text/plain',
    reportType: contentType?.params?.['report-type']?.toLowerCase() ?? null,
    parts: mail.attachments.map((a) => ({ contentType: (a.contentType || '').toLowerCase(), filename: a.filename ?? '', content: a.size < 1_000_000 ? a.content : undefined })),
    raw: normalised.subarray(0, 512 * 1024).toString('latin1'),
  });
  return {
    messageId: headerId ?? `<${createHash('sha256').update(headerBlock(raw)).digest('hex').slice(0, 40)}@${SYNTHESISED_ID_DOMAIN}>`,
    messageIdSynthesised: !headerId,
    subject,
    // mailparser stands in "now" for a missing Date; only a real header is worth recording.
    date: mail.headers.has('date') && mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null,
    from,
    replyTo: addresses(mail.replyTo),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    bcc: addresses(mail.bcc),
    deliveredTo: ['delivered-to', 'x-original-to'].flatMap((h) => headerStrings(mail, h)).map((a) => a.replace(/[<>\s]/g, '').toLowerCase()),
    inReplyTo: messageIds(mail.inReplyTo ?? ''),
    references: [...new Set([...messageIds([mail.references ?? []].flat().join(' ')), ...(REPORTS_ON_A_MESSAGE.has(mailClass) ? reportedMessageIds(mail, raw) : [])])],
    text: plain,
    html: { full: html, reply: htmlReply, quoted: htmlQuoted },
    mailClass,
    classSignal: signal,
    senderFallback: from.length ? null : senderFallback(mail, headers.get('from')?.[0] ?? ''),
    connectionCheck: mail.headers.has(CONNECTION_CHECK_HEADER.toLowerCase()),
    attachments: mail.attachments.map((a, i) => part(a, i, html)),
    textSource,
    embedded,
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

/** Classes that report on one of our emails: they belong in that email's conversation. */
const REPORTS_ON_A_MESSAGE = new Set<MailClass>(['bounce', 'delivery_delay', 'read_receipt']);

/**
 * The Message-ID of the email a DSN or MDN reports on (the returned message or its headers, an MDN's
 * Original-Message-ID): bounces carry no threading headers of their own, but this finds the thread.
 */
function reportedMessageIds(mail: ParsedMail, raw: Buffer): string[] {
  const returned = mail.attachments
    .filter((a) => /^(message\/rfc822|text\/rfc822-headers|message\/global(-headers)?)$/i.test(a.contentType || ''))
    .map((a) => /^message-id:\s*(<[^>\s]+>)/im.exec(a.content.subarray(0, 64 * 1024).toString('latin1').split(/\r?\n\r?\n/)[0])?.[1]);
  const original = /^original-message-id:\s*(<[^>\s]+>)/im.exec(raw.subarray(0, 512 * 1024).toString('latin1'))?.[1];
  return [...returned, original].filter((id): id is string => !!id);
}

/**
 * Old Mac mailers end lines with a bare CR: the parser then sees one endless header line and no body.
 * Only a message without any LF is rewritten, so binary parts of ordinary mail are never touched.
 */
function normaliseLineEndings(raw: Buffer): Buffer {
  if (raw.includes(0x0a) || !raw.includes(0x0d)) return raw;
  return Buffer.from(raw.toString('latin1').replace(/\r/g, '\r\n'), 'latin1');
}

/** The first usable address of Sender, Reply-To, then Return-Path (`<>`, the bounce sender, names none). */
function senderFallback(mail: ParsedMail, rawFrom: string): SenderFallback {
  const fromHeader = capped(clean(rawFrom));
  const candidates: [SenderFallback['source'], AddressObject | AddressObject[] | undefined][] = [
    ['sender', mail.headers.get('sender') as AddressObject | undefined],
    ['reply_to', mail.replyTo],
    ['return_path', mail.headers.get('return-path') as AddressObject | undefined],
  ];
  for (const [source, value] of candidates) {
    const address = typeof value === 'object' ? addresses(value).find((a) => a.address.includes('@')) : undefined;
    if (address) return { source, address, fromHeader };
  }
  return { source: 'unknown', address: null, fromHeader };
}

/** Header values as written (unfolded, not decoded), by lower-case name: what the classifier reads. */
function rawHeaders(mail: ParsedMail): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, line } of mail.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  return map;
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
