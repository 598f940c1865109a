import type { JobDefinition, ScheduleDefinition } from '../../../extensions/types.js';
import type { JobQueues } from '../../../jobs/queues.js';
import type { LeaseLock } from '../../../lib/redis-lock.js';
import { ChannelEmail } from '../../../models/index.js';
import type { FetchOutcome, ImapFetcher } from './imap-fetcher.js';
import { EmailFetchState } from './receive.model.js';

export const EMAIL_FETCH_JOB = 'email.fetch';
export const EMAIL_FETCH_SWEEP_JOB = 'email.fetch.sweep';
export const EMAIL_FETCH_SWEEP_EVERY_MS = 60_000;
/** A fetch that found the channel busy comes back once shortly after, so mail announced by IDLE during a long fetch is not left for the sweep. */
const LOCKED_RETRY_DELAY_MS = 2_000;

export interface EmailFetchData {
  channelId: number;
  force?: boolean;
}

/**
 * Fetch failures are recorded on the channel (backoff, re-authorization), not thrown: bull's own
 * retries would only be skipped by that backoff.
 */
export function emailFetchJob(fetcher: ImapFetcher, queues: JobQueues): JobDefinition<EmailFetchData> {
  return {
    id: EMAIL_FETCH_JOB,
    concurrency: 4,
    defaults: { attempts: 1, removeOnComplete: 500 },
    async process(data): Promise<FetchOutcome> {
      const outcome = await fetcher.fetch(data.channelId, { force: data.force });
      if (outcome.reason === 'locked') {
        await queues.enqueue(EMAIL_FETCH_JOB, { channelId: data.channelId }, { delay: LOCKED_RETRY_DELAY_MS, jobId: `locked-retry:${data.channelId}`, removeOnComplete: true, removeOnFail: true });
      }
      return outcome;
    },
  };
}

/**
 * The safety net under IDLE: a fetch for every channel that is neither waiting for re-authorization nor
 * backing off, nor held by a worker (whose IDLE or poll session enqueues its fetches). At most one such
 * fetch per channel waits in the queue: the job id dedupes it until it has run.
 */
export function emailFetchSweepJob(queues: JobQueues, mailboxLeases: LeaseLock): JobDefinition<Record<string, never>> {
  return {
    id: EMAIL_FETCH_SWEEP_JOB,
    defaults: { attempts: 1, removeOnComplete: 100 },
    async process() {
      const due = await dueChannelIds();
      const held = await mailboxLeases.held(due.map(String));
      const unwatched = due.filter((_, i) => !held[i]);
      for (const channelId of unwatched) {
        await queues.enqueue(EMAIL_FETCH_JOB, { channelId }, { jobId: `sweep:${channelId}`, removeOnComplete: true, removeOnFail: true });
      }
      return { enqueued: unwatched.length, watched: due.length - unwatched.length };
    },
  };
}

export const emailFetchSweepSchedule: ScheduleDefinition = { id: 'email.fetch.sweep.every_minute', job: EMAIL_FETCH_SWEEP_JOB, every: EMAIL_FETCH_SWEEP_EVERY_MS };

/** Channels a fetch may run for now; whether one receives over IMAP at all is its provider's answer, in the fetch. */
export async function dueChannelIds(now = new Date()): Promise<number[]> {
  const channels = await ChannelEmail.findAll({
    where: { reauthorization_required_at: null },
    attributes: ['id'],
    include: [{ model: EmailFetchState, as: 'fetch_state', required: false, attributes: ['next_attempt_at'] }],
  });
  return channels
    .filter((c) => {
      const next = (c.get('fetch_state') as EmailFetchState | null)?.next_attempt_at;
      return !next || next <= now;
    })
    .map((c) => c.id);
}
