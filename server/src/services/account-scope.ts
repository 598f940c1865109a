import type { Account, AccountUser, AgentBot, User } from '../models/index.js';

/** Who acts and in which account: what every account-scoped service call is checked against. */
export interface AccountScope {
  user: User;
  account: Account;
  accountUser: AccountUser;
  isAdministrator: boolean;
}

/**
 * An agent bot acting with its access token, as Chatwoot lets bots: only the few calls that take an
 * `ActingScope` accept it (send a message, change a conversation's status or priority), and only on
 * conversations of the account's inboxes the bot is attached to.
 */
export interface BotScope {
  bot: AgentBot;
  account: Account;
}

export type ActingScope = AccountScope | BotScope;

export const isBotScope = (scope: ActingScope): scope is BotScope => 'bot' in scope;
