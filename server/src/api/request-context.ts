import type { Request } from 'express';
import type { Account, AccountUser, AgentBot, User } from '../models/index.js';
import type { Logger } from '../lib/logger.js';
import { AuthenticationError } from '../lib/errors.js';
import type { AccountScope, ActingScope } from '../services/account-scope.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      log: Logger;
      currentUser?: User;
      /** The agent bot whose access token authenticated the request (then there is no user). */
      agentBot?: AgentBot;
      /** How the user authenticated: token requests skip the CSRF check, cookie ones do not. */
      authMethod?: 'token' | 'session';
      account?: Account;
      accountUser?: AccountUser;
    }
  }
}

/**
 * The authenticated user and the account of an `/api/v1/accounts/:account_id/...` request. An agent
 * bot's token is refused here: only the routes that ask for `actingScope` let bots in, as Chatwoot's
 * list of bot-accessible endpoints does.
 */
export function accountScope(req: Request): AccountScope {
  if (req.agentBot) throw new AuthenticationError('Access to this endpoint is not authorized for bots');
  const { currentUser: user, account, accountUser } = req;
  if (!user || !account || !accountUser) throw new AuthenticationError();
  return { user, account, accountUser, isAdministrator: accountUser.role === 'administrator' };
}

/** The caller of a route bots may call too: the agent bot with its account, or the user's scope. */
export function actingScope(req: Request): ActingScope {
  if (req.agentBot && req.account) return { bot: req.agentBot, account: req.account };
  return accountScope(req);
}

export function currentUser(req: Request): User {
  if (!req.currentUser) throw new AuthenticationError();
  return req.currentUser;
}
