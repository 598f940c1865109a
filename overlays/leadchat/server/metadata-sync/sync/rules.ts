// The interaction rules, identical for every provider and kept in this one file: a provider's syncer
// maps its items to EmailMetadata / MeetingMetadata (sync/types.ts) and calls emailEvents /
// meetingEvents; nothing else decides direction, counterparts, newsletters or the backfill window.
import type { Address, EmailMetadata, EventDraft, MeetingMetadata, RuleContext } from './types.js';

/** More recipients than this (To + Cc + Bcc) reads as a mass mailing rather than a conversation. */
export const NEWSLETTER_RECIPIENTS = 20;
const BULK_PRECEDENCE = new Set(['bulk', 'list', 'junk']);

const normalise = (address: string | null | undefined): string => (address ?? '').trim().toLowerCase();

/** `<id@host>` and `id@host` name the same message. */
const messageId = (id: string | null | undefined): string | null => {
  const bare = (id ?? '').trim().replace(/^<|>$/g, '').trim();
  return bare || null;
};

/** List-Unsubscribe present, Precedence bulk|list|junk, or more than 20 recipients. */
export function isNewsletter(meta: Pick<EmailMetadata, 'headers' | 'to' | 'cc' | 'bcc'>): boolean {
  if ((meta.headers['list-unsubscribe'] ?? '').trim()) return true;
  if (BULK_PRECEDENCE.has(normalise(meta.headers.precedence))) return true;
  return meta.to.length + meta.cc.length + meta.bcc.length > NEWSLETTER_RECIPIENTS;
}

/** The addresses that count as counterparts: once each, never the mailbox itself nor a team member. */
function counterparts(addresses: (Address | null | undefined)[], ctx: RuleContext): { email: string; name: string | null }[] {
  const mailbox = normalise(ctx.mailbox);
  const seen = new Map<string, string | null>();
  for (const a of addresses) {
    const email = normalise(a?.address);
    if (!email || email === mailbox || ctx.teamEmails.has(email) || seen.has(email)) continue;
    seen.set(email, a?.name?.trim() || null);
  }
  return [...seen].map(([email, name]) => ({ email, name }));
}

const isValidDate = (d: Date | null | undefined): d is Date => d instanceof Date && !Number.isNaN(d.getTime());

/**
 * One draft per counterpart of a message. Outbound (sent by the mailbox, or listed from its sent
 * folder): every To, Cc and Bcc recipient — providers show Bcc only to the sender, so Bcc never
 * counts on inbound mail; inbound: the sender only. The instant is the send time for outbound mail
 * and the receive time for inbound, each falling back to the other; items without either, or older
 * than the backfill window, give nothing.
 */
export function emailEvents(meta: EmailMetadata, ctx: RuleContext): EventDraft[] {
  const outbound = normalise(meta.from?.address) === normalise(ctx.mailbox) || meta.folder === 'sent';
  const at = outbound ? (meta.sentAt ?? meta.receivedAt) : (meta.receivedAt ?? meta.sentAt);
  if (!isValidDate(at) || at < ctx.backfillFrom) return [];
  const people = outbound ? counterparts([...meta.to, ...meta.cc, ...meta.bcc], ctx) : counterparts([meta.from], ctx);
  const newsletter = isNewsletter(meta);
  const remoteId = messageId(meta.internetMessageId) ?? `item:${meta.itemId}`;
  return people.map((p) => ({
    kind: 'email',
    direction: outbound ? 'outbound' : 'inbound',
    remote_id: remoteId,
    item_id: meta.itemId,
    occurred_at: at,
    counterpart_email: p.email,
    counterpart_name: p.name,
    subject: meta.subject ?? null,
    newsletter,
  }));
}

/**
 * One draft per counterpart of a meeting: the organizer and every attendee who did not decline. A
 * cancelled meeting, one the mailbox itself declined, or one before the backfill window gives nothing
 * (the caller removes the drafts an earlier version produced). Outbound when the mailbox organises.
 */
export function meetingEvents(meta: MeetingMetadata, ctx: RuleContext): EventDraft[] {
  if (meta.cancelled || !isValidDate(meta.start) || meta.start < ctx.backfillFrom) return [];
  const mailbox = normalise(ctx.mailbox);
  if (meta.attendees.some((a) => normalise(a.address) === mailbox && a.response === 'declined')) return [];
  const attending = meta.attendees.filter((a) => a.response !== 'declined');
  const people = counterparts([meta.organizer, ...attending], ctx);
  const outbound = normalise(meta.organizer?.address) === mailbox;
  return people.map((p) => ({
    kind: 'meeting',
    direction: outbound ? 'outbound' : 'inbound',
    remote_id: meta.iCalUid?.trim() || meta.itemId,
    item_id: meta.itemId,
    occurred_at: meta.start,
    counterpart_email: p.email,
    counterpart_name: p.name,
    subject: meta.subject ?? null,
    newsletter: false,
  }));
}
