import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import type { Address, EmailMetadata } from '../types.js';
import type { GmailMessage } from './gmail-api.types.js';

/** The headers asked of `messages.get(format=metadata)`: addressing, identity and the newsletter signals. */
export const GMAIL_METADATA_HEADERS = ['From', 'To', 'Cc', 'Bcc', 'Subject', 'Date', 'Message-ID', 'List-Unsubscribe', 'Precedence'] as const;

const ADDRESS_HEADERS = new Set(['from', 'to', 'cc', 'bcc']);

function addresses(value: AddressObject | AddressObject[] | undefined): Address[] {
  const flat = (list: EmailAddress[]): EmailAddress[] => list.flatMap((a) => (a.group ? flat(a.group) : [a]));
  return flat([value ?? []].flat().flatMap((o) => o.value))
    .filter((a) => a.address)
    .map((a) => ({ address: a.address!.toLowerCase(), name: a.name || null }));
}

/**
 * A Gmail `format=metadata` message as EmailMetadata. The headers go through mailparser as a
 * header-only message, so encoded words, quoted names and groups come out as any mail client reads
 * them; the instant is Gmail's `internalDate` (epoch milliseconds, UTC). Listed under SENT → `sent`.
 */
export async function gmailMessageToMetadata(message: GmailMessage): Promise<EmailMetadata> {
  const raw = message.payload?.headers ?? [];
  const headers: Record<string, string> = {};
  for (const h of raw) {
    const name = h.name.toLowerCase();
    if (!(name in headers)) headers[name] = h.value;
  }
  const block = raw
    .filter((h) => ADDRESS_HEADERS.has(h.name.toLowerCase()) || ['subject', 'message-id'].includes(h.name.toLowerCase()))
    .map((h) => `${h.name}: ${h.value.replace(/[\r\n]+/g, ' ')}`)
    .join('\r\n');
  const parsed = await simpleParser(`${block}\r\n\r\n`, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const at = message.internalDate ? new Date(Number(message.internalDate)) : null;
  return {
    itemId: message.id,
    internetMessageId: parsed.messageId?.replace(/^<|>$/g, '') || null,
    from: addresses(parsed.from)[0] ?? null,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    bcc: addresses(parsed.bcc),
    subject: parsed.subject ?? null,
    sentAt: at,
    receivedAt: at,
    headers,
    folder: message.labelIds?.includes('SENT') ? 'sent' : 'inbox',
  };
}
