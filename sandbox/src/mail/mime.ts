// Small raw-MIME edits the post office needs without re-encoding the message it was handed.
import crypto from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';

function split(raw: Buffer): { head: string; body: Buffer } {
  const text = raw.toString('latin1');
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf <= lf) ? crlf + 4 : lf >= 0 ? lf + 2 : text.length;
  return { head: text.slice(0, end), body: raw.subarray(end) };
}

/** Removes every occurrence of a header, folded continuation lines included. */
export function stripHeader(raw: Buffer, name: string): Buffer {
  const { head, body } = split(raw);
  const lines = head.split(/(?<=\n)/);
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && dropping) continue;
    dropping = line.toLowerCase().startsWith(`${name.toLowerCase()}:`);
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), body]);
}

export function prependHeader(raw: Buffer, name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(`${name}: ${value}\r\n`, 'latin1'), raw]);
}

export function newMessageId(domain: string): string {
  return `<${crypto.randomUUID()}@${domain}>`;
}

export interface MessageSummary {
  from: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
}

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : [])
    .flatMap((a) => a.value)
    .map((v) => (v.address ?? '').toLowerCase())
    .filter(Boolean);

export async function summarize(raw: Buffer): Promise<MessageSummary> {
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const refs = parsed.references;
  return {
    from: addresses(parsed.from)[0] ?? null,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    bcc: addresses(parsed.bcc),
    subject: parsed.subject ?? '',
    messageId: parsed.messageId ?? null,
    inReplyTo: parsed.inReplyTo ?? null,
    references: Array.isArray(refs) ? refs.join(' ') : (refs ?? null),
  };
}

/** Builds MIME once with nodemailer's composer; Bcc stays in the headers so the post office can route it. */
export function composeMime(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  const node = new MailComposer(options).compile();
  node.keepBcc = true;
  return node.build();
}
