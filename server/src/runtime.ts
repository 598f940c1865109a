import { Redis } from 'ioredis';
import type { Express } from 'express';
import type { Sequelize } from 'sequelize';
import type { Config } from './config.js';
import { createApp } from './app.js';
import type { CoreApi } from './core-api.js';
import { registerCore } from './core.js';
import { createSequelize, ensureDatabase } from './db/sequelize.js';
import { migrate } from './db/migrator.js';
import { createExtensionContext, type CoreServices } from './extensions/context.js';
import { Registries } from './extensions/registries.js';
import { EventBus } from './extensions/events.js';
import { loadExtensions } from './extensions/loader.js';
import { JobQueues } from './jobs/queues.js';
import { SecretBox } from './lib/crypto.js';
import { LocalDiskStorage } from './lib/storage.js';
import { repoRoot } from './lib/paths.js';
import path from 'node:path';
import { createLogger, type Logger } from './lib/logger.js';
import { defineCoreModels } from './models/index.js';
import { AccessTokenService } from './services/access-tokens.service.js';
import { AuthCache } from './services/auth-cache.js';
import { InboxService } from './services/inboxes.service.js';
import { ContactService } from './services/contacts.service.js';
import { ConversationService } from './services/conversations.service.js';
import { MessageService } from './services/messages.service.js';
import { CannedResponseService } from './services/canned-responses.service.js';
import { AgentService } from './services/agents.service.js';
import { InboxMemberService } from './services/inbox-members.service.js';
import { LabelService } from './services/labels.service.js';
import { TeamService } from './services/teams.service.js';
import { ProfileService } from './services/profiles.service.js';
import { ReplyOutbox } from './channels/email/send/reply-outbox.js';
import { TransactionalMail } from './mailers/transactional-mail.js';
import { PasswordService } from './mailers/passwords.service.js';
import { createEmailOAuth } from './channels/email/oauth/index.js';
import { RealtimeHub } from './realtime/realtime-hub.js';
import { Presence } from './realtime/presence.js';
import { SystemActivityService } from './services/system-activity.service.js';
import { AutoAssignmentService } from './services/auto-assignment.service.js';
import { ConversationNotifier } from './services/conversation-notifications.service.js';
import { NotificationService } from './services/notifications.service.js';
import { EmailReceive } from './channels/email/receive/index.js';
import { ChannelReauthorization } from './channels/email/reauthorization.js';
import { EmailCheckService } from './channels/email/checks/email-checks.service.js';
import { WebhookService } from './webhooks/webhooks.service.js';
import { AgentBotEvents } from './webhooks/agent-bot-events.js';
import { AgentBotService } from './services/agent-bots.service.js';
import { ConversationActions } from './services/conversation-actions.service.js';
import { ContactActions } from './services/contact-actions.service.js';
import { CustomAttributeService, CustomFilterService } from './services/custom-attributes.service.js';
import { ReportService } from './services/reports.service.js';
import { SsoLinks } from './services/sso-links.service.js';
import { WebhookAddressGuard } from './webhooks/address-guard.js';
import { AutomationRuleService } from './services/automation/automation-rules.service.js';
import { AutomationRunner } from './services/automation/automation-rules.job.js';

export type { CoreApi };

export interface Runtime extends CoreServices {
  registries: Registries;
  api: CoreApi;
  app: Express;
  migrate(): Promise<void>;
  /** Worker role: processes every registered job, reconciles the schedules, starts the background workers. */
  startWorkers(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Wires one LeadChat process: models, registries (core built-ins, then each configured extension),
 * queues and the HTTP app. Registration problems of every contributor are reported together.
 */
export async function createRuntime(config: Config, opts: { logger?: Logger; extensionsRoot?: string } = {}): Promise<Runtime> {
  const logger = opts.logger ?? createLogger({ level: config.LOG_LEVEL });
  const sequelize: Sequelize = createSequelize(config.DATABASE_URL, logger);
  const models = defineCoreModels(sequelize);
  const secrets = new SecretBox(config.ENCRYPTION_KEYS);
  const events = new EventBus(logger.child({ component: 'events' }));
  const registries = new Registries();
  const queues = new JobQueues(config.REDIS_URL, config.REDIS_PREFIX, registries.jobs, registries.schedules, logger.child({ component: 'jobs' }));
  const storage = new LocalDiskStorage(config.STORAGE_DIR ?? path.join(repoRoot, '.runtime', 'storage'));
  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 3 });
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  const services: CoreServices = { config, logger, sequelize, models, secrets, storage, events, queues, redis };

