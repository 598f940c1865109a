import type { ExtensionContext, JobDefinition, ScheduleDefinition } from '../../../../../server/src/extensions/index.js';
import { MICROSOFT_SHARED } from '../provider.js';
import type { ConnectionDoctor, DoctorReport } from './connection-doctor.js';

export const DOCTOR_DUE_JOB = 'microsoft_shared.doctor_due';
export const DOCTOR_INBOX_JOB = 'microsoft_shared.doctor_inbox';
export const NOTIFY_CONNECTION_CHECK_FAILED = 'microsoft_shared_connection_check_failed';

export const DOCTOR_SCHEDULES: ScheduleDefinition[] = [{ id: 'microsoft_shared.doctor.daily', job: DOCTOR_DUE_JOB, every: 24 * 60 * 60_000 }];

/** The last daily report of a channel, kept so the next run knows which failures are new. */
export const lastReportKey = (prefix: string, channelId: number) => `${prefix}:microsoft_shared:doctor:${channelId}`;

type Context = Pick<ExtensionContext, 'config' | 'logger' | 'models' | 'redis' | 'queues' | 'email'>;

/**
 * The connection checks once a day for every shared inbox, so an inbox that silently stopped is
 * noticed without anyone pressing "Check connection". A check that fails now but did not at the
 * last run notifies the account's administrators once; while it stays failed, nothing more is sent.
 * Inboxes already waiting for a Reconnect are left out: the reauthorization notice has told them.
 */
export function dailyDoctorJobs(ctx: Context, doctor: Pick<ConnectionDoctor, 'examine'>): JobDefinition<never>[] {
  const logger = ctx.logger.child({ component: 'microsoft_shared.doctor' });
  const due: JobDefinition<Record<string, never>> = {
    id: DOCTOR_DUE_JOB,
    async process() {
      const channels = await ctx.models.ChannelEmail.findAll({ where: { provider: MICROSOFT_SHARED, reauthorization_required_at: null }, attributes: ['id'] });
      // One job per inbox and per day: a round trip may wait a minute, and one slow mailbox must not hold the others.
      const day = new Date().toISOString().slice(0, 10);
      for (const c of channels) await ctx.queues.enqueue(DOCTOR_INBOX_JOB, { channelId: c.id }, { jobId: `doctor:${c.id}:${day}` });
      return { channels: channels.length };
    },
  };
  const inbox: JobDefinition<{ channelId: number }> = {
    id: DOCTOR_INBOX_JOB,
    concurrency: 2,
    async process({ channelId }) {
      const channel = await ctx.models.ChannelEmail.findByPk(channelId);
      const row = channel && (await ctx.models.Inbox.findOne({ where: { channel_id: channel.id } }));
      if (!channel || !row || channel.provider !== MICROSOFT_SHARED || channel.reauthorization_required_at) return { skipped: true };
      const report = await doctor.examine(channel, { id: row.id, name: row.name, account_id: row.account_id, created_at: row.created_at });
      const key = lastReportKey(ctx.config.REDIS_PREFIX, channel.id);
      const previous = JSON.parse((await ctx.redis.get(key)) ?? 'null') as DoctorReport | null;
      const failedBefore = new Set(previous?.checks.filter((c) => c.status === 'failed').map((c) => c.id));
      const newlyFailed = report.checks.filter((c) => c.status === 'failed' && !failedBefore.has(c.id));
      if (newlyFailed.length) {
        const error = newlyFailed.map((c) => `${c.detail} ${c.fix ?? ''}`.trim()).join(' ');
        await ctx.email.notifyAdministrators(row.account_id, NOTIFY_CONNECTION_CHECK_FAILED, { inbox_id: row.id, inbox_name: row.name, title: `${row.name}: the daily connection check failed`, email: channel.email, checks: newlyFailed.map((c) => c.id), error });
        logger.warn({ channelId, inboxId: row.id, checks: newlyFailed.map((c) => c.id) }, 'shared inbox connection check newly failing; administrators notified');
      }
      // Stored after the notification: a run that could not notify is compared with the older report next time and notifies then.
      await ctx.redis.set(key, JSON.stringify(report));
      return { failing: report.checks.filter((c) => c.status === 'failed').map((c) => c.id), notified: newlyFailed.map((c) => c.id) };
    },
  };
  return [due, inbox] as JobDefinition<never>[];
}
