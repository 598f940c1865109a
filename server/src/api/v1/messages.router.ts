import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import os from 'node:os';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { AppError, ValidationError } from '../../lib/errors.js';
import type { MessageService, UploadedFile } from '../../services/messages.service.js';
import { accountScope, actingScope } from '../request-context.js';
import { serializeContactSender } from '../../serializers/contact.serializer.js';
import { serializeMessage } from '../../serializers/message.serializer.js';
import { serializeAgent } from '../../serializers/user.serializer.js';
import { idParam } from '../../lib/validation.js';

/** Chatwoot's limit per attachment; larger files are refused with a clear error, never cut. */
export const MAX_ATTACHMENT_BYTES = 40 * 1024 * 1024;
const MAX_ATTACHMENTS = 20;
/** Raster images a browser may show in place; anything else (SVG, HTML, PDF...) is downloaded. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

const upload = multer({ dest: os.tmpdir(), limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS }, defParamCharset: 'utf8' });
const ATTACHMENT_FIELDS = upload.fields([{ name: 'attachments[]' }, { name: 'attachments' }, { name: 'inline_attachments[]' }]);

/** Chatwoot's reply form: `multipart/form-data` with `attachments[]` files, spooled to disk (memory stays flat). */
const attachmentsUpload: RequestHandler = (req, res, next) => {
  if (!req.is('multipart/form-data')) return next();
  ATTACHMENT_FIELDS(req, res, (err: unknown) => {
    if (!err) return next();
    if (err instanceof multer.MulterError) {
      if (err.code === 'LIMIT_FILE_SIZE') {
        return next(new AppError(`Attachment is too large (at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB each)`, { status: 413, code: 'payload_too_large', fields: [{ path: 'attachments', message: `must be at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB each` }] }));
      }
      return next(ValidationError.field(err.field ?? 'attachments', err.message));
    }
    // busboy's parse errors ("Malformed part header", "Unexpected end of form") are the sender's
    // broken body; disk errors carry a system code and stay server errors.
    if (err instanceof Error && !(err as NodeJS.ErrnoException).code) {
      return next(ValidationError.field('attachments', `the upload could not be read (${err.message}); send each file again`));
    }
    next(err);
  });
};

/** The uploaded files, apart: attachments, and the images the HTML shows inline (`inline_attachments[]`). */
function uploadedFiles(files: unknown): { attached: UploadedFile[]; inline: UploadedFile[] } {
  if (!files || Array.isArray(files)) return { attached: (files as UploadedFile[] | undefined) ?? [], inline: [] };
  const { 'inline_attachments[]': inline = [], ...rest } = files as Record<string, UploadedFile[]>;
  return { attached: Object.values(rest).flat(), inline };
}

/** Chatwoot's messages API, nested under a conversation's display id. */
export function messagesRouter(messages: MessageService): Router {
  const router = Router();

  router.get('/conversations/:conversation_id/messages', async (req, res) => {
    const { conversation: c, assigneeMembership, messages: list } = await messages.list(accountScope(req), idParam(req.params.conversation_id, 'Conversation'), req.query);
    res.json({
      meta: {
        labels: c.label_list ?? [],
        additional_attributes: c.additional_attributes,
        contact: c.contact ? serializeContactSender(c.contact) : null,
        assignee: c.assignee ? serializeAgent(c.assignee, assigneeMembership) : null,
        agent_last_seen_at: c.agent_last_seen_at,
        assignee_last_seen_at: c.assignee_last_seen_at,
      },
      payload: list.map(serializeMessage),
    });
  });

  router.post('/conversations/:conversation_id/messages', attachmentsUpload, async (req, res) => {
    const { attached, inline } = uploadedFiles(req.files);
    try {
      const view = await messages.create(actingScope(req), idParam(req.params.conversation_id, 'Conversation'), req.body ?? {}, attached, inline);
      res.json(serializeMessage(view));
    } finally {
      await Promise.all([...attached, ...inline].map((f) => rm(f.path, { force: true })));
    }
  });

  router.get('/conversations/:conversation_id/reply_limits', async (req, res) => {
    const limits = await messages.replyLimits(accountScope(req), idParam(req.params.conversation_id, 'Conversation'));
    res.json({ ...limits, max_attachment_bytes: MAX_ATTACHMENT_BYTES });
  });

  router.post('/conversations/:conversation_id/messages/:message_id/forward', async (req, res) => {
    const view = await messages.forward(accountScope(req), idParam(req.params.conversation_id, 'Conversation'), idParam(req.params.message_id, 'Message'), req.body ?? {});
    res.json(serializeMessage(view));
  });

  router.post('/conversations/:conversation_id/messages/:message_id/cancel', async (req, res) => {
    const view = await messages.cancel(accountScope(req), idParam(req.params.conversation_id, 'Conversation'), idParam(req.params.message_id, 'Message'));
    res.json(serializeMessage(view));
  });

  router.post('/conversations/:conversation_id/messages/:message_id/retry', async (req, res) => {
    const view = await messages.retry(accountScope(req), idParam(req.params.conversation_id, 'Conversation'), idParam(req.params.message_id, 'Message'));
    res.json(serializeMessage(view));
  });

  router.delete('/conversations/:conversation_id/messages/:message_id', async (req, res) => {
    const view = await messages.destroy(accountScope(req), idParam(req.params.conversation_id, 'Conversation'), idParam(req.params.message_id, 'Message'));
    res.json(serializeMessage(view));
  });

  router.post('/conversations/:conversation_id/transcript', async (req, res) => {
    await messages.sendTranscript(accountScope(req), idParam(req.params.conversation_id, 'Conversation'), req.body ?? {});
    res.json({ success: true });
  });

  router.get('/attachments/:attachment_id/download', async (req, res) => {
    const { attachment, open } = await messages.attachmentFile(accountScope(req), idParam(req.params.attachment_id, 'Attachment'));
    const inline = INLINE_TYPES.has(attachment.content_type);
    res.attachment(attachment.filename);
    if (inline) res.setHeader('Content-Disposition', (res.getHeader('Content-Disposition') as string).replace(/^attachment/, 'inline'));
    res.type(attachment.content_type || 'application/octet-stream');
    // Served from the app's own origin: the file must never run as a page there.
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    await pipeline(open(), res);
  });

  return router;
}
