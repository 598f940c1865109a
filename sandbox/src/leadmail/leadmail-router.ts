// LeadMail transactional-email API stand-in: POST /v1/messages with a bearer API key, the message
// built with the caller's threading headers (message_id, in_reply_to, references) as RFC 5322
// headers and delivered through the post office; GET /v1/messages/{id}; validation errors as 422.
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { World } from '../world/world.js';
import type { PostOffice } from '../mail/post-office.js';
import type { Faults } from '../http/faults.js';
import { seedLeadMail } from '../world/seed.js';
import { composeMime } from '../mail/mime.js';

const address = z.union([
  z.email(),
  z.object({ email: z.email(), name: z.string().optional() }),
]);
const msgId = z.string().regex(/^<[^<>\s@]+@[^<>\s@]+>$/, 'must look like <local@domain>');

const messageSchema = z.object({
  from: address,
  to: z.union([address, z.array(address).min(1)]),
  cc: z.array(address).optional(),
  bcc: z.array(address).optional(),
  reply_to: address.optional(),
  subject: z.string().min(1),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z.array(z.object({ filename: z.string().min(1), content: z.base64(), content_type: z.string().optional() })).optional(),
  message_id: msgId.optional(),
  in_reply_to: msgId.optional(),
  references: z.union([z.string(), z.array(msgId)]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
}).refine((m) => m.text !== undefined || m.html !== undefined, { message: 'text or html is required', path: ['text'] });

type Address = z.infer<typeof address>;
const norm = (a: Address): { address: string; name: string } => (typeof a === 'string' ? { address: a.toLowerCase(), name: '' } : { address: a.email.toLowerCase(), name: a.name ?? '' });

interface LeadMailMessage {
  id: string;
  status: 'delivered';
  created_at: string;
  message_id: string;
  from: string;
  to: string[];
  subject: string;
}

export function createLeadMailRouter(o: { world: World; postOffice: PostOffice; faults: Faults }): express.Router {
  const router = express.Router();
  const messages = new Map<string, LeadMailMessage>();
  o.world.onReset(() => messages.clear());

  router.use(o.faults.middleware());
  router.use((req, res, next) => {
    const key = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (key !== seedLeadMail.apiKey) return void res.status(401).json({ error: { type: 'unauthorized', message: 'Missing or invalid API key.' } });
    next();
  });
  router.use(express.json({ limit: '40mb' }));

  router.post('/v1/messages', async (req, res) => {
    const parsed = messageSchema.safeParse(req.body);
    if (!parsed.success) {
      return void res.status(422).json({
        error: { type: 'validation_error', message: 'The request is invalid.', fields: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      });
    }
    const m = parsed.data;
    const from = norm(m.from);
    if (!seedLeadMail.verifiedDomains.includes(from.address.split('@')[1] ?? '')) {
      return void res.status(422).json({ error: { type: 'validation_error', message: 'The request is invalid.', fields: [{ path: 'from', message: `domain ${from.address.split('@')[1]} is not verified` }] } });
    }
    const to = (Array.isArray(m.to) ? m.to : [m.to]).map(norm);
    const references = Array.isArray(m.references) ? m.references.join(' ') : m.references;
    const raw = await composeMime({
      from, to, cc: (m.cc ?? []).map(norm), bcc: (m.bcc ?? []).map(norm), replyTo: m.reply_to ? norm(m.reply_to) : undefined,
      subject: m.subject, text: m.text, html: m.html,
      messageId: m.message_id, inReplyTo: m.in_reply_to, references,
      headers: m.headers,
      attachments: (m.attachments ?? []).map((a) => ({ filename: a.filename, content: Buffer.from(a.content, 'base64'), contentType: a.content_type })),
    });
    const record = await o.postOffice.submit({ via: 'leadmail', submittedBy: 'leadmail', raw, sentCopies: [] });
    const id = `lm_${crypto.randomBytes(12).toString('hex')}`;
    messages.set(id, { id, status: 'delivered', created_at: record.at, message_id: record.messageId, from: from.address, to: to.map((t) => t.address), subject: m.subject });
    res.status(202).json({ id });
  });

  router.get('/v1/messages/:id', (req, res) => {
    const message = messages.get(req.params.id);
    if (!message) return void res.status(404).json({ error: { type: 'not_found', message: `No message ${req.params.id}.` } });
    res.json(message);
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if ((err as { type?: string }).type === 'entity.parse.failed') return void res.status(400).json({ error: { type: 'invalid_json', message: 'Body is not valid JSON.' } });
    next(err);
  });
  return router;
}
