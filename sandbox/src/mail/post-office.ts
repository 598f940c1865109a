// One path for every message that enters the world (SMTP submission, Graph sendMail, LeadMail,
// the control API): local recipients get it over LMTP, Sent Items copies are stored where Exchange
// would put them, the send is recorded, and listeners (Graph subscriptions) hear where it landed.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { World, SentRecord } from '../world/world.js';
import type { MailStore } from './mailstore.js';
import { newMessageId, prependHeader, stripHeader, summarize } from './mime.js';

export const SENT_FOLDER = 'Sent Items';

export interface StoredEvent {
  mailbox: string;
  folder: string;
  messageId: string;
}

export interface Submission {
  via: SentRecord['via'];
  submittedBy: string;
  raw: Buffer;
  /** Envelope recipients (Bcc included); defaults to the To/Cc/Bcc headers. */
  recipients?: string[];
  /** Mailboxes that keep a copy in their Sent Items. */
  sentCopies: string[];
}

export class PostOffice extends EventEmitter<{ stored: [StoredEvent] }> {
  constructor(private readonly world: World, private readonly store: MailStore, private readonly logger: Logger) {
    super();
  }

  private async ensureMessageId(raw: Buffer): Promise<{ raw: Buffer; summary: Awaited<ReturnType<typeof summarize>> }> {
    const summary = await summarize(raw);
    if (summary.messageId) return { raw, summary };
    const messageId = newMessageId('sandbox.test');
    return { raw: prependHeader(raw, 'Message-ID', messageId), summary: { ...summary, messageId } };
  }

  /** Delivers into every world mailbox among `recipients`; others are outside the world and only recorded. */
  private async deliverLocal(raw: Buffer, from: string, recipients: string[], messageId: string): Promise<string[]> {
    const local = [...new Set(recipients.map((r) => r.toLowerCase()))].filter((r) => this.world.findMailbox(r));
    if (local.length === 0) return [];
    const result = await this.store.deliver(stripHeader(raw, 'Bcc'), from || '<>', local);
    for (const mailbox of result.accepted) this.emit('stored', { mailbox, folder: 'INBOX', messageId });
    if (result.rejected.length) this.logger.warn({ rejected: result.rejected }, 'LMTP rejected recipients');
    return result.accepted;
  }

  async submit(s: Submission): Promise<SentRecord> {
    const { raw, summary } = await this.ensureMessageId(s.raw);
    const messageId = summary.messageId as string;
    const recipients = s.recipients ?? [...summary.to, ...summary.cc, ...summary.bcc];
    const deliveredTo = await this.deliverLocal(raw, summary.from ?? '', recipients, messageId);
    for (const mailbox of new Set(s.sentCopies)) {
      await this.store.append(mailbox, SENT_FOLDER, raw, ['\\Seen']);
      this.emit('stored', { mailbox, folder: SENT_FOLDER, messageId });
    }
    const record: SentRecord = {
      via: s.via, at: new Date().toISOString(), submittedBy: s.submittedBy,
      from: summary.from ?? '', to: summary.to, cc: summary.cc,
      bcc: s.recipients ? s.recipients.filter((r) => !summary.to.includes(r) && !summary.cc.includes(r)) : summary.bcc,
      subject: summary.subject, messageId, inReplyTo: summary.inReplyTo, references: summary.references,
      deliveredTo, sentCopies: [...new Set(s.sentCopies)],
    };
    this.world.recordSent(record);
    return record;
  }

  /** Mail arriving from outside (the control API's "deliver"): no send is recorded. */
  async receive(raw: Buffer, recipients?: string[]): Promise<{ messageId: string; deliveredTo: string[] }> {
    const { raw: withId, summary } = await this.ensureMessageId(raw);
    const messageId = summary.messageId as string;
    const deliveredTo = await this.deliverLocal(withId, summary.from ?? '', recipients ?? [...summary.to, ...summary.cc], messageId);
    return { messageId, deliveredTo };
  }
}
