// The control API (plain HTTP, loopback only) for tests and the demo: the world as JSON, reset, mail
// delivery, faults, token and permission changes, lifecycle events and what was sent. It also hosts
// the login hook Dovecot's Lua passdb calls.
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { SandboxControl } from '../control.js';
import { BULK_MAX } from '../mail/bulk-seed.js';
import { isTimeZone } from '../google/event-time.js';

const deliverSchema = z.object({
  to: z.union([z.string(), z.array(z.string()).min(1)]),
  cc: z.array(z.string()).optional(),
  from: z.string().optional(),
  subject: z.string().optional(),
  text: z.string().optional(),
  html: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  messageId: z.string().optional(),
  inReplyTo: z.string().optional(),
  references: z.union([z.string(), z.array(z.string())]).optional(),
  /** A complete RFC 5322 message instead of the fields above. */
  raw: z.string().optional(),
  rawEncoding: z.enum(['utf8', 'base64']).optional(),
});

const addressSchema = z.object({ name: z.string().optional(), address: z.string().min(3) });
const bulkSchema = z.object({
  mailbox: z.string(),
  folder: z.enum(['INBOX', 'Sent Items']),
  messages: z.array(z.object({
    from: addressSchema,
    to: z.array(addressSchema),
    cc: z.array(addressSchema).optional(),
    bcc: z.array(addressSchema).optional(),
    subject: z.string(),
    date: z.string().refine((d) => !Number.isNaN(Date.parse(d)), 'an ISO date'),
    headers: z.record(z.string(), z.string()).optional(),
    seen: z.boolean().optional(),
  })).max(BULK_MAX),
});

const gmailAddress = z.union([z.string().min(3), addressSchema]);
const gmailMessagesSchema = z.object({
  messages: z.array(z.object({
    from: gmailAddress,
    to: z.array(gmailAddress),
    cc: z.array(gmailAddress).optional(),
    bcc: z.array(gmailAddress).optional(),
    subject: z.string(),
    labelIds: z.array(z.string()),
    at: z.union([z.number(), z.string().refine((d) => !Number.isNaN(Date.parse(d)), 'an ISO date')]),
    headers: z.record(z.string(), z.string()).optional(),
  })).max(BULK_MAX),
  record: z.boolean().optional(),
});

const googleEventSchema = z.object({
  id: z.string().regex(/^[a-v0-9]{5,1024}$/, 'Google event ids use base32hex (a-v, 0-9), 5-1024 characters').optional(),
  summary: z.string(),
  start: z.string().refine((d) => !Number.isNaN(Date.parse(d)), 'an ISO date'),
  end: z.string().refine((d) => !Number.isNaN(Date.parse(d)), 'an ISO date'),
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone').optional(),
  allDay: z.boolean().optional(),
  attendees: z.array(z.object({
    email: z.string().min(3), responseStatus: z.enum(['needsAction', 'declined', 'tentative', 'accepted']),
    self: z.boolean().optional(), organizer: z.boolean().optional(),
  })),
  organizer: z.string().optional(),
  status: z.enum(['confirmed', 'cancelled']).optional(),
});

const faultSchema = z.object({
  path: z.string().min(1),
  method: z.string().optional(),
  status: z.number().int().min(100).max(599).optional(),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  delayMs: z.number().int().min(0).max(60_000).optional(),
  count: z.number().int().min(1).optional(),
});

const revokeSchema = z.object({ user: z.string().optional(), clientId: z.string().optional(), token: z.string().optional() })
  .refine((v) => v.user || v.token, 'give user or token');

const permissionSchema = z.union([
  z.object({ mailbox: z.string(), user: z.string(), right: z.enum(['FullAccess', 'SendAs']), grant: z.boolean() }),
  z.object({ mailbox: z.string(), messageCopyForSentAsEnabled: z.boolean() }),
  z.object({ clientId: z.string(), appRole: z.string(), grant: z.boolean() }),
  z.object({ clientId: z.string(), user: z.string(), scope: z.string().optional(), grant: z.literal(false) }),
]);

const issueSchema = z.object({
  clientId: z.string().optional(),
  user: z.string().optional(),
  resource: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  roles: z.array(z.string()).optional(),
  lifetimeSeconds: z.number().int().optional(),
});

const limitsSchema = z.object({
  concurrency: z.number().int().min(1).optional(),
  budgetPer10Min: z.number().int().min(1).optional(),
  requestsPerSecond: z.number().positive().nullable().optional(),
  burst: z.number().min(1).nullable().optional(),
});

const eventSchema = z.object({
  id: z.string().optional(),
  subject: z.string(),
  start: z.string(),
  end: z.string(),
  isCancelled: z.boolean().optional(),
  attendees: z.array(z.object({ name: z.string(), address: z.string(), response: z.enum(['none', 'accepted', 'declined', 'tentativelyAccepted']).optional() })).optional(),
  location: z.string().optional(),
  timeZone: z.string().optional(),
  preferIgnored: z.boolean().optional(),
});