  const authCache = new AuthCache({ redis, prefix: config.REDIS_PREFIX, logger: logger.child({ component: 'auth-cache' }) });
  const tokens = new AccessTokenService(secrets, authCache);
  const inboxes = new InboxService({ sequelize, secrets, events, registries, inboundEmailDomain: config.INBOUND_EMAIL_DOMAIN });
  const labels = new LabelService({ sequelize });
  const teams = new TeamService({ sequelize });
  const conversations = new ConversationService({ sequelize, events, inboxes, labels, teams });
  const contacts = new ContactService({ sequelize, inboxes, events });
  const replies = new ReplyOutbox({ registries, queues, events, storage, logger: logger.child({ component: 'email.send' }) });
  const mail = new TransactionalMail({ config, sequelize, queues, logger: logger.child({ component: 'mailer' }) });
  const notifications = new NotificationService(sequelize, events, mail);
  new ConversationNotifier({ events, notifications }).register();
  const presence = new Presence(redis, config.REDIS_PREFIX);
  const realtime = new RealtimeHub({ redis, prefix: config.REDIS_PREFIX, logger: logger.child({ component: 'realtime' }), events, conversations, presence });
  new AutoAssignmentService({ sequelize, redis, prefix: config.REDIS_PREFIX, events, presence, logger: logger.child({ component: 'auto-assignment' }) }).register();
  new SystemActivityService({ events }).register();
  const webhookGuard = new WebhookAddressGuard(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS);
  const automationRules = new AutomationRuleService({ sequelize, redis, prefix: config.REDIS_PREFIX, logger: logger.child({ component: 'automation' }) });
  const reauthorization = new ChannelReauthorization({ notifications, logger: logger.child({ component: 'email.reauthorization' }) });
  reauthorization.onCleared((channelId) => replies.releaseHeld(channelId));
  const messages = new MessageService({ sequelize, events, conversations, storage, replies, inboxes, mail, undoSeconds: config.REPLY_UNDO_SECONDS });
  const conversationActions = new ConversationActions({ conversations, events });
  const automation = new AutomationRunner({
    sequelize, rules: automationRules, queues, conversations, conversationActions, messages, mail, guard: webhookGuard, logger: logger.child({ component: 'automation' }),
  });
  automation.subscribe(events);
  const api: CoreApi = {
    tokens,
    profiles: new ProfileService({ tokens, streams: realtime }),
    inboxes,
    contacts,
    conversations,
    messages,
    agents: new AgentService({ sequelize, mail }),
    inboxMembers: new InboxMemberService({ sequelize }),
    labels,
    teams,
    cannedResponses: new CannedResponseService(),
    notifications,
    emailReceive: new EmailReceive({ ...services, registries, reauthorization, inboxes, notifications }),
    reauthorization,
    replies,
    mail,
    passwords: new PasswordService({ sequelize, mail, redis, prefix: config.REDIS_PREFIX, streams: realtime }),
    emailOAuth: createEmailOAuth({ config, logger, redis, secrets, events, inboxes, reauthorization }),
    realtime,
    emailProviders: registries.emailProviders,
    emailChecks: new EmailCheckService({ inboxes, logger }),
    conversationActions,
    contactActions: new ContactActions({ sequelize, contacts, inboxes, events }),
    customAttributes: new CustomAttributeService(),
    customFilters: new CustomFilterService(),
    reports: new ReportService({ sequelize }),
    agentBots: new AgentBotService({ sequelize, secrets, tokens, inboxes, guard: webhookGuard, redis, prefix: config.REDIS_PREFIX, logger: logger.child({ component: 'agent-bots' }) }),
    sso: new SsoLinks({ redis, prefix: config.REDIS_PREFIX, frontendUrl: config.FRONTEND_URL }),
    automationRules,
    automation,
    webhooks: new WebhookService({
      sequelize, secrets, queues, notifications, conversations,
      guard: webhookGuard,
      logger: logger.child({ component: 'webhooks' }),
      retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
      disableAfterHours: config.WEBHOOK_DISABLE_AFTER_HOURS,
      redis,
      prefix: config.REDIS_PREFIX,
    }),
  };
  api.webhooks.subscribe(events);
  new AgentBotEvents({ bots: api.agentBots, webhooks: api.webhooks, conversations }).subscribe(events);
  api.reports.subscribe(events);

  const contributorServices = {
    ...services,
    email: {
      createInbox: inboxes.createWithChannel.bind(inboxes), ingestion: api.emailReceive.ingestion, providerFor: registries.providerFor.bind(registries), reauthorization,
      // === LeadChat: connection doctor ===
      notifyAdministrators: notifications.notifyAdministrators.bind(notifications),
      // === /LeadChat ===
    },
  };
  registerCore(createExtensionContext('core', registries, contributorServices), api);
  await loadExtensions(config.EXTENSIONS, (name) => createExtensionContext(name, registries, contributorServices), registries.problems, opts.extensionsRoot);
  registries.seal();

  const app = createApp({ config, logger, sequelize, redis, registries, queues, tokens, profiles: api.profiles, realtime, sso: api.sso });
  let backgroundStarted = false;

  return {
    ...services,
    registries,
    api,
    redis,
    app,
    async migrate() {
      await ensureDatabase(config.DATABASE_URL);
      await migrate(config.DATABASE_URL, sequelize, registries.migrations.list(), logger);
    },
    async startWorkers() {
      queues.startWorkers();
      await queues.syncSchedules();
      queues.watchSchedules();
      for (const worker of registries.workers.list()) await worker.start();
      backgroundStarted = true;
    },
    async close() {
      if (backgroundStarted) await Promise.all(registries.workers.list().map((w) => w.stop()));
      await queues.close();
      await api.emailReceive.close();
      await api.realtime.close();
      await authCache.close();
      redis.disconnect();
      await sequelize.close();
    },
  };
}
