// The control API (plain HTTP, loopback only) for tests and the demo: the world as JSON, reset, mail
// delivery, faults, token and permission changes, lifecycle events and what was sent. It also hosts
// the login hook Dovecot's Lua passdb calls.
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { SandboxControl } from '../control.js';

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

const eventSchema = z.object({
  id: z.string().optional(),
  subject: z.string(),
  start: z.string(),
  end: z.string(),
  isCancelled: z.boolean().optional(),
  attendees: z.array(z.object({ name: z.string(), address: z.string(), response: z.enum(['none', 'accepted', 'declined', 'tentativelyAccepted']).optional() })).optional(),
  location: z.string().optional(),
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
  app.post('/graph/limits', (req, res) => {
    const limits = z.object({ concurrency: z.number().int().min(1).optional(), budgetPer10Min: z.number().int().min(1).optional() }).parse(req.body);
    Object.assign(control.throttle.limits, limits);
    res.json(control.throttle.limits);
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
