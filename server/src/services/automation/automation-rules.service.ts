import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { NotFoundError, ValidationError, type FieldError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { VersionedCache } from '../../lib/versioned-cache.js';
import { looseBoolean, parse } from '../../lib/validation.js';
import { AutomationRule, AUTOMATION_EVENTS, type AutomationAction, type AutomationCondition, type AutomationEvent } from '../../models/automation-rule.model.js';
import type { AccountScope } from '../account-scope.js';
import { filterCondition, type FilterCondition } from '../filters.js';
import { checkActions } from './automation-actions.js';
import { checkConditions } from './automation-conditions.js';

type ActionParams = { action_name: string; action_params: unknown[] };
const withoutUndefined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
/** Chatwoot's dashboard may send picked values as `{ id, name }`: the id is the value. */
const pickedValues = (c: unknown) => {
  if (!c || typeof c !== 'object' || !Array.isArray((c as { values?: unknown }).values)) return c;
  const values = (c as { values: unknown[] }).values.map((v) => (v && typeof v === 'object' && 'id' in v ? (v as { id: unknown }).id : v));
  return { ...c, values };
};
const eventName = z.enum(AUTOMATION_EVENTS, { message: `must be one of ${AUTOMATION_EVENTS.join(', ')}` });
const action = z.object({
  action_name: z.string({ message: 'is required' }).trim().min(1, 'is required'),
  // Chatwoot's clients send a list; a single value is taken as a list of one.
  action_params: z.preprocess((v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]), z.array(z.unknown()).max(100)),
});
const fields = {
  name: z.string({ message: 'is required' }).trim().min(1, 'is required').max(255),
  description: z.string().trim().max(10_000).nullable().optional(),
  event_name: eventName,
  conditions: z.array(z.preprocess(pickedValues, filterCondition), { message: 'must be a list of conditions' }).max(20),
  actions: z.array(action, { message: 'must be a list of actions' }).min(1, 'must hold at least one action').max(20),
  active: looseBoolean.optional(),
};
const createParams = z.object({ ...fields, conditions: fields.conditions.default([]) });
const updateParams = z.object(fields).partial();
/** Chatwoot's clients may nest the attributes under `automation_rule`. */
const unwrap = (body: Record<string, unknown>) => (body.automation_rule && typeof body.automation_rule === 'object' ? (body.automation_rule as Record<string, unknown>) : body);

export interface AutomationRuleServiceDeps {
  sequelize: Sequelize;
  redis: Redis;
  prefix: string;
  logger: Logger;
}

/**
 * Chatwoot's automation rules (`/automation_rules`, administrators): what a rule does is checked when
 * it is saved — unknown attributes, operators, actions or action parameters are a 422 naming the row —
 * so the job that runs rules only meets rules that make sense.
 */
export class AutomationRuleService {
  /**
   * Which events have active rules, per account: every lifecycle event asks, and the answer is kept
   * until any process changes a rule (one GET of a version in Redis per event).
   */
  private readonly activeEventsCache: VersionedCache<number, Set<AutomationEvent>>;

  constructor(private readonly deps: AutomationRuleServiceDeps) {
    this.activeEventsCache = new VersionedCache(deps.redis, `${deps.prefix}:automation_rules:version`, deps.logger, 'automation rules');
  }

  list(scope: AccountScope): Promise<AutomationRule[]> {
    return AutomationRule.findAll({ where: { account_id: scope.account.id }, order: [['id', 'ASC']] });
  }

  async find(scope: AccountScope, id: number): Promise<AutomationRule> {
    const rule = await AutomationRule.findOne({ where: { id, account_id: scope.account.id } });
    if (!rule) throw new NotFoundError('Automation rule');
    return rule;
  }

  async create(scope: AccountScope, body: Record<string, unknown>): Promise<AutomationRule> {
    const attrs = parse(createParams, unwrap(body));
    const rule = await AutomationRule.create({
      account_id: scope.account.id,
      name: attrs.name,
      description: attrs.description ?? null,
      event_name: attrs.event_name,
      ...(await this.check(scope, { conditions: attrs.conditions, actions: attrs.actions })),
      active: attrs.active ?? true,
    });
    await this.changed();
    return rule;
  }

  async update(scope: AccountScope, id: number, body: Record<string, unknown>): Promise<AutomationRule> {
    const rule = await this.find(scope, id);
    const attrs = parse(updateParams, unwrap(body));
    await rule.update({
      ...(attrs.name !== undefined ? { name: attrs.name } : {}),
      ...(attrs.description !== undefined ? { description: attrs.description } : {}),
      ...(attrs.event_name !== undefined ? { event_name: attrs.event_name } : {}),
      ...withoutUndefined(await this.check(scope, { conditions: attrs.conditions, actions: attrs.actions })),
      ...(attrs.active !== undefined ? { active: attrs.active } : {}),
    });
    await this.changed();
    return rule;
  }

  async destroy(scope: AccountScope, id: number): Promise<void> {
    await (await this.find(scope, id)).destroy();
    await this.changed();
  }

  /** Chatwoot's clone: a copy of the rule, with the same name, event, conditions, actions and state. */
  async clone(scope: AccountScope, id: number): Promise<AutomationRule> {
    const rule = await this.find(scope, id);
    const copy = await AutomationRule.create({
      account_id: rule.account_id, name: rule.name, description: rule.description, event_name: rule.event_name, conditions: rule.conditions, actions: rule.actions, active: rule.active,
    });
    await this.changed();
    return copy;
  }

  /** The account's active rules for any of `events`, oldest first (the order they run in). */
  activeRules(accountId: number, events: AutomationEvent[]): Promise<AutomationRule[]> {
    return AutomationRule.findAll({ where: { account_id: accountId, active: true, event_name: events }, order: [['id', 'ASC']] });
  }

  /** The events the account has active rules for, from the cache while no process has changed a rule since. */
  activeEvents(accountId: number): Promise<Set<AutomationEvent>> {
    return this.activeEventsCache.get(accountId, async () => new Set((await AutomationRule.findAll({ where: { account_id: accountId, active: true }, attributes: ['event_name'] })).map((r) => r.event_name)));
  }

  /** The given conditions and actions as stored; the problems of both are reported together. */
  private async check<C extends FilterCondition[] | undefined, A extends ActionParams[] | undefined>(
    scope: AccountScope,
    attrs: { conditions?: C; actions?: A },
  ): Promise<{ conditions: C extends undefined ? undefined : AutomationCondition[]; actions: A extends undefined ? undefined : AutomationAction[] }> {
    const problems: FieldError[] = [];
    const collect = <T>(work: Promise<T>) =>
      work.catch((err: unknown) => {
        if (!(err instanceof ValidationError)) throw err;
        problems.push(...err.fields);
        return undefined;
      });
    const [conditions, actions] = await Promise.all([
      attrs.conditions && collect(checkConditions(this.deps.sequelize, scope.account.id, attrs.conditions)),
      attrs.actions && collect(checkActions(scope.account.id, attrs.actions)),
    ]);
    if (problems.length) throw new ValidationError(problems);
    return { conditions, actions } as never;
  }

  private changed(): Promise<void> {
    return this.activeEventsCache.invalidate();
  }
}