export function createControlApp(control: SandboxControl, logger: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.post('/internal/mail-auth', express.text({ type: '*/*' }), async (req, res) => {
    const result = await control.mailAuth.fromLoginHook(String(req.body ?? ''));
    res.status(result.ok ? 200 : 403).send(result.ok ? 'ok' : result.reason);
  });
  app.use(express.json({ limit: '40mb' }));

  app.get('/world', (_req, res) => { res.json(control.worldInfo()); });
  app.post('/reset', async (_req, res) => {
    await control.reset();
    res.json({ ok: true });
  });

  app.post('/mail/deliver', async (req, res) => {
    res.status(201).json(await control.deliver(deliverSchema.parse(req.body)));
  });

  app.post('/mail/bulk', async (req, res) => {
    res.json(await control.bulkMail(bulkSchema.parse(req.body)));
  });

  app.get('/faults', (_req, res) => { res.json(control.faults.list()); });
  app.post('/faults', (req, res) => { res.status(201).json({ id: control.faults.add(faultSchema.parse(req.body)) }); });
  app.delete('/faults', (_req, res) => {
    control.faults.clear();
    res.status(204).end();
  });

  app.post('/tokens/revoke', (req, res) => { res.json({ revoked: control.revokeRefreshTokens(revokeSchema.parse(req.body)) }); });
  app.post('/tokens/lifetime', (req, res) => {
    control.setTokenLifetime(z.object({ seconds: z.number().int().min(1) }).parse(req.body).seconds);
    res.json({ ok: true });
  });
  app.post('/tokens/issue', async (req, res) => { res.json({ access_token: await control.issueToken(issueSchema.parse(req.body)) }); });

  app.post('/permissions', (req, res) => {
    control.setPermission(permissionSchema.parse(req.body));
    res.json({ ok: true });
  });

  app.post('/exchange/smtp-auth', (req, res) => {
    const { disabled } = z.object({ disabled: z.boolean() }).parse(req.body);
    control.setSmtpAuthDisabled(disabled);
    res.json({ disabled });
  });

  app.get('/entra/policy', (_req, res) => { res.json(control.consentPolicy()); });
  app.post('/entra/policy', (req, res) => {
    res.json(control.setConsentPolicy(z.object({ userConsent: z.enum(['allowed', 'admin_only']) }).parse(req.body)));
  });

  app.get('/sent', (_req, res) => { res.json(control.sent()); });

  app.get('/graph/subscriptions', (_req, res) => { res.json(control.graph.subscriptions.all()); });
  app.get('/graph/notifications', (_req, res) => { res.json(control.graph.subscriptions.deliveries); });
  app.post('/graph/subscriptions/:id/lifecycle', async (req, res) => {
    const { event } = z.object({ event: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']) }).parse(req.body);
    res.json(await control.graph.fireLifecycle(req.params.id, event));
  });
  app.post('/graph/delta/expire', (_req, res) => {
    control.graph.delta.expireAll();
    res.json({ ok: true });
  });
  app.get('/graph/limits', (_req, res) => { res.json(control.throttle.limits); });
  app.post('/graph/limits', (req, res) => { res.json(control.throttle.setLimits(limitsSchema.parse(req.body ?? {}))); });
  app.get('/graph/requests', (_req, res) => { res.json(control.graph.requests.snapshot()); });
  app.post('/graph/requests/reset', (_req, res) => {
    control.graph.requests.reset();
    res.json(control.graph.requests.snapshot());
  });

  app.post('/calendar/:user/events', (req, res) => {
    res.status(201).json(control.upsertEvent(req.params.user, eventSchema.parse(req.body)));
  });
  app.delete('/calendar/:user/events/:id', (req, res) => {
    control.deleteEvent(req.params.user, req.params.id);
    res.status(204).end();
  });

  app.post('/google/history/expire', (_req, res) => {
    control.google.expireHistory();
    res.json({ ok: true });
  });
  app.get('/google/quota', (_req, res) => { res.json(control.google.quota.report()); });
  app.post('/google/quota', (req, res) => {
    res.json(control.google.quota.configure(z.object({ unitsPerMinute: z.number().int().min(1).optional(), enabled: z.boolean().optional() }).parse(req.body ?? {})));
  });
  app.post('/google/quota/reset-usage', (_req, res) => {
    control.google.quota.resetUsage();
    res.json(control.google.quota.report());
  });
  app.post('/google/messages', (req, res) => {
    const input = gmailMessagesSchema.parse(req.body);
    const ids = input.messages.map((m) => control.google.data.addMessage({ ...m, at: typeof m.at === 'number' ? m.at : Date.parse(m.at) }, input.record ?? true).id);
    res.json({ ids, historyId: String(control.google.data.historyId) });
  });
  app.delete('/google/messages/:id', (req, res) => {
    if (!control.google.data.deleteMessage(req.params.id)) return void res.status(404).json({ error: `no Gmail message ${req.params.id}` });
    res.json({ historyId: String(control.google.data.historyId) });
  });
  app.post('/google/events', (req, res) => {
    res.json(control.google.renderEvent(control.google.data.upsertEvent(googleEventSchema.parse(req.body))));
  });
  app.delete('/google/events/:id', (req, res) => {
    const event = control.google.data.cancelEvent(req.params.id);
    if (!event) return void res.status(404).json({ error: `no Google event ${req.params.id}` });
    res.json(control.google.renderEvent(event));
  });

  app.use((_req: Request, res: Response) => { res.status(404).json({ error: 'not found' }); });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof z.ZodError) return void res.status(400).json({ error: 'invalid request', issues: err.issues });
    logger.warn({ err }, 'control request failed');
    res.status(400).json({ error: (err as Error).message });
  });
  return app;
}

export function listen(server: http.Server | import('node:https').Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as import('node:net').AddressInfo).port);
    });
  });
}
