// Drafts and large attachments, the way around sendMail's 4 MB request limit: POST /messages (base64
// MIME as text/plain, or JSON) creates a draft; POST …/attachments adds a small file; POST
// …/attachments/createUploadSession hands out a pre-authenticated URL (Outlook's host in Microsoft
// 365, this server here) that takes the file's bytes in order, ≤ 4 MB per PUT; POST …/send submits
// the draft like sendMail, from the mailbox it lives in. Drafts stay in memory: nothing in the
// sandbox reads a Drafts folder.
import crypto from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import type { World } from '../world/world.js';
import type { Principal } from '../entra/tokens.js';
import type { PostOffice } from '../mail/post-office.js';
import { composeMime } from '../mail/mime.js';
import { GraphError, badRequest } from './graph-errors.js';
import { requireMail } from './graph-access.js';
import { jsonMime, mimeFrom, submitFrom } from './send-mail.js';

/** Graph's cap on any request body, sendMail's base64 MIME included. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** An upload session's file: 150 MB at most. */
const MAX_UPLOAD_BYTES = 150 * 1024 * 1024;
/** Exchange Online's default maximum message size. */
export const MAX_MESSAGE_BYTES = 35 * 1024 * 1024;
const SESSION_LIFETIME_MS = 15 * 60_000;

interface FileAttachment { id: string; name: string; contentType: string; content: Buffer; isInline: boolean; contentId: string | null }

interface Draft { id: string; mailbox: string; mailboxId: string; raw: Buffer; attachments: FileAttachment[]; createdAt: string }

interface UploadSession {
  id: string; token: string; draftId: string; expiresAt: number; size: number; received: Buffer[]; next: number;
  meta: Omit<FileAttachment, 'id' | 'content'>;
}

export interface UploadResult { status: number; body: Record<string, unknown>; location?: string }

const notFound = (): GraphError => new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

const addresses = (a: AddressObject | AddressObject[] | undefined): { address: string; name: string }[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value).map((v) => ({ address: v.address ?? '', name: v.name ?? '' })).filter((v) => v.address);

export class Drafts {
  private drafts = new Map<string, Draft>();
  private sessions = new Map<string, UploadSession>();

  constructor(private readonly world: World, private readonly postOffice: PostOffice, private readonly baseUrl: () => string) {
    world.onReset(() => {
      this.drafts.clear();
      this.sessions.clear();
    });
  }

  has(mailbox: string, id: string): boolean {
    return this.drafts.get(id)?.mailbox === mailbox;
  }

  async create(principal: Principal, mailbox: { address: string; id: string | null }, contentType: string, body: unknown): Promise<Draft> {
    requireMail(this.world, principal, mailbox.address, 'write');
    const raw = contentType.startsWith('text/plain')
      ? await mimeFrom(body, mailbox.address)
      : await jsonMime(this.world, (body ?? {}) as Record<string, unknown>, mailbox.address);
    const draft: Draft = { id: `AAMkADraft${crypto.randomBytes(12).toString('base64url')}`, mailbox: mailbox.address, mailboxId: mailbox.id ?? mailbox.address, raw, attachments: [], createdAt: new Date().toISOString() };
    this.drafts.set(draft.id, draft);
    return draft;
  }

  private owned(principal: Principal, mailbox: string, id: string): Draft {
    requireMail(this.world, principal, mailbox, 'write');
    const draft = this.drafts.get(id);
    if (!draft || draft.mailbox !== mailbox) throw notFound();
    return draft;
  }

  addAttachment(principal: Principal, mailbox: string, id: string, body: Record<string, unknown>): FileAttachment {
    const draft = this.owned(principal, mailbox, id);
    if (body['@odata.type'] !== '#microsoft.graph.fileAttachment') throw badRequest('The sandbox takes file attachments only (@odata.type #microsoft.graph.fileAttachment).', 'ErrorInvalidRequest');
    if (typeof body.name !== 'string' || typeof body.contentBytes !== 'string') throw badRequest('A file attachment needs name and contentBytes.', 'ErrorInvalidRequest');
    const file: FileAttachment = {
      id: `AAMkAttach${crypto.randomBytes(9).toString('base64url')}`, name: body.name, contentType: String(body.contentType ?? 'application/octet-stream'),
      content: Buffer.from(body.contentBytes, 'base64'), isInline: body.isInline === true, contentId: typeof body.contentId === 'string' ? body.contentId : null,
    };
    draft.attachments.push(file);
    return file;
  }

  createUploadSession(principal: Principal, mailbox: string, id: string, body: Record<string, unknown>): Record<string, unknown> {
    const draft = this.owned(principal, mailbox, id);
    const item = (body.AttachmentItem ?? {}) as Record<string, unknown>;
    if (item.attachmentType !== 'file' || typeof item.name !== 'string') throw badRequest('AttachmentItem needs attachmentType "file" and a name.', 'ErrorInvalidRequest');
    const size = Number(item.size);
    if (!Number.isInteger(size) || size < 1) throw badRequest('AttachmentItem.size must be a positive number of bytes.', 'ErrorInvalidRequest');
    if (size > MAX_UPLOAD_BYTES) throw badRequest('The attachment exceeds the maximum size of 150 MB for an upload session.', 'ErrorAttachmentSizeLimitExceeded');
    const session: UploadSession = {
      id: crypto.randomBytes(12).toString('base64url'), token: crypto.randomBytes(24).toString('base64url'), draftId: draft.id,
      expiresAt: Date.now() + SESSION_LIFETIME_MS, size, received: [], next: 0,
      meta: { name: item.name, contentType: String(item.contentType ?? 'application/octet-stream'), isInline: item.isInline === true, contentId: typeof item.contentId === 'string' ? item.contentId : null },
    };
    this.sessions.set(session.id, session);
    return {
      '@odata.context': `${this.baseUrl()}/v1.0/$metadata#microsoft.graph.uploadSession`,
      uploadUrl: `${this.baseUrl()}/api/v2.0/Users('${draft.mailboxId}')/Messages('${draft.id}')/AttachmentSessions('${session.id}')?authtoken=${session.token}`,
      expirationDateTime: new Date(session.expiresAt).toISOString(),
      nextExpectedRanges: ['0-'],
    };
  }

