import { AccountUser, User, type Account, type AgentBot } from '../models/index.js';

/** An automation rule acting on the account's conversations (set on the scope it acts with). */
export interface AutomationActor {
  ruleId: number;
}

/** Who acts and in which account: what every account-scoped service call is checked against. */
export interface AccountScope {
  user: User;
  account: Account;
  accountUser: AccountUser;
  isAdministrator: boolean;
  /** Set when an automation rule acts instead of a person (see `automationScope`). */
  automation?: AutomationActor;
}

/** Chatwoot's name for the actor of an automation's changes in activity lines. */
export const AUTOMATION_ACTOR_NAME = 'Automation System';

/**
 * The scope an automation rule acts with: an administrator's reach over the account, and no user of
 * its own. `user` is an unsaved stand-in named "Automation System" (id 0 matches no row) so activity
 * lines name it; services read `automation` wherever a person would be recorded (the event's actor,
 * a message's sender) and mark their events with the rule, which keeps rules from triggering rules.
 */
export function automationScope(account: Account, actor: AutomationActor): AccountScope {
  const user = User.build({ id: 0, name: AUTOMATION_ACTOR_NAME } as never);
  const accountUser = AccountUser.build({ account_id: account.id, user_id: 0, role: 'administrator' } as never);
  return { user, account, accountUser, isAdministrator: true, automation: actor };
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

/** How an event names who made a change: the agent's id, the automation rule that acted, or nobody (a bot). */
export function actorOf(scope: ActingScope): { actorUserId?: number; automationRuleId?: number } {
  if (isBotScope(scope)) return {};
  return scope.automation ? { automationRuleId: scope.automation.ruleId } : { actorUserId: scope.user.id };
}
