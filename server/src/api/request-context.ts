import type { Request } from 'express';
import type { Account, AccountUser, User } from '../models/index.js';
import type { Logger } from '../lib/logger.js';
import { AuthenticationError } from '../lib/errors.js';
import type { AccountScope } from '../services/account-scope.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      log: Logger;
      currentUser?: User;
      /** How the user authenticated: token requests skip the CSRF check, cookie ones do not. */
      authMethod?: 'token' | 'session';
      account?: Account;
      accountUser?: AccountUser;
    }
  }
}

/** The authenticated user and the account of an `/api/v1/accounts/:account_id/...` request. */
export function accountScope(req: Request): AccountScope {
  const { currentUser: user, account, accountUser } = req;
  if (!user || !account || !accountUser) throw new AuthenticationError();
  return { user, account, accountUser, isAdministrator: accountUser.role === 'administrator' };
}

export function currentUser(req: Request): User {
  if (!req.currentUser) throw new AuthenticationError();
  return req.currentUser;
}
