import { createHash } from 'node:crypto';
import { Op } from 'sequelize';
import type { JobDefinition, ScheduleDefinition } from '../../../../../server/src/extensions/index.js';
import type { GraphDeltaSweep } from './graph-delta-sweep.js';
import type { GraphMessageFetcher } from './graph-message-fetcher.js';
import { GraphReceiveState, type ReceiveMode } from './graph-state.model.js';
import { RENEW_WITHIN_MS, type GraphSubscriptions, type SubscriptionAction } from './graph-subscriptions.js';
import { loadTarget, readerFor, type GraphReceiveDeps } from './graph-target.js';

export const GRAPH_NOTIFICATION_JOB = 'microsoft_shared.graph_notification';
export const GRAPH_SWEEP_JOB = 'microsoft_shared.graph_sweep';
export const GRAPH_SUBSCRIPTION_JOB = 'microsoft_shared.graph_subscription';
export const GRAPH_CLEANUP_JOB = 'microsoft_shared.graph_cleanup';
export const GRAPH_DUE_JOB = 'microsoft_shared.graph_due';
export const GRAPH_CATCH_UP_JOB = 'microsoft_shared.graph_catch_up';

export interface NotificationData { subscriptionId: string; messageId: string }
export interface CatchUpData { subscriptionIds: string[] }
export interface ChannelData { channelId: number }
export interface SubscriptionData extends ChannelData { action: SubscriptionAction }
export type DueTask = 'sweep_polling' | 'sweep_push' | 'subscriptions';

/** Polling channels have nothing else; push channels are swept as a safety net only. */
export const GRAPH_SCHEDULES: ScheduleDefinition[] = [
  { id: 'microsoft_shared.graph.sweep_polling', job: GRAPH_DUE_JOB, every: 2 * 60_000, data: { task: 'sweep_polling' } },
  { id: 'microsoft_shared.graph.sweep_push', job: GRAPH_DUE_JOB, every: 15 * 60_000, data: { task: 'sweep_push' } },
  { id: 'microsoft_shared.graph.subscriptions', job: GRAPH_DUE_JOB, every: 60 * 60_000, data: { task: 'subscriptions' } },
];

/**
 * Job ids make work idempotent: the same notification delivered twice is one job (completed ids are
 * kept a day), and one channel has at most one sweep or subscription change waiting.
 */
export const jobIds = {
  notification: (d: NotificationData) => `n:${createHash('sha256').update(`${d.subscriptionId}\n${d.messageId}`).digest('hex')}`,
  sweep: (channelId: number) => `sweep:${channelId}`,
  subscription: (channelId: number, action: SubscriptionAction) => `${action}:${channelId}`,
};

export function enqueueSweep(deps: Pick<GraphReceiveDeps, 'queues'>, channelId: number): Promise<void> {
  return deps.queues.enqueue<ChannelData>(GRAPH_SWEEP_JOB, { channelId }, { jobId: jobIds.sweep(channelId) });
}

/**
 * Notifications the webhook could not take (the database was down): their channels are swept as soon
 * as the database answers again — retried every 10 s for an hour — so a notification is never the
 * only timely path to a message. Bursts within a minute for the same subscriptions are one job.
 */
export function enqueueCatchUp(deps: Pick<GraphReceiveDeps, 'queues'>, subscriptionIds: string[]): Promise<void> {
  const ids = [...new Set(subscriptionIds)].sort();
  const key = createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32);
  return deps.queues.enqueue<CatchUpData>(GRAPH_CATCH_UP_JOB, { subscriptionIds: ids }, { jobId: `catch-up:${key}:${Math.floor(Date.now() / 60_000)}` });
}

export function enqueueSubscription(deps: Pick<GraphReceiveDeps, 'queues'>, channelId: number, action: SubscriptionAction): Promise<void> {
  return deps.queues.enqueue<SubscriptionData>(GRAPH_SUBSCRIPTION_JOB, { channelId, action }, { jobId: jobIds.subscription(channelId, action) });
}

