import type { CoreServices, ExtensionContext } from '../../../extensions/context.js';
import type { Registries } from '../../../extensions/registries.js';
import type { ChannelReauthorization } from '../reauthorization.js';
import type { InboxService } from '../../../services/inboxes.service.js';
import type { NotificationService } from '../../../services/notifications.service.js';
import { inboundEmailsRouter } from '../../../api/v1/inbound-emails.router.js';
import { InboundReview } from './inbound-review.service.js';
import { RejectionNotice } from './rejection-notice.js';
import { EmailIngestionService } from './email-ingestion.service.js';
import { EMAIL_FETCH_JOB, emailFetchJob, emailFetchSweepJob, emailFetchSweepSchedule, type EmailFetchData } from './email-fetch.job.js';
import { FetchHealth } from './fetch-health.js';
import { ImapFetcher } from './imap-fetcher.js';
import { ChannelFetchLocks } from './channel-fetch-lock.js';
import { ImapIdleManager, announceMailboxChange, mailboxLeases } from './imap-idle-manager.js';
import { defineReceiveModels } from './receive.model.js';

export { EmailIngestionService, type IngestInput } from './email-ingestion.service.js';
export type { IngestResult } from './inbound-email.repository.js';
export { EMAIL_FETCH_JOB, type EmailFetchData } from './email-fetch.job.js';

/** The receive path's parts, wired once per process. */
export class EmailReceive {
  readonly ingestion: EmailIngestionService;
  readonly health: FetchHealth;
  readonly fetcher: ImapFetcher;
  readonly idle: ImapIdleManager;
  readonly review: InboundReview;
  private readonly locks: ChannelFetchLocks;

  constructor(deps: CoreServices & { registries: Registries; reauthorization: ChannelReauthorization; inboxes: InboxService; notifications: NotificationService }) {
    defineReceiveModels(deps.sequelize);
    const logger = deps.logger.child({ component: 'email.receive' });
    const notice = new RejectionNotice({ sequelize: deps.sequelize, notifications: deps.notifications, logger });
    this.ingestion = new EmailIngestionService({
      sequelize: deps.sequelize, storage: deps.storage, events: deps.events, inboundEmailDomain: deps.config.INBOUND_EMAIL_DOMAIN, logger,
      onRejected: (inbox) => notice.rejected(inbox),
    });
    this.review = new InboundReview({ inboxes: deps.inboxes, ingestion: this.ingestion, storage: deps.storage });
    this.health = new FetchHealth({ reauthorization: deps.reauthorization, logger });
    this.locks = new ChannelFetchLocks(deps.config.DATABASE_URL, logger);
    this.fetcher = new ImapFetcher({ registries: deps.registries, ingestion: this.ingestion, health: this.health, locks: this.locks, batchSize: deps.config.EMAIL_INGEST_BATCH, logger });
    this.idle = new ImapIdleManager({
      registries: deps.registries, queues: deps.queues, health: this.health, redis: deps.redis, prefix: deps.config.REDIS_PREFIX, logger,
      leaseMs: deps.config.IMAP_MAILBOX_LEASE_MS, maxIdle: deps.config.IMAP_MAX_IDLE_PER_WORKER, pollEveryMs: deps.config.IMAP_POLL_EVERY_MS,
    });
  }

  async close(): Promise<void> {
    await this.locks.close();
  }
}

export function registerEmailReceive(ctx: ExtensionContext, receive: EmailReceive): void {
  ctx.register.job(emailFetchJob(receive.fetcher, ctx.queues));
  ctx.register.job(emailFetchSweepJob(ctx.queues, mailboxLeases(ctx.redis, ctx.config.REDIS_PREFIX)));
  ctx.register.schedule(emailFetchSweepSchedule);
  ctx.register.worker(receive.idle);
  ctx.register.route({ id: 'core.inbound_emails', mount: 'account', router: inboundEmailsRouter(receive.review) });
  // A new channel starts its backfill at once; an edited or reconnected one is fetched even while it
  // was backing off or marked for re-authorization — the administrator has just fixed it.
  const fetchNow = (force: boolean) => async ({ channelId }: { channelId: number }) => {
    await ctx.queues.enqueue<EmailFetchData>(EMAIL_FETCH_JOB, { channelId, force });
  };
  ctx.events.on('channel.created', fetchNow(false), 'core.email.receive');
  ctx.events.on('channel.updated', fetchNow(true), 'core.email.receive');
  // The workers watching mailboxes may run in other processes than the one that changed the channel.
  const announce = async () => announceMailboxChange(ctx.redis, ctx.config.REDIS_PREFIX);
  for (const event of ['channel.created', 'channel.updated', 'channel.destroyed'] as const) ctx.events.on(event, announce, 'core.email.receive');
}
