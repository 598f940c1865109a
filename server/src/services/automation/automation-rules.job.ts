import type { Sequelize } from 'sequelize';
import type { EventBus, LifecycleEvents } from '../../extensions/events.js';
import type { JobDefinition } from '../../extensions/types.js';
import type { JobQueues } from '../../jobs/queues.js';
import type { Logger } from '../../lib/logger.js';
import { Account, Conversation } from '../../models/index.js';
import type { AutomationEvent, AutomationRule } from '../../models/automation-rule.model.js';
import { automationScope } from '../account-scope.js';
import { ACTIONS, type ActionServices } from './automation-actions.js';
import { conditionsMatch } from './automation-conditions.js';
import type { AutomationRuleService } from './automation-rules.service.js';

export const AUTOMATION_JOB = 'automation_rules.run';

export interface AutomationJobData {
  accountId: number;
  conversationId: number;
  /** The message of a `message_created` event: message conditions read it. */
  messageId?: number;
  events: AutomationEvent[];
}

/** Conversation changes that are bookkeeping (reading, activity), not an update a rule answers. */
const QUIET_CHANGES = new Set(['agent_last_seen_at', 'assignee_last_seen_at', 'contact_last_seen_at', 'last_activity_at', 'updated_at']);

export interface AutomationRunnerDeps extends ActionServices {
  sequelize: Sequelize;
  logger: Logger;
  rules: AutomationRuleService;
  queues: JobQueues;
}

/**
 * Runs automation rules off the lifecycle events, in a bull job (never inside the request that caused
 * the event). Loop protection, as Chatwoot's `performed_by` check: a change an automation made is
 * announced with its rule's id, and such events start no rule, so a rule's action cannot trigger that
 * rule or another one again.
 */
export class AutomationRunner {
  constructor(private readonly deps: AutomationRunnerDeps) {}

  subscribe(events: EventBus): void {
    events.on('conversation.created', (e) => this.announce(e, ['conversation_created']));
    events.on('conversation.updated', (e) => this.conversationUpdated(e));
    events.on('message.created', (e) => (e.messageType === 'activity' ? undefined : this.announce(e, ['message_created'], e.messageId)));
  }

  job(): JobDefinition<AutomationJobData> {
    return {
      id: AUTOMATION_JOB,
      // One at a time per worker: two events of one conversation apply their rules in order.
      concurrency: 1,
      // A retry repeats only what failed before any action ran: later failures are logged, not thrown.
      defaults: { attempts: 3, removeOnComplete: 500 },
      process: (data) => this.run(data),
    };
  }

  /** Evaluates the account's active rules for the events and performs the actions of those that match. */
  async run(data: AutomationJobData): Promise<{ matched: number[] }> {
    const [account, rules] = await Promise.all([Account.findByPk(data.accountId), this.deps.rules.activeRules(data.accountId, data.events)]);
    const matched: number[] = [];
    if (!account) return { matched };
    for (const rule of rules) {
      const target = { conversationId: data.conversationId, ...(rule.event_name === 'message_created' ? { messageId: data.messageId } : {}) };
      try {
        if (!(await conditionsMatch(this.deps.sequelize, account.id, rule.conditions, target))) continue;
      } catch (err) {
        // Retried by bull only while nothing was done yet: a retry must not send a rule's reply twice.
        if (!matched.length) throw err;
        this.deps.logger.warn({ automationRuleId: rule.id, conversationId: data.conversationId, err: { message: (err as Error).message } }, 'automation rule conditions failed');
        continue;
      }
      matched.push(rule.id);
      await this.perform(account, rule, data.conversationId);
    }
    return { matched };
  }

  private async perform(account: Account, rule: AutomationRule, conversationId: number): Promise<void> {
    const log = this.deps.logger.child({ automationRuleId: rule.id, conversationId });
    const scope = automationScope(account, { ruleId: rule.id });
    log.info({ event: rule.event_name, actions: rule.actions.map((a) => a.action_name) }, 'automation rule matched');
    // Read once: actions use only its ids, which no action changes, and act through services that read it afresh.
    const conversation = await Conversation.findByPk(conversationId);
    if (!conversation) return;
    for (const action of rule.actions) {
      try {
        await ACTIONS[action.action_name]!.run({ scope, conversation, rule, services: this.deps }, action.action_params);
      } catch (err) {
        // As in Chatwoot, one failing action (an agent who left the inbox, a webhook down) does not stop the others.
        log.warn({ action: action.action_name, err: { message: (err as Error).message } }, 'automation action failed');
      }
    }
  }

  /** A status change is also `conversation_opened` or `conversation_resolved`, read once it is known such rules exist. */
  private async conversationUpdated(e: LifecycleEvents['conversation.updated']): Promise<void> {
    const changes = e.changes.filter((c) => !QUIET_CHANGES.has(c));
    if (!changes.length) return;
    await this.announce(e, async (active) => {
      const events: AutomationEvent[] = ['conversation_updated'];
      if (changes.includes('status') && (active.has('conversation_opened') || active.has('conversation_resolved'))) {
        const status = (await Conversation.findByPk(e.conversationId, { attributes: ['status'] }))?.status;
        if (status === 'open') events.push('conversation_opened');
        if (status === 'resolved') events.push('conversation_resolved');
      }
      return events;
    });
  }

  /**
   * Queues a run when the account has an active rule for any of the event's automation events, unless
   * an automation made the change (loop protection).
   */
  private async announce(
    e: { accountId: number; conversationId: number; automationRuleId?: number },
    eventsOf: AutomationEvent[] | ((active: Set<AutomationEvent>) => Promise<AutomationEvent[]>),
    messageId?: number,
  ): Promise<void> {
    if (e.automationRuleId) return;
    const active = await this.deps.rules.activeEvents(e.accountId);
    if (!active.size) return;
    const wanted = (Array.isArray(eventsOf) ? eventsOf : await eventsOf(active)).filter((name) => active.has(name));
    if (!wanted.length) return;
    await this.deps.queues.enqueue<AutomationJobData>(AUTOMATION_JOB, { accountId: e.accountId, conversationId: e.conversationId, events: wanted, ...(messageId ? { messageId } : {}) });
  }
}