export function graphJobs(parts: { deps: GraphReceiveDeps; fetcher: GraphMessageFetcher; sweep: GraphDeltaSweep; subscriptions: GraphSubscriptions }): JobDefinition<never>[] {
  const { deps, fetcher, sweep, subscriptions } = parts;
  const notification: JobDefinition<NotificationData> = {
    id: GRAPH_NOTIFICATION_JOB,
    concurrency: 4,
    defaults: { attempts: 5, removeOnComplete: { age: 24 * 3600 } },
    async process({ subscriptionId, messageId }) {
      const state = await GraphReceiveState.findOne({ where: { subscription_id: subscriptionId } });
      const target = state && (await loadTarget(deps, state.channel_id));
      if (!target) return { status: 'skipped', reason: 'subscription no longer belongs to a channel' };
      return (await fetcher.fetch(target, await readerFor(deps, target), messageId)) ?? { status: 'gone' };
    },
  };
  const sweepJob: JobDefinition<ChannelData> = {
    id: GRAPH_SWEEP_JOB,
    concurrency: 2,
    defaults: { attempts: 1, removeOnComplete: true, removeOnFail: 1000 },
    process: ({ channelId }) => sweep.sweep(channelId),
  };
  const subscriptionJob: JobDefinition<SubscriptionData> = {
    id: GRAPH_SUBSCRIPTION_JOB,
    defaults: { attempts: 5, removeOnComplete: true },
    async process({ channelId, action }) {
      const target = await loadTarget(deps, channelId);
      if (!target) return { status: 'skipped' };
      const firstTime = !target.state.delta_link;
      const mode = await subscriptions.apply(target, action);
      // A new channel gets its baseline round at once (and, with the backfill, its recent mail).
      if (firstTime) await enqueueSweep(deps, channelId);
      return { mode };
    },
  };
  /** After `channel.destroyed`: the state row outlived the channel so that its subscription can be deleted. */
  const cleanup: JobDefinition<ChannelData> = {
    id: GRAPH_CLEANUP_JOB,
    defaults: { attempts: 5, removeOnComplete: true },
    async process({ channelId }) {
      const state = await GraphReceiveState.findByPk(channelId);
      if (!state) return { status: 'skipped' };
      const subscriptionId = state.subscription_id;
      if (subscriptionId) await subscriptions.remove(state.tenant_id, subscriptionId);
      for (const [queue, jobId] of [[GRAPH_SWEEP_JOB, jobIds.sweep(channelId)], ...(['ensure', 'renew', 'recreate'] as const).map((a) => [GRAPH_SUBSCRIPTION_JOB, jobIds.subscription(channelId, a)])]) {
        const job = await deps.queues.queue(queue as string).getJob(jobId as string);
        if (job && !(await job.isActive())) await job.remove();
      }
      await GraphReceiveState.destroy({ where: { channel_id: channelId } });
      return { deletedSubscription: subscriptionId };
    },
  };
  const due: JobDefinition<{ task: DueTask }> = {
    id: GRAPH_DUE_JOB,
    defaults: { attempts: 1, removeOnComplete: 100 },
    async process({ task }) {
      if (task === 'subscriptions') {
        // Push channels close to expiry are renewed; polling ones re-check whether admin consent now allows push.
        const states = await GraphReceiveState.findAll({
          where: { [Op.or]: [{ receive_mode: 'polling' }, { subscription_expires_at: null }, { subscription_expires_at: { [Op.lt]: new Date(Date.now() + RENEW_WITHIN_MS) } }] },
          attributes: ['channel_id'],
        });
        for (const s of states) await enqueueSubscription(deps, s.channel_id, 'ensure');
        return { enqueued: states.length };
      }
      const mode: ReceiveMode = task === 'sweep_push' ? 'push' : 'polling';
      const states = await GraphReceiveState.findAll({ where: { receive_mode: mode }, attributes: ['channel_id'] });
      for (const s of states) await enqueueSweep(deps, s.channel_id);
      return { enqueued: states.length };
    },
  };
  const catchUp: JobDefinition<CatchUpData> = {
    id: GRAPH_CATCH_UP_JOB,
    defaults: { attempts: 360, backoff: { type: 'fixed', delay: 10_000 }, removeOnComplete: true },
    async process({ subscriptionIds }) {
      const states = await GraphReceiveState.findAll({ where: { subscription_id: { [Op.in]: subscriptionIds } }, attributes: ['channel_id'] });
      for (const s of states) await enqueueSweep(deps, s.channel_id);
      return { swept: states.map((s) => s.channel_id) };
    },
  };
  return [notification, sweepJob, subscriptionJob, cleanup, due, catchUp] as JobDefinition<never>[];
}
