import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import { Op, literal } from 'sequelize';
import { z } from 'zod';
import { parse } from '../../../../../server/src/extensions/index.js';
import { GraphReceiveState, type RejectReason } from './graph-state.model.js';
import { LIFECYCLE_PATH, WEBHOOK_PATH } from './graph-subscriptions.js';
import { GRAPH_NOTIFICATION_JOB, enqueueCatchUp, enqueueSubscription, enqueueSweep, jobIds, type NotificationData } from './graph-receive.job.js';
import type { GraphReceiveDeps } from './graph-target.js';

/** How stale the shown "last notification" time may be, to keep bursts off one row lock. */
const LAST_NOTIFICATION_RESOLUTION_MS = 5_000;

const envelope = z.object({ value: z.array(z.unknown()).min(1).max(1000) });
const item = z.object({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(256).optional(),
  lifecycleEvent: z.string().max(64).optional(),
  resourceData: z.object({ id: z.string().min(1).max(1024) }).optional(),
});

type Accepted = { state: GraphReceiveState; item: z.infer<typeof item> };

/**
 * Graph's notification endpoint (and lifecycle endpoint). Graph drops endpoints slower than 3 s, so a
 * request only checks each item against the stored subscription and queues the work: no Graph call.
 * Validation handshake: Graph POSTs `?validationToken=...` and wants it back as text/plain within 10 s.
 */
export function graphWebhookRouter(deps: Pick<GraphReceiveDeps, 'queues' | 'secrets' | 'logger' | 'redis' | 'config'>): Router {
  const router = Router();
  const log = deps.logger.child({ component: 'microsoft_shared.graph_webhook' });

  router.post([WEBHOOK_PATH, LIFECYCLE_PATH], express.json({ limit: '1mb' }), async (req, res) => {
    const token = req.query.validationToken;
    if (typeof token === 'string') {
      res.status(200).type('text/plain').send(token);
      return;
    }
    const { value } = parse(envelope, req.body);
    const rejected: RejectReason[] = [];
    const items = value.flatMap((raw) => {
      const r = item.safeParse(raw);
      if (r.success) return [r.data];
      rejected.push('malformed');
      return [];
    });
    let states: GraphReceiveState[];
    try {
      states = await GraphReceiveState.findAll({ where: { subscription_id: { [Op.in]: [...new Set(items.map((i) => i.subscriptionId))] } } });
    } catch (err) {
      // The database is down: Redis takes the catch-up (forged ids are dropped by the job, which only
      // sweeps channels it finds), and Graph gets its 202. Without Redis either, the 500 asks Graph to retry.
      log.error({ err, items: items.length }, 'graph notifications could not be checked; their channels will be swept when the database is back');
      await enqueueCatchUp(deps, items.map((i) => i.subscriptionId));
      res.status(202).end();
      return;
    }
    const bySubscription = new Map(states.map((s) => [s.subscription_id, s]));
    const accepted: Accepted[] = [];
    // One request may carry 1,000 items: decrypt each subscription's secret and count each channel's
    // mismatches once, so a forged burst costs one row update per channel, not one per item.
    const secrets = new Map<string, string>();
    const mismatches = new Map<number, number>();
    for (const i of items) {
      const state = bySubscription.get(i.subscriptionId);
      if (!state?.client_state_ciphertext) {
        rejected.push('unknown_subscription');
        continue;
      }
      if (!secrets.has(i.subscriptionId)) secrets.set(i.subscriptionId, deps.secrets.decrypt(state.client_state_ciphertext));
      if (!sameSecret(i.clientState ?? '', secrets.get(i.subscriptionId)!)) {
        rejected.push('client_state_mismatch');
        mismatches.set(state.channel_id, (mismatches.get(state.channel_id) ?? 0) + 1);
      } else if (!i.lifecycleEvent && !i.resourceData) {
        rejected.push('malformed');
      } else {
        accepted.push({ state, item: i });
      }
    }
    await Promise.all([...mismatches].map(([channelId, n]) => countOnChannel(channelId, 'client_state_mismatch', n)));
    await Promise.all(accepted.map(({ state, item: i }) => dispatch(state, i)));
    if (accepted.length) {
      // A burst of notifications for one mailbox would queue behind the same row lock; the time of the
      // last notification is shown to administrators, so a few seconds of staleness is fine.
      const now = new Date();
      await GraphReceiveState.update(
        { last_notification_at: now },
        {
          where: {
            channel_id: [...new Set(accepted.map((a) => a.state.channel_id))],
            [Op.or]: [{ last_notification_at: null }, { last_notification_at: { [Op.lt]: new Date(now.getTime() - LAST_NOTIFICATION_RESOLUTION_MS) } }],
          },
        },
      );
    }
    if (rejected.length) {
      const counts = countBy(rejected);
      await Promise.all(Object.entries(counts).map(([reason, n]) => deps.redis.hincrby(`${deps.config.REDIS_PREFIX}:microsoft_shared:graph:rejected`, reason, n)));
      log.warn({ rejected: counts, accepted: accepted.length }, 'graph notifications rejected');
    }
    // 202 either way: a forger learns nothing about which subscriptions exist.
    res.status(202).end();
  });

  function dispatch(state: GraphReceiveState, i: z.infer<typeof item>): Promise<void> {
    switch (i.lifecycleEvent) {
      case undefined: {
        const data: NotificationData = { subscriptionId: i.subscriptionId, messageId: i.resourceData!.id };
        return deps.queues.enqueue(GRAPH_NOTIFICATION_JOB, data, { jobId: jobIds.notification(data) });
      }
      case 'reauthorizationRequired': return enqueueSubscription(deps, state.channel_id, 'renew');
      case 'subscriptionRemoved': return enqueueSubscription(deps, state.channel_id, 'recreate');
      case 'missed': return enqueueSweep(deps, state.channel_id);
      default:
        log.info({ lifecycleEvent: i.lifecycleEvent, channelId: state.channel_id }, 'unknown graph lifecycle event ignored');
        return Promise.resolve();
    }
  }

  return router;
}

function countOnChannel(channelId: number, reason: RejectReason, n: number): Promise<unknown> {
  return GraphReceiveState.update(
    { rejected_notifications: literal(`jsonb_set(rejected_notifications, '{${reason}}', to_jsonb(COALESCE((rejected_notifications->>'${reason}')::int, 0) + ${Math.trunc(n)}))`) as never },
    { where: { channel_id: channelId } },
  );
}

function countBy(reasons: RejectReason[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reasons) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** Constant-time comparison of the clientState; hashing first makes lengths equal and hides them. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
