import type { Job } from 'bull';
import type { ExtensionContext, JobDefinition, LeaseLock } from '../../../../../server/src/extensions/index.js';
import { ReauthorizationRequired, type SyncKind } from '../contracts.js';
import { SyncState, type SyncStatus } from '../metadata-sync.model.js';
import type { EventStore } from '../events/event-store.js';
import { loadTeamEmails } from '../events/event-store.js';
import type { BreakerRegistry } from './breakers.js';
import { StreamAccessDenied, SyncThrottled } from './errors.js';
import type { SyncJobData, SyncKindRunner, SyncRun } from './kinds.js';
import { findOrCreateState } from './sync-states.js';
import { resolveTarget } from './targets.js';

/** Backfill window: nothing older than this many months is kept. */
export const BACKFILL_MONTHS = 24;
export const FAN_OUT_JOB = 'metadata_sync.fan_out';
export const DAILY = 24 * 3600_000;

export const queueOf = (kind: SyncKind): string => `metadata_sync.${kind}`;
/** One job per kind × mailbox: queued twice, it is one job (bull ignores an id it already holds). */
export const jobIdOf = (kind: SyncKind, d: SyncJobData): string => `${kind}:${d.accountId}:${d.shared ? 'shared' : 'own'}:${d.mailbox}`;

/** A re-queued run after a long Retry-After (the throttled job's own id is still taken while it ends). */
interface RetryData extends SyncJobData {
  retryOf?: string;
}

export function backfillFrom(now = new Date()): Date {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - BACKFILL_MONTHS);
  return d;
}

/** The process is stopping: the run saved its page_cursor and bull retries the job in the next worker. */
class SyncInterrupted extends Error {}

export interface SyncJobDeps {
  ctx: ExtensionContext;
  store: EventStore;
  breakers: BreakerRegistry;
  lock: LeaseLock;
  /** True once the worker role is stopping. */
  stopping(): boolean;
}

/** The job of one kind: lease, target, run, and what each way of failing leaves on the streams. */
export function syncJob(runner: SyncKindRunner, deps: SyncJobDeps): JobDefinition<RetryData> {
  const { ctx } = deps;
  const log = ctx.logger.child({ module: 'metadata-sync', kind: runner.kind });
  return {
    id: queueOf(runner.kind),
    concurrency: 4,
    defaults: { attempts: 5, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: true, removeOnFail: true },
    async process(data: RetryData, job: Job<RetryData>) {
      const { connections } = await resolveTarget(runner, data);
      if (!connections.length) return { status: 'skipped', reason: 'no active connection may sync this mailbox' };
      const lease = await deps.lock.tryAcquire(jobIdOf(runner.kind, data));
      if (!lease) return { status: 'skipped', reason: 'another worker is syncing this mailbox' };
      const states = await Promise.all(runner.sources.map((source) => findOrCreateState({ accountId: data.accountId, provider: runner.provider, mailbox: data.mailbox, source })));
      const mark = (status: SyncStatus, extra: Partial<Pick<SyncState, 'error' | 'retry_at'>> = {}) =>
        Promise.all(states.map((s) => s.reload().then(() => (s.status === 'running' || status === 'running' ? s.update({ status, ...extra }) : s))));
      try {
        const waiting = states.find((s) => s.status === 'throttled' && s.retry_at && s.retry_at > new Date());
        if (waiting && !data.retryOf) return { status: 'deferred', until: waiting.retry_at };
        await mark('running');
        const run: SyncRun = {
          kind: runner.kind,
          target: {
            accountId: data.accountId, provider: runner.provider, eventSource: runner.eventSource, mailbox: data.mailbox,
            subscribers: [...new Set(connections.map((c) => Number(c.user_id)))], shared: data.shared,
          },
          connections,
          rules: { mailbox: data.mailbox, teamEmails: await loadTeamEmails(ctx.sequelize, data.accountId), backfillFrom: backfillFrom() },
          writer: deps.store,
          breakers: deps.breakers,
          logger: log.child({ accountId: data.accountId, mailbox: data.mailbox }),
          state: (source) => {
            const found = states.find((s) => s.source === source);
            return found ? Promise.resolve(found) : findOrCreateState({ accountId: data.accountId, provider: runner.provider, mailbox: data.mailbox, source });
          },
          cancelled: deps.stopping,
          async settleSubscribers(userIds) {
            const holders = await deps.store.holders(run.target);
            await deps.store.deleteFor(run.target, holders.filter((u) => !userIds.includes(u)));
            await deps.store.copyToSubscribers(run.target, userIds.filter((u) => !holders.includes(u)));
            run.target.subscribers = [...userIds];
          },
        };
        const outcome = await runner.run(run);
        if (deps.stopping()) throw new SyncInterrupted('the worker stopped mid-round; the next one resumes from the saved page');
        await mark('idle', { error: null, retry_at: null });
        return { status: 'synced', ...outcome };
      } catch (err) {
        return await failed(err);
      } finally {
        await lease.release();
      }

      async function failed(err: unknown): Promise<unknown> {
        if (err instanceof SyncInterrupted) {
          await mark('pending');
          throw err;
        }
        if (err instanceof ReauthorizationRequired || err instanceof StreamAccessDenied) {
          await mark('error', { error: err.message });
          log.warn({ accountId: data.accountId, mailbox: data.mailbox, err: { message: err.message } }, 'metadata sync stopped until the user acts');
          return { status: err instanceof ReauthorizationRequired ? 'reauthorization_required' : 'access_denied', error: err.message };
        }
        if (err instanceof SyncThrottled) {
          const retryAt = new Date(Date.now() + err.retryAfterMs);
          await mark('throttled', { error: err.message, retry_at: retryAt });
          await ctx.queues.enqueue<RetryData>(queueOf(runner.kind), { accountId: data.accountId, mailbox: data.mailbox, shared: data.shared, retryOf: String(job.id) }, {
            jobId: `${jobIdOf(runner.kind, data)}:retry:${retryAt.getTime()}`, delay: err.retryAfterMs,
          });
          log.info({ accountId: data.accountId, mailbox: data.mailbox, retryAfterMs: err.retryAfterMs }, 'metadata sync throttled; re-queued');
          return { status: 'throttled', retry_at: retryAt };
        }
        await mark('error', { error: (err as Error).message?.slice(0, 1000) ?? String(err) });
        throw err;
      }
    },
  };
}

/** The daily fan-out: one job per eligible mailbox and kind. */
export function fanOutJob(runners: () => SyncKindRunner[], enqueue: (runner: SyncKindRunner, d: SyncJobData) => Promise<void>, eligible: (runner: SyncKindRunner) => Promise<SyncJobData[]>): JobDefinition<Record<string, never>> {
  return {
    id: FAN_OUT_JOB,
    defaults: { attempts: 3, removeOnComplete: 10, removeOnFail: 10 },
    async process() {
      const queued: Record<string, number> = {};
      for (const runner of runners()) {
        const targets = await eligible(runner);
        for (const t of targets) await enqueue(runner, t);
        queued[runner.kind] = targets.length;
      }
      return { queued };
    },
  };
}
