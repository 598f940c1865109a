import { QueryTypes, type Sequelize } from 'sequelize';
import { z } from 'zod';
import type { EventBus } from '../extensions/events.js';
import { AccountUser, Conversation, ReportingEvent, User } from '../models/index.js';
import type { AccountScope } from './account-scope.js';
import { parse } from '../lib/validation.js';

export const REPORT_METRICS = ['conversations_count', 'incoming_messages_count', 'outgoing_messages_count', 'avg_first_response_time', 'avg_resolution_time', 'resolutions_count'] as const;
type Metric = (typeof REPORT_METRICS)[number];

const DAY = 86_400;
/** Chatwoot's `since` / `until` are unix seconds; the default is the last 7 days. */
const unixTime = z.union([z.number(), z.string().trim().regex(/^\d+$/, 'must be a unix timestamp')]).transform(Number);
const scopeParams = z.object({
  type: z.enum(['account', 'agent', 'inbox'], { message: 'must be account, agent or inbox' }).default('account'),
  id: z.union([z.number(), z.string().trim().regex(/^\d+$/, 'must be an id')]).transform(Number).optional(),
  since: unixTime.optional(),
  until: unixTime.optional(),
});
const seriesParams = scopeParams.extend({ metric: z.enum(REPORT_METRICS, { message: `must be one of ${REPORT_METRICS.join(', ')}` }) });

interface Window {
  accountId: number;
  since: Date;
  until: Date;
  /** Extra SQL on the conversation `c` (an agent's or an inbox's), with its bind value. */
  filter: { sql: string; value: number } | null;
}

/**
 * Chatwoot's v2 reports for an email helpdesk: conversations opened, messages in and out, first
 * response time (first agent reply − opened), resolutions and resolution time (from the reporting
 * event written when a conversation is resolved), for the account, an agent (assignee) or an inbox.
 */
export class ReportService {
  constructor(private readonly deps: { sequelize: Sequelize }) {}

  /** Records each resolution, as Chatwoot's reporting listener does. */
  subscribe(events: EventBus): void {
    events.on('conversation.updated', async ({ conversationId, changes }) => {
      if (!changes.includes('status')) return;
      const c = await Conversation.findByPk(conversationId, { attributes: ['id', 'account_id', 'inbox_id', 'assignee_id', 'status', 'created_at'] });
      if (c?.status !== 'resolved') return;
      const now = new Date();
      await ReportingEvent.create({
        account_id: c.account_id, inbox_id: c.inbox_id, user_id: c.assignee_id ?? null, conversation_id: c.id,
        name: 'conversation_resolved', value: (now.getTime() - c.created_at.getTime()) / 1000, event_start_time: c.created_at, event_end_time: now,
      });
    });
  }

  async summary(scope: AccountScope, query: unknown): Promise<Record<Metric, number | null> & { previous: Record<Metric, number | null> }> {
    const window = this.window(scope, parse(scopeParams, query));
    const length = window.until.getTime() - window.since.getTime();
    const previous = { ...window, since: new Date(window.since.getTime() - length), until: window.since };
    const [current, before] = await Promise.all([this.totals(window), this.totals(previous)]);
    return { ...current, previous: before };
  }

  /** One value per day of the window: `[{ value, timestamp }]`, the timestamp being the day's start (UTC). */
  async series(scope: AccountScope, query: unknown): Promise<{ value: number; timestamp: number }[]> {
    const params = parse(seriesParams, query);
    const window = this.window(scope, params);
    const out: { value: number; timestamp: number }[] = [];
    for (let t = Math.floor(window.since.getTime() / 1000 / DAY) * DAY; t * 1000 < window.until.getTime(); t += DAY) {
      const day = { ...window, since: new Date(Math.max(t * 1000, window.since.getTime())), until: new Date(Math.min((t + DAY) * 1000, window.until.getTime())) };
      out.push({ value: (await this.metric(params.metric, day)) ?? 0, timestamp: t });
    }
    return out;
  }

  /** Open, unattended (no first reply yet, or waiting for one) and unassigned conversations now. */
  async accountConversations(scope: AccountScope): Promise<{ open: number; unattended: number; unassigned: number }> {
    const [row] = await this.deps.sequelize.query<{ open: number; unattended: number; unassigned: number }>(
      `SELECT COUNT(*)::int AS open,
              COUNT(*) FILTER (WHERE first_reply_created_at IS NULL OR waiting_since IS NOT NULL)::int AS unattended,
              COUNT(*) FILTER (WHERE assignee_id IS NULL)::int AS unassigned
         FROM conversations WHERE account_id = $1 AND status = 'open'`,
      { bind: [scope.account.id], type: QueryTypes.SELECT },
    );
    return row!;
  }