  /**
   * One PUT on an upload URL: the URL is the credential (an Authorization header is refused), the
   * bytes come in order with `Content-Range: bytes start-end/total`, ≤ 4 MB each; the last one
   * attaches the file (201 + Location).
   */
  putRange(sessionId: string, q: { authtoken?: string; authorization?: string; contentRange?: string; body: Buffer }): UploadResult {
    const session = this.sessions.get(sessionId);
    if (!session || q.authtoken !== session.token || session.expiresAt <= Date.now()) {
      throw new GraphError(401, 'InvalidAuthenticationToken', 'The upload URL is invalid or has expired.');
    }
    if (q.authorization) throw new GraphError(401, 'InvalidAuthenticationToken', 'Do not send an Authorization header to a pre-authenticated upload URL.');
    const m = q.contentRange?.match(/^bytes (\d+)-(\d+)\/(\d+)$/);
    if (!m) throw badRequest('Content-Range must be "bytes {start}-{end}/{total}".', 'InvalidContentRange');
    const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (total !== session.size) throw badRequest(`The total ${total} does not match the session's size ${session.size}.`, 'InvalidContentRange');
    if (end - start + 1 !== q.body.length || end < start || end >= total) throw badRequest('Content-Range does not match the body.', 'InvalidContentRange');
    if (q.body.length > MAX_REQUEST_BYTES) throw new GraphError(413, 'RequestBodyTooLarge', 'A range may carry at most 4 MB.');
    if (start !== session.next) {
      return { status: 416, body: { error: { code: 'InvalidRange', message: `Expected the range starting at ${session.next}.` }, nextExpectedRanges: [`${session.next}-`] } };
    }
    session.received.push(q.body);
    session.next = end + 1;
    if (session.next < session.size) {
      return { status: 200, body: { expirationDateTime: new Date(session.expiresAt).toISOString(), nextExpectedRanges: [`${session.next}-`] } };
    }
    this.sessions.delete(session.id);
    const draft = this.drafts.get(session.draftId);
    if (!draft) throw notFound();
    const file: FileAttachment = { id: `AAMkAttach${crypto.randomBytes(9).toString('base64url')}`, content: Buffer.concat(session.received), ...session.meta };
    draft.attachments.push(file);
    return { status: 201, body: {}, location: `${this.baseUrl()}/api/v2.0/Users('${draft.mailboxId}')/Messages('${draft.id}')/Attachments('${file.id}')` };
  }

  /** Sends the draft as its mailbox (Send As for another From) with its files; it leaves Drafts for Sent Items. */
  async send(principal: Principal, mailbox: string, id: string): Promise<void> {
    const draft = this.owned(principal, mailbox, id);
    requireMail(this.world, principal, mailbox, 'send');
    const raw = draft.attachments.length ? await this.withAttachments(draft) : draft.raw;
    if (raw.length > MAX_MESSAGE_BYTES) throw badRequest('The message exceeds the maximum supported size.', 'ErrorMessageSizeExceeded');
    await submitFrom({ world: this.world, postOffice: this.postOffice, principal, mailbox, raw, saveToSentItems: true });
    this.drafts.delete(id);
  }

  remove(principal: Principal, mailbox: string, id: string): void {
    this.owned(principal, mailbox, id);
    this.drafts.delete(id);
  }

  render(draft: Draft): Record<string, unknown> {
    return { id: draft.id, isDraft: true, createdDateTime: draft.createdAt, hasAttachments: draft.attachments.length > 0 };
  }

  /** The draft's headers and bodies with its files, as Exchange builds the message it submits. */
  private async withAttachments(draft: Draft): Promise<Buffer> {
    const parsed = await simpleParser(draft.raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
    const references = typeof parsed.references === 'string' ? [parsed.references] : parsed.references;
    return composeMime({
      from: addresses(parsed.from)[0], to: addresses(parsed.to), cc: addresses(parsed.cc), bcc: addresses(parsed.bcc),
      subject: parsed.subject ?? '', messageId: parsed.messageId, date: parsed.date,
      ...(parsed.inReplyTo ? { inReplyTo: parsed.inReplyTo, references } : {}),
      text: parsed.text ?? '', ...(parsed.html ? { html: parsed.html } : {}),
      attachments: [
        ...parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
        ...draft.attachments.map((a) => ({ filename: a.name, contentType: a.contentType, content: a.content, ...(a.isInline && a.contentId ? { cid: a.contentId } : {}) })),
      ],
    });
  }
}
