// Seeds many messages into one Dovecot folder for benchmarks: MIME composed per message, then one
// MULTIAPPEND per call. Bcc is written only where Exchange keeps it (Sent Items, or the owner's own mail).
import crypto from 'node:crypto';
import type { MailStore } from './mailstore.js';
import { composeMime } from './mime.js';
import { SENT_FOLDER } from './post-office.js';

export interface BulkAddress {
  name?: string;
  address: string;
}

export interface BulkMessage {
  from: BulkAddress;
  to: BulkAddress[];
  cc?: BulkAddress[];
  bcc?: BulkAddress[];
  subject: string;
  /** ISO date: the Date header and the arrival time (INTERNALDATE). */
  date: string;
  headers?: Record<string, string>;
  /** Default: read in Sent Items, unread elsewhere. */
  seen?: boolean;
}

export const BULK_MAX = 5000;

export async function bulkAppend(store: MailStore, mailbox: string, folder: string, messages: BulkMessage[]): Promise<number> {
  if (messages.length > BULK_MAX) throw new Error(`at most ${BULK_MAX} messages per call`);
  const items = await Promise.all(messages.map(async (m) => {
    const date = new Date(m.date);
    if (Number.isNaN(date.getTime())) throw new Error(`invalid date ${m.date}`);
    const keepsBcc = folder === SENT_FOLDER || m.from.address.toLowerCase() === mailbox.toLowerCase();
    const headers = { ...(m.headers ?? {}) };
    const messageIdKey = Object.keys(headers).find((k) => k.toLowerCase() === 'message-id');
    const messageId = messageIdKey ? headers[messageIdKey] : `<bulk-${crypto.randomUUID()}@sandbox.test>`;
    if (messageIdKey) delete headers[messageIdKey];
    const raw = await composeMime({
      from: m.from, to: m.to, cc: m.cc, bcc: keepsBcc ? m.bcc : undefined, subject: m.subject, date, messageId, headers,
      text: `${m.subject}\n`,
    });
    return { raw, date, flags: (m.seen ?? folder === SENT_FOLDER) ? ['\\Seen'] : [] };
  }));
  return store.appendMany(mailbox, folder, items);
}
