import type { Account, AccountUser, User } from '../models/index.js';

/** Who acts and in which account: what every account-scoped service call is checked against. */
export interface AccountScope {
  user: User;
  account: Account;
  accountUser: AccountUser;
  isAdministrator: boolean;
}