  /** The same per agent of the account (open and unattended conversations assigned to each). */
  async agentConversations(scope: AccountScope): Promise<{ id: number; name: string; email: string; thumbnail: string; availability: string; metric: { open: number; unattended: number } }[]> {
    const members = await AccountUser.findAll({ where: { account_id: scope.account.id, invitation_pending: false }, include: [{ model: User, as: 'user' }], order: [['user_id', 'ASC']] });
    const rows = await this.deps.sequelize.query<{ assignee_id: number; open: number; unattended: number }>(
      `SELECT assignee_id, COUNT(*)::int AS open,
              COUNT(*) FILTER (WHERE first_reply_created_at IS NULL OR waiting_since IS NOT NULL)::int AS unattended
         FROM conversations WHERE account_id = $1 AND status = 'open' AND assignee_id IS NOT NULL GROUP BY assignee_id`,
      { bind: [scope.account.id], type: QueryTypes.SELECT },
    );
    const byUser = new Map(rows.map((r) => [Number(r.assignee_id), r]));
    return members.filter((m) => m.user).map((m) => ({
      id: m.user_id, name: m.user!.name, email: m.user!.email, thumbnail: '', availability: m.availability ?? 'offline',
      metric: { open: byUser.get(Number(m.user_id))?.open ?? 0, unattended: byUser.get(Number(m.user_id))?.unattended ?? 0 },
    }));
  }

  private window(scope: AccountScope, p: z.infer<typeof scopeParams>): Window {
    const until = p.until ? new Date(p.until * 1000) : new Date();
    const since = p.since ? new Date(p.since * 1000) : new Date(until.getTime() - 7 * DAY * 1000);
    const filter = p.type === 'account' || !p.id ? null : { sql: p.type === 'agent' ? 'c.assignee_id' : 'c.inbox_id', value: p.id };
    return { accountId: scope.account.id, since, until, filter };
  }

  private async totals(w: Window): Promise<Record<Metric, number | null>> {
    const entries = await Promise.all(REPORT_METRICS.map(async (m) => [m, await this.metric(m, w)] as const));
    return Object.fromEntries(entries) as Record<Metric, number | null>;
  }

  private async metric(metric: Metric, w: Window): Promise<number | null> {
    const filter = w.filter ? `AND ${w.filter.sql} = $4` : '';
    const bind = [w.accountId, w.since, w.until, ...(w.filter ? [w.filter.value] : [])];
    const sql: Record<Metric, string> = {
      conversations_count: `SELECT COUNT(*)::float AS v FROM conversations c WHERE c.account_id = $1 AND c.created_at >= $2 AND c.created_at < $3 ${filter}`,
      incoming_messages_count: `SELECT COUNT(*)::float AS v FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.account_id = $1 AND m.message_type = 'incoming' AND m.created_at >= $2 AND m.created_at < $3 ${filter}`,
      outgoing_messages_count: `SELECT COUNT(*)::float AS v FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.account_id = $1 AND m.message_type = 'outgoing' AND NOT m.private AND m.created_at >= $2 AND m.created_at < $3 ${filter}`,
      avg_first_response_time: `SELECT AVG(EXTRACT(EPOCH FROM (c.first_reply_created_at - c.created_at)))::float AS v FROM conversations c
        WHERE c.account_id = $1 AND c.first_reply_created_at >= $2 AND c.first_reply_created_at < $3 ${filter}`,
      avg_resolution_time: `SELECT AVG(r.value)::float AS v FROM reporting_events r JOIN conversations c ON c.id = r.conversation_id
        WHERE r.account_id = $1 AND r.name = 'conversation_resolved' AND r.created_at >= $2 AND r.created_at < $3 ${filter}`,
      resolutions_count: `SELECT COUNT(*)::float AS v FROM reporting_events r JOIN conversations c ON c.id = r.conversation_id
        WHERE r.account_id = $1 AND r.name = 'conversation_resolved' AND r.created_at >= $2 AND r.created_at < $3 ${filter}`,
    };
    const [row] = await this.deps.sequelize.query<{ v: number | null }>(sql[metric], { bind, type: QueryTypes.SELECT });
    const v = row?.v ?? null;
    return v === null ? null : Math.round(v * 100) / 100;
  }
}
