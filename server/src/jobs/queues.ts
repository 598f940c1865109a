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
export class JobQueues {
  private readonly queues = new Map<string, Queue>();
  private processing = false;

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
    for (const s of wanted.values()) {
      await this.queue(s.job).add(s.data ?? {}, { jobId: s.id, repeat: { every: s.every } });
    }
  }

  /** Graceful stop: waits for active jobs to finish, then closes every Redis connection. */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    this.processing = false;
  }
}
