import type { Redis } from 'ioredis';
import { Op, QueryTypes, type Sequelize } from 'sequelize';
import type { EventBus, LifecycleEvents } from '../extensions/events.js';
import type { Logger } from '../lib/logger.js';
import { AccountUser, Conversation, Inbox, InboxMember } from '../models/index.js';
import type { Presence } from '../realtime/presence.js';

export interface AutoAssignmentDeps {
  sequelize: Sequelize;
  redis: Redis;
  /** REDIS_PREFIX: each inbox's round-robin queue is `<prefix>:round_robin_agents:<inbox id>`. */
  prefix: string;
  events: EventBus;
  presence: Presence;
  logger: Logger;
}

/**
 * Takes the first queued agent who may get the conversation and moves them to the back, in one step so
 * two conversations arriving together go to two agents. KEYS[1] the queue, ARGV the allowed ids.
 */
const PICK_AND_ROTATE = `
local allowed = {}
for _, id in ipairs(ARGV) do allowed[id] = true end
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if allowed[id] then
    redis.call('LREM', KEYS[1], 1, id)
    redis.call('RPUSH', KEYS[1], id)
    return id
  end
end
return false`;

/**
 * Chatwoot's automatic assignment: when a conversation opens (created open, or reopened) in an inbox
 * with `enable_auto_assignment` and has no agent — or its agent no longer works the inbox — it goes
 * round-robin to the inbox's members who are online (a dashboard open) and available, skipping those
 * at the inbox's `max_assignment_limit` of open conversations. A reopened conversation whose agent
 * still works the inbox stays theirs. Runs where the event is emitted (web or worker); the queue and
 * presence live in Redis, so every process sees the same order.
 */
export class AutoAssignmentService {
  constructor(private readonly deps: AutoAssignmentDeps) {}

  register(): void {
    this.deps.events.on('conversation.created', (ids) => this.run(ids));
    this.deps.events.on('conversation.updated', (ids) => (ids.changes.includes('status') ? this.run(ids) : undefined));
  }

  /** Assigns the conversation if it should be; returns the new assignee's id (null when nothing changed). */
  async run(ids: LifecycleEvents['conversation.created']): Promise<number | null> {
    const conversation = await Conversation.findByPk(ids.conversationId, { attributes: ['id', 'account_id', 'inbox_id', 'status', 'assignee_id'] });
    if (!conversation || conversation.status !== 'open') return null;
    const inbox = await Inbox.findByPk(conversation.inbox_id, { attributes: ['id', 'account_id', 'enable_auto_assignment', 'auto_assignment_config'] });
    if (!inbox?.enable_auto_assignment) return null;
    const previous = conversation.assignee_id ?? null;
    if (previous && (await this.worksInbox(inbox, previous))) return null;
    const next = await this.pick(inbox);
    if (next === null && previous === null) return null;
    // Only if nobody changed the assignee meanwhile (an agent's own pick wins over the round-robin).
    const [changed] = await Conversation.update({ assignee_id: next }, { where: { id: conversation.id, assignee_id: previous } });
    if (!changed) return null;
    this.deps.logger.info({ conversationId: conversation.id, inboxId: inbox.id, assigneeId: next, previousAssigneeId: previous }, 'conversation auto-assigned');
    await this.deps.events.emit('conversation.updated', { accountId: conversation.account_id, inboxId: inbox.id, conversationId: conversation.id, changes: ['assignee_id'], cause: 'auto_assignment' });
    return next;
  }

  /** The next agent of the inbox's round-robin who is online, available and under the cap, or null. */
  async pick(inbox: Pick<Inbox, 'id' | 'account_id' | 'auto_assignment_config'>): Promise<number | null> {
    const members = (await InboxMember.findAll({ where: { inbox_id: inbox.id }, attributes: ['user_id'], order: [['user_id', 'ASC']] })).map((m) => Number(m.user_id));
    const queue = await this.syncQueue(inbox.id, members);
    if (!members.length) return null;
    const available = await AccountUser.findAll({
      where: { account_id: inbox.account_id, user_id: { [Op.in]: members }, invitation_pending: false, availability: 'online' },
      attributes: ['user_id'],
    });
    const online = await this.deps.presence.onlineAmong(inbox.account_id, available.map((a) => Number(a.user_id)));
    let allowed = [...online];
    const limit = inbox.auto_assignment_config?.max_assignment_limit;
    if (limit && allowed.length) {
      const counts = await this.deps.sequelize.query<{ assignee_id: string; open: number }>(
        `SELECT assignee_id, COUNT(*)::int AS open FROM conversations
          WHERE inbox_id = :inboxId AND status = 'open' AND assignee_id IN (:allowed) GROUP BY assignee_id`,
        { replacements: { inboxId: inbox.id, allowed }, type: QueryTypes.SELECT },
      );
      const full = new Set(counts.filter((c) => c.open >= limit).map((c) => Number(c.assignee_id)));
      allowed = allowed.filter((id) => !full.has(id));
    }
    if (!allowed.length) return null;
    const picked = await this.deps.redis.eval(PICK_AND_ROTATE, 1, queue, ...allowed.map(String));
    return picked ? Number(picked) : null;
  }

  /**
   * Keeps the queue equal to the inbox's members: leavers drop out, newcomers join at the back, and
   * everyone else keeps their place. Returns the queue's key.
   */
  private async syncQueue(inboxId: number, members: number[]): Promise<string> {
    const key = `${this.deps.prefix}:round_robin_agents:${inboxId}`;
    const queued = (await this.deps.redis.lrange(key, 0, -1)).map(Number);
    const memberSet = new Set(members);
    const kept = queued.filter((id) => memberSet.has(id));
    const next = [...kept, ...members.filter((id) => !kept.includes(id))];
    if (next.length === queued.length && next.every((id, i) => id === queued[i])) return key;
    const tx = this.deps.redis.multi().del(key);
    if (next.length) tx.rpush(key, ...next.map(String));
    await tx.exec();
    return key;
  }

  /** Still allowed to hold the conversation: an inbox member, or an administrator of the account. */
  private async worksInbox(inbox: Pick<Inbox, 'id' | 'account_id'>, userId: number): Promise<boolean> {
    if (await InboxMember.findOne({ where: { inbox_id: inbox.id, user_id: userId }, attributes: ['id'] })) return true;
    const membership = await AccountUser.findOne({ where: { account_id: inbox.account_id, user_id: userId, invitation_pending: false }, attributes: ['role'] });
    return membership?.role === 'administrator';
  }
}
