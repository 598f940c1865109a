// A deterministic, realistic helpdesk mailbox for the benchmarks: many customers, replies that thread
// onto earlier mail (In-Reply-To/References), a few small attachments, text or text+HTML bodies of
// 2-20 KB. The same seed gives the same mailbox, so runs are comparable.
import { composeMime } from '../sandbox/src/mail/mime.js';

export interface CorpusOptions {
  size: number;
  seed?: number;
  /** The mailbox's own address (To:). */
  to: string;
  /** Share of messages answering an earlier one. */
  replyShare?: number;
  attachmentShare?: number;
  /** Dates spread over this many days up to now (0: all now, as for mail arriving live). */
  spreadDays?: number;
}

interface Meta {
  index: number;
  from: { name: string; address: string };
  subject: string;
  messageId: string;
  inReplyTo?: string;
  references: string[];
  date: Date;
  bodyBytes: number;
  html: boolean;
  attachment?: { filename: string; contentType: string; bytes: number };
}

const FIRST = ['Anna', 'Ben', 'Chloé', 'David', 'Emma', 'Felix', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Karin', 'Liam', 'María', 'Noah', 'Olga', 'Pierre', 'Quinn', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Victor', 'Wen', 'Yara', 'Zoë'];
const LAST = ['Andersen', 'Brown', 'Costa', 'Dubois', 'Eriksson', 'Fischer', 'García', 'Huber', 'Ivanova', 'Jensen', 'Kowalski', 'López', 'Müller', 'Nakamura', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Weber'];
const DOMAINS = ['gmail.test', 'outlook.test', 'acme-corp.test', 'example.org', 'shop.test', 'mail.test', 'contoso.test', 'fabrikam.test'];
const TOPICS = ['Invoice', 'Order', 'Refund request', 'Login problem', 'Delivery delay', 'Question about', 'Broken link in', 'Upgrade to', 'Cancel', 'Feedback on', 'Password reset for', 'Billing address for'];
const OBJECTS = ['my account', 'order #', 'the Pro plan', 'your app', 'the March invoice', 'shipment', 'the API', 'our team workspace', 'the mobile app', 'subscription'];
const WORDS = ('the a to and of we you it is that for on with this be have not are our your can as at please thanks hello order invoice account '
  + 'payment delivery shipping address refund cancel update question issue problem help support team soon today tomorrow week again '
  + 'attached screenshot error message page login password email phone number customer service receive received sent would could '
  + 'should will still already yet because however also just really very much more some any every when where why how what which').split(' ');
const ATTACHMENTS = [
  { ext: 'pdf', contentType: 'application/pdf' },
  { ext: 'png', contentType: 'image/png' },
  { ext: 'csv', contentType: 'text/csv' },
  { ext: 'jpg', contentType: 'image/jpeg' },
];

/** mulberry32: small, fast, good enough to pick names and sizes reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class MailCorpus {
  private readonly metas: Meta[] = [];
  private readonly seed: number;

  constructor(private readonly opts: CorpusOptions) {
    this.seed = opts.seed ?? 4;
    const rnd = prng(this.seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
    // About one customer per four messages: most customers write once, some open several threads.
    const customers = Array.from({ length: Math.max(10, Math.ceil(opts.size / 4)) }, (_, i) => {
      const first = pick(FIRST);
      const last = pick(LAST);
      return { name: `${first} ${last}`, address: `${first}.${last}.${i}@${pick(DOMAINS)}`.normalize('NFD').replace(/[^\x20-\x7e]/g, '').toLowerCase() };
    });
    const spreadMs = (opts.spreadDays ?? 29) * 86_400_000;
    const start = Date.now() - spreadMs;
    for (let i = 0; i < opts.size; i++) {
      const date = new Date(start + Math.floor((i / opts.size) * spreadMs));
      const isReply = i > 10 && rnd() < (opts.replyShare ?? 0.2);
      const parent = isReply ? this.metas[Math.floor(rnd() * i)] : undefined;
      const messageId = `<bench.${this.seed}.${i}.${Math.floor(rnd() * 1e9).toString(36)}@${parent ? parent.from.address.split('@')[1] : 'mail.test'}>`;
      const hasAttachment = rnd() < (opts.attachmentShare ?? 0.1);
      // Sizes spread log-uniformly over 2-20 KB (most mail is short); an attachment takes part of it.
      const total = Math.round(2_000 * 10 ** rnd());
      const attachmentBytes = hasAttachment ? Math.min(Math.round(total * 0.5), 6_000) : 0;
      const kind = pick(ATTACHMENTS);
      this.metas.push({
        index: i,
        from: parent ? parent.from : pick(customers),
        subject: parent ? `Re: ${parent.subject.replace(/^Re: /, '')}` : `${pick(TOPICS)} ${pick(OBJECTS)}${rnd() < 0.3 ? Math.floor(rnd() * 90_000 + 10_000) : ''}`,
        messageId,
        inReplyTo: parent?.messageId,
        references: parent ? [...parent.references, parent.messageId].slice(-10) : [],
        date,
        html: rnd() < 0.5,
        bodyBytes: Math.max(600, total - attachmentBytes - 600),
        attachment: hasAttachment ? { filename: `file-${i}.${kind.ext}`, contentType: kind.contentType, bytes: attachmentBytes } : undefined,
      });
    }
  }

  get size(): number {
    return this.metas.length;
  }

  messageId(index: number): string {
    return this.metas[index].messageId;
  }

  date(index: number): Date {
    return this.metas[index].date;
  }

  /** The raw MIME of message `index` (built on demand so a large mailbox is never held in memory). */
  async raw(index: number): Promise<Buffer> {
    const m = this.metas[index];
    const rnd = prng(this.seed * 1_000_003 + index);
    const text = prose(rnd, m.html ? Math.round(m.bodyBytes * 0.45) : m.bodyBytes, m.from.name);
    return composeMime({
      from: m.from,
      to: this.opts.to,
      subject: m.subject,
      date: m.date,
      messageId: m.messageId,
      inReplyTo: m.inReplyTo,
      references: m.references.length ? m.references.join(' ') : undefined,
      text,
      html: m.html ? `<html><body>${text.split('\n\n').map((p) => `<p>${p}</p>`).join('\n')}</body></html>` : undefined,
      attachments: m.attachment
        ? [{ filename: m.attachment.filename, contentType: m.attachment.contentType, content: Buffer.from(Array.from({ length: m.attachment.bytes }, () => Math.floor(rnd() * 256))) }]
        : undefined,
    });
  }
}

function prose(rnd: () => number, bytes: number, signature: string): string {
  const paragraphs: string[] = ['Hello,'];
  let length = 0;
  while (length < bytes) {
    const words = Array.from({ length: 20 + Math.floor(rnd() * 60) }, () => WORDS[Math.floor(rnd() * WORDS.length)]);
    const paragraph = `${words.join(' ')}.`.replace(/^./, (c) => c.toUpperCase());
    paragraphs.push(paragraph);
    length += paragraph.length + 2;
  }
  paragraphs.push(`Best regards,\n${signature}`);
  return paragraphs.join('\n\n');
}
