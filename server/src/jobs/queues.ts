import Bull, { type JobOptions, type Queue } from 'bull';
import { withCorrelation, type Logger } from '../lib/logger.js';
import type { Registry } from '../extensions/registry.js';
import type { JobDefinition, ScheduleDefinition } from '../extensions/types.js';

const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: 1_000,
  removeOnFail: 5_000,
};

/**
 * One bull queue per registered job id. Web processes only enqueue; the worker role also processes.
 * Failed jobs are kept (removeOnFail keeps the last 5,000) so the job dashboard can show them.
 */
/** How often a worker checks that Redis still holds every schedule (a flush or failover loses them). */
export const SCHEDULE_CHECK_MS = 60_000;

export interface ScheduleHealth {
  /** Registered schedules Redis does not hold (until the next check re-creates them). */
  missing: string[];
  /** Schedules whose job has not started for three of its intervals (plus a minute) — no worker, or stuck. */
  stale: string[];
}

export class JobQueues {
  private readonly queues = new Map<string, Queue>();
  private processing = false;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly jobs: Registry<JobDefinition<never>>,
    private readonly schedules: Registry<ScheduleDefinition>,
    private readonly logger: Logger,
  ) {}

  queue(id: string): Queue {
    let q = this.queues.get(id);
    if (!q) {
      const def = this.jobs.get(id);
      if (!def) throw new Error(`No job registered with id "${id}"`);
      q = new Bull(id, this.redisUrl, { prefix: `${this.prefix}:bull`, defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...def.defaults } });
      q.on('error', (err) => this.logger.error({ err, queue: id }, 'queue error'));
      this.queues.set(id, q);
    }
    return q;
  }

  allQueues(): Queue[] {
    return this.jobs.list().map((j) => this.queue(j.id));
  }

  async enqueue<D>(id: string, data: D, opts?: JobOptions): Promise<void> {
    await this.queue(id).add(data, opts);
  }

  /** Starts processing every registered job (worker role). */
  startWorkers(): void {
    if (this.processing) return;
    this.processing = true;
    for (const def of this.jobs.list()) {
      const q = this.queue(def.id);
      const log = this.logger.child({ queue: def.id });
      q.process(def.concurrency ?? 1, (job) =>
        withCorrelation(`job:${def.id}:${job.id}`, async () => {
          log.debug({ jobId: job.id, attempt: job.attemptsMade + 1 }, 'job started');
          const scheduleId = (job.opts.repeat as { jobId?: string } | undefined)?.jobId;
          if (scheduleId) await q.client.hset(this.lastRunKey(), scheduleId, String(Date.now()));
          return def.process(job.data as never, job as never);
        }),
      );
      q.on('failed', (job, err) => log.warn({ jobId: job.id, attempt: job.attemptsMade, err: { message: err.message } }, 'job failed'));
    }
  }

  /** Makes Redis hold exactly the registered repeatable jobs: adds new ones, removes stale ones. */
  async syncSchedules(): Promise<void> {
    const wanted = new Map(this.schedules.list().map((s) => [s.id, s]));
    for (const def of this.jobs.list()) {
      const q = this.queue(def.id);
      for (const rep of await q.getRepeatableJobs()) {
        const schedule = rep.id ? wanted.get(rep.id) : undefined;
        if (!schedule || schedule.job !== def.id || Number(rep.every) !== schedule.every) await q.removeRepeatableByKey(rep.key);
      }
    }
    for (const s of wanted.values()) await this.addSchedule(s);
  }

  /**
   * Re-creates the registered schedules Redis no longer holds and returns their ids. Bull keeps
   * repeatable jobs only in Redis: after a FLUSHALL or a failover to an empty replica they are gone,
   * and without this every sweep, renewal and reminder would stop until the next restart.
   */
  async restoreSchedules(): Promise<string[]> {
    const missing = await this.missingSchedules();
    for (const s of this.schedules.list().filter((s) => missing.includes(s.id))) await this.addSchedule(s);
    if (missing.length) this.logger.warn({ schedules: missing }, 'schedules were missing from Redis and have been re-created');
    return missing;
  }

  async scheduleHealth(now = Date.now()): Promise<ScheduleHealth> {
    const schedules = this.schedules.list();
    const lastRuns = schedules.length ? await this.queue(schedules[0]!.job).client.hgetall(this.lastRunKey()) : {};
    return {
      missing: await this.missingSchedules(),
      stale: schedules.filter((s) => lastRuns[s.id] && now - Number(lastRuns[s.id]) > 3 * s.every + 60_000).map((s) => s.id),
    };
  }

  /** Worker role: checks the schedules every `intervalMs`, re-creating what Redis lost. */
  watchSchedules(intervalMs = SCHEDULE_CHECK_MS): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      this.restoreSchedules().catch((err: Error) => this.logger.error({ err }, 'schedule check failed'));
    }, intervalMs);
    this.watchdog.unref();
  }

  private async missingSchedules(): Promise<string[]> {
    const present = new Set<string>();
    for (const job of new Set(this.schedules.list().map((s) => s.job))) {
      for (const rep of await this.queue(job).getRepeatableJobs()) if (rep.id) present.add(rep.id);
    }
    return this.schedules.list().filter((s) => !present.has(s.id)).map((s) => s.id);
  }

  private addSchedule(s: ScheduleDefinition): Promise<unknown> {
    return this.queue(s.job).add(s.data ?? {}, { jobId: s.id, repeat: { every: s.every } });
  }

  private lastRunKey(): string {
    return `${this.prefix}:schedules:last_run`;
  }

  /** Graceful stop: waits for active jobs to finish, then closes every Redis connection. */
  async close(): Promise<void> {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    this.processing = false;
  }
}
