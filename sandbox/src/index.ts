// Starts the whole sandbox: the local CA's certificate, the control API (Dovecot's login hook lives
// there, so it comes first), Dovecot, the SMTP submission server and one HTTPS server carrying the
// Entra ID, Graph, LeadMail and Google stand-ins; stop() takes it all down again.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import express from 'express';
import { pino, type Logger } from 'pino';
import { ensureCa, defaultCaDir, repoRoot } from './ca.js';
import { resolvePorts, type SandboxPorts } from './ports.js';
import { World } from './world/world.js';
import { TokenService } from './entra/tokens.js';
import { Grants } from './entra/grants.js';
import { createEntraRouter } from './entra/entra-router.js';
import { Faults } from './http/faults.js';
import { createControlApp, listen } from './http/control-api.js';
import { MailAuth } from './mail/mail-auth.js';
import { Dovecot } from './mail/dovecot.js';
import { MailStore } from './mail/mailstore.js';
import { PostOffice } from './mail/post-office.js';
import { createSmtpSubmission } from './mail/smtp-submission.js';
import { MessageReader } from './graph/messages.js';
import { createGraph } from './graph/graph-router.js';
import { Throttle } from './graph/throttle.js';
import { createLeadMailRouter } from './leadmail/leadmail-router.js';
import { createGoogle } from './google/google-router.js';
import { GoogleIdTokens } from './google/google-id-tokens.js';
import { SandboxControl } from './control.js';
import { worldInfo, type WorldInfo } from './world-info.js';

export type { SandboxPorts } from './ports.js';
export type { WorldInfo } from './world-info.js';
export type { SandboxControl } from './control.js';

export interface SandboxOptions {
  /** Dovecot's config and mail live here; wiped on start. Default <repo>/.runtime/sandbox. */
  runtimeDir?: string;
  /** Where the CA lives (must be what NODE_EXTRA_CA_CERTS points at). Default <repo>/.runtime/ca. */
  caDir?: string;
  /** Missing or 0 = any free loopback port. */
  ports?: Partial<SandboxPorts>;
  logger?: Logger;
  /** Lifetime of access and id tokens (default 3600, as Entra). */
  tokenLifetimeSeconds?: number;
}

export interface RunningSandbox {
  world: WorldInfo;
  control: SandboxControl;
  stop(): Promise<void>;
}

export const defaultRuntimeDir = path.join(repoRoot, '.runtime', 'sandbox');

function closeServer(server: http.Server | https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const logger = opts.logger ?? pino({ name: 'sandbox', level: process.env.SANDBOX_LOG_LEVEL ?? 'warn' });
  const ca = ensureCa(opts.caDir ?? defaultCaDir);
  const ports = await resolvePorts(opts.ports);
  const runtimeDir = path.resolve(opts.runtimeDir ?? defaultRuntimeDir);
  fs.mkdirSync(runtimeDir, { recursive: true });
  // Dovecot's unprivileged processes must be able to walk into it (mkdtemp makes 0700 folders).
  fs.chmodSync(runtimeDir, 0o755);

  const world = new World(opts.tokenLifetimeSeconds ?? 3600);
  const baseUrl = (): string => `https://localhost:${ports.https}`;
  const tokens = await TokenService.create(world, (tenantId) => `${baseUrl()}/${tenantId}/v2.0`);
  const grants = new Grants();
  const faults = new Faults();
  const throttle = new Throttle();
  world.onReset(() => throttle.reset());
  const mailAuth = new MailAuth(world, tokens, logger.child({ component: 'mail-auth' }));
  const info = (): WorldInfo => worldInfo(world, ports, ca.caCertPath);

  const cleanups: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logger.warn({ err }, 'sandbox cleanup step failed');
      }
    }
  };

  try {
    // The control server goes first: Dovecot's Lua passdb calls it for every login.
    let controlApp: express.Express | null = null;
    const controlServer = http.createServer((req, res) => {
      if (controlApp) controlApp(req, res);
      else res.writeHead(503).end();
    });
    await listen(controlServer, ports.control);
    cleanups.push(() => closeServer(controlServer));

    const dovecot = new Dovecot({
      dir: path.join(runtimeDir, 'dovecot'), imapPort: ports.imap, imapsPort: ports.imaps, lmtpPort: ports.lmtp, authPort: ports.control,
      mailboxes: world.allMailboxes().map((m) => m.address), certPath: ca.serverCertPath, keyPath: ca.serverKeyPath,
      logger: logger.child({ component: 'dovecot' }),
    });
    // Until the control object exists only the login hook is needed; the full app replaces it below.
    controlApp = express().post('/internal/mail-auth', express.text({ type: '*/*' }), async (req, res) => {
      const r = await mailAuth.fromLoginHook(String(req.body ?? ''));
      res.status(r.ok ? 200 : 403).send(r.ok ? 'ok' : r.reason);
    });
    await dovecot.start();
    cleanups.push(() => dovecot.stop());

    const store = new MailStore({ imapPort: ports.imap, lmtpPort: ports.lmtp, secret: mailAuth.internalSecret, logger: logger.child({ component: 'mailstore' }) });
    cleanups.push(() => store.close());
    const postOffice = new PostOffice(world, store, logger.child({ component: 'post-office' }));
    const reader = new MessageReader(store);
    const graph = createGraph({ world, tokens, faults, throttle, postOffice, reader, baseUrl, logger: logger.child({ component: 'graph' }) });
    const google = createGoogle({ world, faults, lifetimeSeconds: () => world.tokenLifetimeSeconds, idTokens: await GoogleIdTokens.create(baseUrl) });
    const control = new SandboxControl(world, { tokens, grants, faults, mailAuth, postOffice, store, dovecot, graph, throttle, google, info });
    await control.seedMail();
    controlApp = createControlApp(control, logger.child({ component: 'control' }));

    const app = express();
    app.disable('x-powered-by');
    app.set('trust proxy', false);
    app.use('/v1.0', graph.router);
    app.use('/api/v2.0', graph.uploads);
    app.use('/leadmail', createLeadMailRouter({ world, postOffice, faults }));
    app.use('/google', google.router);
    // Google's discovery document lives at its issuer's origin (accounts.google.com/.well-known/...).
    app.get('/.well-known/openid-configuration', (_req, res) => { res.json(google.idTokens.discovery(baseUrl())); });
    app.use(createEntraRouter({ world, tokens, grants, faults, baseUrl, logger: logger.child({ component: 'entra' }) }));
    app.use((_req, res) => { res.status(404).json({ error: { code: 'NotFound', message: 'No sandbox endpoint here.' } }); });
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      logger.error({ err }, 'https request failed');
      res.status(500).json({ error: { code: 'InternalServerError', message: err.message } });
    });
    const httpsServer = https.createServer({ cert: fs.readFileSync(ca.serverCertPath), key: fs.readFileSync(ca.serverKeyPath) }, app);
    await listen(httpsServer, ports.https);
    cleanups.push(() => closeServer(httpsServer));

    const smtp = createSmtpSubmission({ world, auth: mailAuth, postOffice, certPath: ca.serverCertPath, keyPath: ca.serverKeyPath, logger: logger.child({ component: 'smtp' }) });
    await new Promise<void>((resolve, reject) => {
      smtp.server.once('error', reject);
      smtp.listen(ports.smtp, '127.0.0.1', () => resolve());
    });
    cleanups.push(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

    logger.info({ ports }, 'sandbox started');
    return { world: info(), control, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
