import type { CoreServices, ExtensionContext, Registries } from '../../../extensions/context.js';
import type { ChannelReauthorization } from '../reauthorization.js';
import type { InboxService } from '../../../services/inboxes.js';
import type { NotificationService } from '../../../services/notifications.js';
import { inboundEmailsRouter } from '../../../api/v1/inbound-emails.js';
import { InboundReview } from './inbound-review.service.js';
import { RejectionNotice } from './rejection-notice.js';
import { EmailIngestionService } from './email-ingestion.service.js';
import { EMAIL_FETCH_JOB, emailFetchJob, emailFetchSweepJob, emailFetchSweepSchedule, type EmailFetchData } from './email-fetch.job.js';
import { FetchHealth } from './fetch-health.js';
import { ImapFetcher } from './imap.fetcher.js';
import { ImapIdleManager } from './imap-idle.manager.js';
import { defineReceiveModels } from './receive.models.js';

export { EmailIngestionService, type IngestInput, type IngestResult } from './email-ingestion.service.js';
export { EMAIL_FETCH_JOB, type EmailFetchData } from './email-fetch.job.js';

/** The receive path's parts, wired once per process. */
export class EmailReceive {
  readonly ingestion: EmailIngestionService;
  readonly health: FetchHealth;
  readonly fetcher: ImapFetcher;
  readonly idle: ImapIdleManager;
  readonly review: InboundReview;

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
    this.fetcher = new ImapFetcher({ registries: deps.registries, ingestion: this.ingestion, health: this.health, databaseUrl: deps.config.DATABASE_URL, logger });
    this.idle = new ImapIdleManager({ registries: deps.registries, queues: deps.queues, events: deps.events, health: this.health, logger });
  }
}

export function registerEmailReceive(ctx: ExtensionContext, receive: EmailReceive): void {
  ctx.register.job(emailFetchJob(receive.fetcher, ctx.queues));
  ctx.register.job(emailFetchSweepJob(ctx.queues));
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
}
