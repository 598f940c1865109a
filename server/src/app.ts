import express, { Router, type Express, type RequestHandler } from 'express';
import cookieParser from 'cookie-parser';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import type { Config } from './config.js';
import type { Registries } from './extensions/registries.js';
import { loggableQuery, loggableUrl, withCorrelation, type Logger } from './lib/logger.js';
import { repoRoot } from './lib/paths.js';
import { apiNotFound, errorHandler } from './api/errors.js';
import { accessTokenHeader, authenticate, authenticatePlatform, loadAccount } from './api/auth.js';
import { sessionsRouter } from './api/auth/sessions.router.js';
import { signInGuard } from './api/auth/sign-in-guard.js';
import { profileRouter } from './api/v1/profile.router.js';
import { docsRouter } from './api/docs.router.js';
import type { AccessTokenService } from './services/access-tokens.service.js';
import type { ProfileService } from './services/profiles.service.js';
import type { SsoLinks } from './services/sso-links.service.js';
import type { RealtimeHub } from './realtime/realtime-hub.js';
import type { JobQueues } from './jobs/queues.js';
import { jobsDashboard } from './jobs/dashboard.router.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  sequelize: Sequelize;
  redis: Redis;
  registries: Registries;
  queues: JobQueues;
  tokens: AccessTokenService;
  profiles: ProfileService;
  realtime: Pick<RealtimeHub, 'endSession'>;
  sso: SsoLinks;
}

/** Builds the HTTP app from its dependencies; no globals, so every test builds its own. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, registries } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);

  app.use((req, res, next) => {
    const id = (req.get('x-request-id') || randomUUID()).slice(0, 64);
    res.setHeader('x-request-id', id);
    withCorrelation(id, next);
  });
  app.use(
    pinoHttp({
      logger: logger.child({ component: 'http' }),
      genReqId: (_req, res) => String(res.getHeader('x-request-id')),
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      serializers: { req: (req: { url: string; query?: Record<string, unknown> }) => ({ ...req, url: loggableUrl(req.url), query: loggableQuery(req.query) }) },
    }),
  );
  app.use(helmet({ contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:', 'blob:'] } } }));

  app.get('/healthz', health(deps));

  // OAuth sign-ins are bound to the browser by a cookie (api/oauth-handshake), read at start and callback.
  app.use(cookieParser());
  // Public routes (OAuth callbacks, webhooks) come before body parsing and sessions: each parses what it needs.
  const publicRoutes = Router();
  for (const r of registries.routes.list().filter((r) => r.mount === 'public')) publicRoutes.use(r.router);
  app.use(publicRoutes);

  app.use(express.json({ limit: '25mb' }));
  // Rails-style nested form fields (`message[content]=…`), as Chatwoot clients post them.
  app.use(express.urlencoded({ extended: true, limit: '1mb', parameterLimit: 1000 }));
  const sessions = session({
      name: 'leadchat_session',
      secret: config.SESSION_SECRET,
      store: new RedisStore({ client: deps.redis, prefix: `${config.REDIS_PREFIX}:sess:` }),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.FRONTEND_URL.startsWith('https:'), maxAge: 14 * 24 * 3600 * 1000 },
  });
  // A request carrying an access token is authenticated by it alone (see `authenticate`): its API
  // routes never read a session, so none is loaded from Redis or created for it.
  app.use((req, res, next) => (req.path.startsWith('/api/') && (accessTokenHeader(req) || req.get('access-token')) ? next() : sessions(req, res, next)));

  const auth = authenticate(deps.tokens);
  app.post('/auth/sign_in', ...signInGuard({ redis: deps.redis, redisPrefix: config.REDIS_PREFIX, frontendUrl: config.FRONTEND_URL }));
  app.use('/auth', sessionsRouter(deps.profiles, config.EXTENSIONS, deps.realtime, deps.tokens, deps.sso));
  app.use('/api/v1/profile', auth, profileRouter(deps.profiles));

  const accountRoutes = Router({ mergeParams: true });
  for (const r of registries.routes.list().filter((r) => r.mount === 'account')) accountRoutes.use(r.router);
  const account = loadAccount(deps.tokens);
  app.use('/api/v1/accounts/:account_id', auth, account, accountRoutes);
  const accountV2Routes = Router({ mergeParams: true });
  for (const r of registries.routes.list().filter((r) => r.mount === 'account_v2')) accountV2Routes.use(r.router);
  app.use('/api/v2/accounts/:account_id', auth, account, accountV2Routes);

  const platformRoutes = Router();
  for (const r of registries.routes.list().filter((r) => r.mount === 'platform')) platformRoutes.use(r.router);
  app.use('/platform/api/v1', authenticatePlatform(config.PLATFORM_API_TOKEN), platformRoutes);

  // Chatwoot's `GET /api`: clients call it to check that they reach a Chatwoot-style server.
  app.get('/api', apiStatus(deps));
  app.use('/api/docs', docsRouter());
  app.use('/admin/jobs', auth, jobsDashboard(deps.queues));
  // The emailed links (invitation, reset) and the reset request are dashboard pages under Devise's paths.
  app.get(DASHBOARD_AUTH_PAGES, sendDashboard);
  app.use(['/api', '/platform', '/auth'], apiNotFound);

  serveDashboard(app);
  app.use(errorHandler);
  return app;
}

function apiStatus(deps: AppDeps): RequestHandler {
  return async (_req, res) => {
    const check = (fn: () => Promise<unknown>) => fn().then(() => 'ok', () => 'failing');
    const [dataServices, queueServices] = await Promise.all([check(() => deps.sequelize.authenticate()), check(() => deps.redis.ping())]);
    res.json({ version: APP_VERSION, timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19), queue_services: queueServices, data_services: dataServices });
  };
}

function health(deps: AppDeps): RequestHandler {
  return async (_req, res) => {
    const check = async (fn: () => Promise<unknown>) => fn().then(() => 'ok', (e: Error) => `error: ${e.message}`);
    const [database, redis] = await Promise.all([check(() => deps.sequelize.authenticate()), check(() => deps.redis.ping())]);
    const schedules = redis === 'ok' ? await deps.queues.scheduleHealth().catch(() => undefined) : undefined;
    const ok = database === 'ok' && redis === 'ok';
    // Lost or stale schedules are reported (the worker re-creates lost ones within a minute) without
    // failing the health check: the process itself still serves.
    res.status(ok ? 200 : 503).json({
      status: ok && !schedules?.missing.length && !schedules?.stale.length ? 'ok' : 'degraded',
      database, redis, schedules: schedules ?? 'unknown', extensions: deps.config.EXTENSIONS,
    });
  };
}

const APP_VERSION = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

const DASHBOARD_DIST = path.join(repoRoot, 'client', 'dist');
const DASHBOARD_INDEX = path.join(DASHBOARD_DIST, 'index.html');
const DASHBOARD_AUTH_PAGES = ['/auth/password/edit', '/auth/password/new'];

const sendDashboard: RequestHandler = (_req, res) => {
  if (existsSync(DASHBOARD_INDEX)) res.sendFile(DASHBOARD_INDEX);
  else res.status(503).type('text').send('The dashboard is not built yet: run `npm run build:client` (npm start does it for you).');
};

/** The built Vue dashboard (client/dist), with history-mode fallback to index.html. */
function serveDashboard(app: Express): void {
  app.use(express.static(DASHBOARD_DIST, { index: false, maxAge: '1h' }));
  app.get(/^\/(?!api\/|platform\/|auth\/|admin\/).*/, sendDashboard);
}
