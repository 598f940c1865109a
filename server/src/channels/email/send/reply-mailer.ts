import MailComposer from 'nodemailer/lib/mail-composer';
import addressparser from 'nodemailer/lib/addressparser';
import type { Readable } from 'node:stream';
import type { DeliveryInput } from '../../../extensions/types.js';
import { DeliveryError } from '../../../lib/errors.js';
import type { ChannelEmail, Conversation, Inbox, Message } from '../../../models/index.js';
import { composeReplyBody, type ComposedBody } from './reply-body.js';
import type { ReplyContext } from './reply-context.js';

/** The MIME, and the bodies as they went out: the conversation shows the sent reply as the customer sees it. */
export type BuiltReply = Omit<DeliveryInput, 'channel' | 'settings'> & { body: ComposedBody };

export const DEFAULT_SUBJECT = 'New messages on this conversation';

/** Addresses from a header-ish value: a string, an array of strings, or `{ address }` objects (how ingestion stores them). */
export function addressList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value ? [value] : [];
  return items.flatMap((item) => {
    if (typeof item === 'string') return addressparser(item, { flatten: true }).map((a) => a.address);
    const address = (item as { address?: unknown } | null)?.address;
    return typeof address === 'string' ? [address] : [];
  }).map((a) => a.trim().toLowerCase()).filter((a) => a.includes('@'));
}

const bracketed = (id: string) => (id.startsWith('<') ? id : `<${id}>`);

function messageIdList(value: unknown): string[] {
  const text = Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : '';
  return (text.match(/<[^<>\s]+>/g) ?? text.split(/\s+/).filter(Boolean)).map(bracketed);
}

const emailOf = (m: Message | null) => ((m?.content_attributes as { email?: Record<string, unknown> } | undefined)?.email ?? {});

/** `Re: <subject>` of the thread, never `Re: Re:`; `Fwd: <subject>` of the forwarded email. */
export function replySubject(conversation: Conversation, lastIncoming: Message | null, forwarded?: Message | null): string {
  const candidates = forwarded ? [emailOf(forwarded).subject, conversation.additional_attributes?.mail_subject] : [conversation.additional_attributes?.mail_subject, emailOf(lastIncoming).subject];
  const original = candidates.find((s): s is string => typeof s === 'string' && !!s.trim());
  if (!original) return `[#${conversation.display_id}] ${DEFAULT_SUBJECT}`;
  const prefix = forwarded ? 'Fwd: ' : 'Re: ';
  return (forwarded ? /^fwd?:/i : /^re:/i).test(original.trim()) ? original.trim() : `${prefix}${original.trim()}`;
}

/** Chatwoot's sender names: friendly = "<agent> from <inbox>", professional = the business (or inbox) name. */
export function senderName(inbox: Inbox, agentName: string | null): string {
  if (inbox.sender_name_type === 'professional') return inbox.business_name || inbox.name;
  return agentName ? `${agentName} from ${inbox.name}` : inbox.name;
}

/**
 * Recipients, as Chatwoot's reply box fills them: To is `to_emails` or the contact; Cc and Bcc are the
 * message's `cc_emails` / `bcc_emails`. When the agent gave no `cc_emails`, the reply goes to
 * everyone the customer's last email went to (its To and Cc), minus our own addresses and the
 * people already in To — a reply-all.
 */
export function replyRecipients(ctx: Pick<ReplyContext, 'message' | 'contact' | 'channel' | 'lastIncoming'>): { to: string[]; cc: string[]; bcc: string[] } {
  const attrs = ctx.message.content_attributes ?? {};
  const given = addressList(attrs.to_emails);
  const to = given.length ? given : addressList(ctx.contact.email);
  const ours = new Set([ctx.channel.email, ctx.channel.forward_to_email].map((a) => a.toLowerCase()));
  // A forward goes only where the agent sends it.
  const cc = 'cc_emails' in attrs || attrs.forwarded_message_id
    ? addressList(attrs.cc_emails)
    : [...addressList(emailOf(ctx.lastIncoming).to), ...addressList(emailOf(ctx.lastIncoming).cc)].filter((a) => !ours.has(a) && !to.includes(a));
  const unique = (list: string[]) => [...new Set(list)];
  return { to: unique(to), cc: unique(cc), bcc: unique(addressList(attrs.bcc_emails)) };
}

/** `<conversation/{uuid}/messages/{id}@{domain of the inbox address}>`: ingestion threads replies by this shape too. */
export function replyMessageId(conversation: Conversation, message: Message, channel: ChannelEmail): string {
  return `<conversation/${conversation.uuid}/messages/${message.id}@${channel.email.split('@')[1]}>`;
}

/**
 * Builds the reply's RFC 5322 message once (nodemailer's composer): every delivery method sends these
 * bytes or reads its fields from them, so threading is identical whatever the transport.
 */
export async function buildReply(ctx: ReplyContext, openBlob: (key: string) => Readable): Promise<BuiltReply> {
  const { message, conversation, channel, lastIncoming, forwarded } = ctx;
  const { to, cc, bcc } = replyRecipients(ctx);
  if (!to.length) throw new DeliveryError('The contact has no email address to reply to', 'permanent');
  const subject = replySubject(conversation, lastIncoming, forwarded);
  const messageId = replyMessageId(conversation, message, channel);
  // A forward starts a new thread; its Message-ID still threads answers back into this conversation.
  const inReplyTo = !forwarded && lastIncoming?.source_id ? bracketed(lastIncoming.source_id) : undefined;
  const references = inReplyTo ? [...new Set([...messageIdList(emailOf(lastIncoming).references), inReplyTo])] : [];
  const from = { name: senderName(ctx.inbox, ctx.agentName), address: channel.email };
  const body = composeReplyBody(ctx);

  const node = new MailComposer({
    from,
    to,
    cc,
    bcc,
    subject,
    messageId,
    date: message.created_at,
    ...(inReplyTo ? { inReplyTo, references } : {}),
    text: body.text,
    html: body.html,
    attachments: message.attachments.filter((a) => a.storage_key).map((a) => ({
      filename: a.filename,
      contentType: a.content_type,
      content: openBlob(a.storage_key!),
      ...(a.inline && a.content_id ? { cid: a.content_id } : {}),
    })),
  }).compile();
  const envelope = node.getEnvelope();
  const raw = await node.build();
  return {
    raw,
    body,
    envelope: { from: envelope.from || channel.email, to: envelope.to },
    headers: {
      messageId,
      ...(inReplyTo ? { inReplyTo, references } : {}),
      subject,
      from: `"${from.name.replace(/["\\]/g, '')}" <${from.address}>`,
      to,
      cc,
      bcc,
    },
  };
}
