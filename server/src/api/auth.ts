import type { Request, RequestHandler } from 'express';
import { constantTimeEqual } from '../lib/crypto.js';
import { AuthenticationError, ForbiddenError, NotFoundError } from '../lib/errors.js';
import { Account, AgentBotInbox, User } from '../models/index.js';
import type { AccessTokenService } from '../services/access-tokens.service.js';
import { accountScope } from './request-context.js';
import { idParam } from '../lib/validation.js';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    csrfToken?: string;
    /** The user's `session_epoch` at sign-in: a password change since then ends this session. */
    epoch?: number;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The `api_access_token` header as Rails reads it: Chatwoot clients send `api_access_token`,
 * `Api-Access-Token` or `API_ACCESS_TOKEN` — any case, underscores or hyphens.
 */
export function accessTokenHeader(req: Request): string | undefined {
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.replace(/_/g, '-').toLowerCase() === 'api-access-token' && typeof value === 'string' && value) return value;
  }
  return undefined;
}

/**
 * Who is calling: an `api_access_token` header (API clients, as in Chatwoot), devise-token-auth's
 * `access-token` + `uid` headers (clients that signed in with a password, see /auth/sign_in) or the
 * dashboard's session cookie. Cookie-authenticated writes must echo the session's CSRF token in a
 * header, which a cross-site form or script cannot read.
 */
export function authenticate(tokens: AccessTokenService): RequestHandler {
  return async (req, _res, next) => {
    const token = accessTokenHeader(req);
    if (token) {
      const user = await tokens.findUser(token);
      const bot = user ? null : await tokens.findAgentBot(token);
      if (bot) {
        req.agentBot = bot;
        req.authMethod = 'token';
        return next();
      }
      if (!user) throw new AuthenticationError('Invalid api_access_token');
      req.currentUser = user;
      req.authMethod = 'token';
      return next();
    }
    const deviseToken = req.get('access-token');
    if (deviseToken) {
      const user = await tokens.findUser(deviseToken);
      if (!user || user.email.toLowerCase() !== (req.get('uid') ?? '').trim().toLowerCase()) throw new AuthenticationError('Invalid access-token or uid');
      req.currentUser = user;
      req.authMethod = 'token';
      return next();
    }
    if (!req.session?.userId) throw new AuthenticationError();
    const user = await sessionUser(req);
    if (!user) throw new AuthenticationError('Your session has ended; please sign in again');
    if (!SAFE_METHODS.has(req.method)) {
      const sent = req.get(CSRF_HEADER) ?? '';
      if (!req.session.csrfToken || !constantTimeEqual(sent, req.session.csrfToken)) {
        throw new ForbiddenError('Missing or invalid CSRF token');
      }
    }
    req.currentUser = user;
    req.authMethod = 'session';
    next();
  };
}

/**
 * The session's user while the session is still valid: a session from before the user's last
 * password change (or reset) is destroyed, so a stolen cookie dies with the old password.
 */
export async function sessionUser(req: Request): Promise<User | null> {
  const userId = req.session?.userId;
  if (!userId) return null;
  const user = await User.findByPk(userId);
  if (user && (req.session.epoch ?? 0) === user.session_epoch) return user;
  await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
  return null;
}

/** Resolves `:account_id` to an account the caller belongs to; anything else looks like a 404. */
export function loadAccount(tokens: AccessTokenService): RequestHandler {
  return async (req, _res, next) => {
    const accountId = idParam(req.params.account_id, 'Account');
    if (req.agentBot) {
      if (!botMayCall(req)) throw new AuthenticationError('Access to this endpoint is not authorized for bots');
      return loadBotAccount(req, accountId).then(() => next());
    }
    const found = await tokens.membership(req.currentUser!.id, accountId);
    if (!found || found.account.status !== 'active') throw new NotFoundError('Account');
    req.account = found.account;
    req.accountUser = found.accountUser;
    next();
  };
}

/**
 * Chatwoot's `BOT_ACCESSIBLE_ENDPOINTS`: what an agent bot's token may call under an account (paths
 * relative to `/api/v1/accounts/:account_id`). The routes themselves take the bot through
 * `actingScope`; every other handler's `accountScope` refuses it too.
 */
const BOT_ENDPOINTS: [string, RegExp][] = [
  ['POST', /^\/conversations\/\d+\/messages\/?$/],
  ['POST', /^\/conversations\/\d+\/(toggle_status|toggle_priority|custom_attributes|assignments)\/?$/],
  ['PATCH', /^\/conversations\/\d+\/?$/],
];
const botMayCall = (req: Request) => BOT_ENDPOINTS.some(([method, path]) => req.method === method && path.test(req.path));

/** Chatwoot lets a bot into an account only where it is attached to one of its inboxes. */
async function loadBotAccount(req: Request, accountId: number): Promise<void> {
  const attached = await AgentBotInbox.findOne({ where: { account_id: accountId, agent_bot_id: req.agentBot!.id }, attributes: ['id'] });
  const account = attached ? await Account.findByPk(accountId) : null;
  if (!account || account.status !== 'active') throw new AuthenticationError('This agent bot is not attached to an inbox of this account');
  req.account = account;
}

export const requireAdministrator: RequestHandler = (req, _res, next) => {
  if (!accountScope(req).isAdministrator) throw new ForbiddenError('Only administrators of this account can do this');
  next();
};

/** Platform API: the installation's `PLATFORM_API_TOKEN`; disabled entirely when it is not set. */
export function authenticatePlatform(platformToken: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!platformToken) throw new NotFoundError('Platform API (set PLATFORM_API_TOKEN to enable it)');
    const sent = accessTokenHeader(req) ?? '';
    if (!constantTimeEqual(sent, platformToken)) throw new AuthenticationError('Invalid platform api_access_token');
    next();
  };
}

/** Installation operators (`users.type = SuperAdmin`): the job dashboard. */
export const requireSuperAdmin: RequestHandler = (req, _res, next) => {
  if (req.currentUser?.type !== 'SuperAdmin') throw new ForbiddenError('Only installation administrators can open this page');
  next();
};
