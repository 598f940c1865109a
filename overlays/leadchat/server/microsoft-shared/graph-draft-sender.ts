import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import { simpleParser, type Attachment } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { DeliveryInput } from '../../../../server/src/extensions/index.js';

/** Graph refuses a request body over 4 MB (413); sendMail's base64 MIME counts in full. */
export const GRAPH_MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** Graph's split: a file under 3 MB is POSTed with the draft's attachments, a larger one (up to 150 MB) needs an upload session. */
export const UPLOAD_SESSION_MIN_BYTES = 3 * 1024 * 1024;
/** Each PUT of an upload session carries at most 4 MB; 3 MiB keeps well inside it. */
const UPLOAD_RANGE_BYTES = 3 * 1024 * 1024;
const UPLOAD_RANGE_TIMEOUT_MS = 60_000;

/** Whether the one-request path fits: the MIME travels base64-encoded in the body. */
export const fitsSendMail = (raw: Buffer): boolean => Math.ceil(raw.length / 3) * 4 <= GRAPH_MAX_REQUEST_BYTES;

/**
 * Sends a reply too large for sendMail as Outlook does: a draft in the shared mailbox created from
 * the reply's MIME without its files (so From, Message-ID, In-Reply-To and References are the reply
 * mailer's — JSON drafts only accept x- headers), then each file attached (small ones in one POST,
 * large ones through an upload session), then `send`. The draft lives in the shared mailbox, so the
 * sent copy lands in its Sent Items. A failure deletes the draft, and a retry starts over.
 */
export async function sendThroughDraft(client: Client, mailbox: string, input: Pick<DeliveryInput, 'raw' | 'headers'>): Promise<void> {
  const parsed = await simpleParser(input.raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const base = `/users/${encodeURIComponent(mailbox)}/messages`;
  const draft = (await client.api(base).header('Content-Type', 'text/plain').post((await bodyOnlyMime(input, parsed)).toString('base64'))) as { id: string };
  const messagePath = `${base}/${encodeURIComponent(draft.id)}`;
  try {
    for (const file of parsed.attachments) {
      if (file.content.length < UPLOAD_SESSION_MIN_BYTES) await client.api(`${messagePath}/attachments`).post(fileAttachment(file));
      else await upload(client, messagePath, file);
    }
    // Graph's send takes no body.
    await client.api(`${messagePath}/send`).post('');
  } catch (err) {
    await client.api(messagePath).delete().catch(() => undefined);
    throw err;
  }
}

/** The reply's headers and bodies, rebuilt without its files. */
function bodyOnlyMime({ headers }: Pick<DeliveryInput, 'headers'>, parsed: Awaited<ReturnType<typeof simpleParser>>): Promise<Buffer> {
  return new MailComposer({
    from: headers.from, to: headers.to, cc: headers.cc, bcc: headers.bcc, subject: headers.subject,
    messageId: headers.messageId, date: parsed.date ?? new Date(),
    ...(headers.inReplyTo ? { inReplyTo: headers.inReplyTo, references: headers.references } : {}),
    text: parsed.text ?? '', ...(parsed.html ? { html: parsed.html } : {}),
  }).compile().build();
}

const inlineId = (file: Attachment): string | undefined =>
  file.contentDisposition === 'inline' && file.contentId ? file.contentId.replace(/^<|>$/g, '') : undefined;

function fileAttachment(file: Attachment): Record<string, unknown> {
  const contentId = inlineId(file);
  return {
    '@odata.type': '#microsoft.graph.fileAttachment', name: file.filename ?? 'attachment', contentType: file.contentType,
    contentBytes: file.content.toString('base64'), ...(contentId ? { isInline: true, contentId } : {}),
  };
}

/** createUploadSession, then the bytes in order; the pre-authenticated URL must be sent without our token. */
async function upload(client: Client, messagePath: string, file: Attachment): Promise<void> {
  const contentId = inlineId(file);
  const session = (await client.api(`${messagePath}/attachments/createUploadSession`).post({
    AttachmentItem: {
      attachmentType: 'file', name: file.filename ?? 'attachment', size: file.content.length, contentType: file.contentType,
      ...(contentId ? { isInline: true, contentId } : {}),
    },
  })) as { uploadUrl: string };
  const total = file.content.length;
  for (let start = 0; start < total; start += UPLOAD_RANGE_BYTES) {
    const end = Math.min(start + UPLOAD_RANGE_BYTES, total) - 1;
    const res = await fetch(session.uploadUrl, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${start}-${end}/${total}` },
      body: new Uint8Array(file.content.subarray(start, end + 1)),
      signal: AbortSignal.timeout(UPLOAD_RANGE_TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.status !== 200 && res.status !== 201) throw uploadError(res, text);
  }
}

/** An upload refusal as the SDK's GraphError, so the delivery classifies it like any Graph call. */
function uploadError(res: Response, text: string): GraphError {
  let body: { error?: { code?: string; message?: string } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON: the status alone classifies it.
  }
  const err = new GraphError(res.status, body.error?.message ?? `attachment upload answered ${res.status}`);
  err.code = body.error?.code ?? String(res.status);
  err.headers = res.headers;
  return err;
}
