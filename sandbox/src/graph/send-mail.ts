// POST /sendMail in both of Graph's forms: base64 MIME as text/plain, or a JSON message. Either way
// the MIME is built once and handed to the post office (delivery + Sent Items copies); a draft's send
// (drafts.ts) ends the same way.
import type { World } from '../world/world.js';
import type { Principal } from '../entra/tokens.js';
import type { PostOffice } from '../mail/post-office.js';
import { composeMime, prependHeader, summarize } from '../mail/mime.js';
import { GraphError, badRequest } from './graph-errors.js';
import { requireMail, requireSendAs } from './graph-access.js';

interface Recipient { emailAddress?: { address?: string; name?: string } }

const addr = (r: Recipient | undefined): { address: string; name: string } | null =>
  r?.emailAddress?.address ? { address: r.emailAddress.address.toLowerCase(), name: r.emailAddress.name ?? '' } : null;

const addrs = (list: unknown): { address: string; name: string }[] =>
  (Array.isArray(list) ? (list as Recipient[]) : []).map(addr).filter((a): a is { address: string; name: string } => a !== null);

function decodeMime(body: unknown): Buffer {
  const text = typeof body === 'string' ? body.replace(/\s+/g, '') : '';
  if (!text || !/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw badRequest('Invalid base64 string for MIME content.', 'ErrorMimeContentInvalidBase64String');
  }
  return Buffer.from(text, 'base64');
}

async function composeJson(message: Record<string, unknown>, from: { address: string; name: string }): Promise<Buffer> {
  const body = (message.body ?? {}) as { contentType?: string; content?: string };
  const headers = Array.isArray(message.internetMessageHeaders) ? (message.internetMessageHeaders as { name: string; value: string }[]) : [];
  for (const h of headers) {
    if (!/^x-/i.test(h.name)) throw badRequest(`The internet message header name '${h.name}' should start with 'x-' or 'X-'.`, 'InvalidInternetMessageHeader');
  }
  const attachments = Array.isArray(message.attachments) ? (message.attachments as { name?: string; contentType?: string; contentBytes?: string }[]) : [];
  return composeMime({
    from, to: addrs(message.toRecipients), cc: addrs(message.ccRecipients), bcc: addrs(message.bccRecipients),
    replyTo: addrs(message.replyTo), subject: typeof message.subject === 'string' ? message.subject : '',
    ...(body.contentType?.toLowerCase() === 'html' ? { html: body.content ?? '' } : { text: body.content ?? '' }),
    headers: Object.fromEntries(headers.map((h) => [h.name, h.value])),
    attachments: attachments.map((a) => ({ filename: a.name, contentType: a.contentType, content: Buffer.from(a.contentBytes ?? '', 'base64') })),
  });
}

export async function sendMail(o: {
  world: World; postOffice: PostOffice; principal: Principal; mailbox: string; contentType: string; body: unknown;
}): Promise<void> {
  const { world, principal, mailbox } = o;
  requireMail(world, principal, mailbox, 'send');
  if (o.contentType.startsWith('text/plain')) {
    await submitFrom({ ...o, raw: await mimeFrom(o.body, mailbox), saveToSentItems: true });
    return;
  }
  const payload = (o.body ?? {}) as { message?: Record<string, unknown>; saveToSentItems?: boolean };
  if (!payload.message || typeof payload.message !== 'object') throw badRequest('Empty Payload. JSON content expected.', 'ErrorInvalidRequest');
  const raw = await jsonMime(world, payload.message, mailbox);
  await submitFrom({ ...o, raw, saveToSentItems: payload.saveToSentItems !== false });
}

/** Base64 MIME as Graph takes it (sendMail, a MIME draft); a MIME without From is sent as the mailbox in the URL. */
export async function mimeFrom(body: unknown, mailbox: string): Promise<Buffer> {
  const raw = decodeMime(body);
  return (await summarize(raw)).from ? raw : prependHeader(raw, 'From', mailbox);
}

/** A JSON message as MIME; without `from` it is the mailbox in the URL. */
export function jsonMime(world: World, message: Record<string, unknown>, mailbox: string): Promise<Buffer> {
  const explicitFrom = addr(message.from as Recipient | undefined);
  return composeJson(message, explicitFrom ?? { address: mailbox, name: world.findMailbox(mailbox)?.displayName ?? '' });
}

/**
 * What sendMail and a draft's send share: Send As for a From other than the mailbox, at least one
 * recipient, delivery and the Sent Items copies.
 */
export async function submitFrom(o: {
  world: World; postOffice: PostOffice; principal: Principal; mailbox: string; raw: Buffer; saveToSentItems: boolean;
}): Promise<void> {
  const { world, principal, mailbox, raw, saveToSentItems } = o;
  const summary = await summarize(raw);
  const from = summary.from ?? mailbox;
  if (from !== mailbox) requireSendAs(world, principal, from);
  if (summary.to.length + summary.cc.length + summary.bcc.length === 0) {
    throw new GraphError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid., A message can\'t be sent because it contains no recipients.');
  }
  // Graph saves the copy in the Sent Items of the mailbox in the URL; a shared From with
  // MessageCopyForSentAsEnabled also keeps one.
  const sentCopies = saveToSentItems ? [mailbox] : [];
  if (saveToSentItems && from !== mailbox && world.findShared(from)?.messageCopyForSentAsEnabled) sentCopies.push(from);
  await o.postOffice.submit({
    via: 'graph', submittedBy: principal.kind === 'delegated' ? principal.user.upn : principal.clientId, raw, sentCopies,
  });
}
