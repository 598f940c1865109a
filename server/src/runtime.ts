import { Redis } from 'ioredis';
import type { Express } from 'express';
import type { Sequelize } from 'sequelize';
import type { Config } from './config.js';
import { createApp } from './app.js';
import { registerCore } from './core.js';
import { createSequelize, ensureDatabase } from './db/sequelize.js';
import { migrate } from './db/migrator.js';
import { createExtensionContext, Registries, type CoreServices } from './extensions/context.js';
import { EventBus } from './extensions/events.js';
import { loadExtensions } from './extensions/loader.js';
import { JobQueues } from './jobs/queues.js';
import { SecretBox } from './lib/crypto.js';
import { LocalDiskStorage } from './lib/storage.js';
import { repoRoot } from './lib/paths.js';
import path from 'node:path';
import { createLogger, type Logger } from './lib/logger.js';
import { defineCoreModels } from './models/index.js';
import { AccessTokenService } from './services/access-tokens.js';
import { InboxService } from './services/inboxes.js';
import { ContactService } from './services/contacts.js';
import { ConversationService } from './services/conversations.js';
import { MessageService } from './services/messages.js';
import { AgentService } from './services/agents.js';
import { InboxMemberService } from './services/inbox-members.js';
import { ProfileService } from './services/profiles.js';

/** Core use-case services, shared by the core's routers and jobs. */
export interface CoreApi {
  tokens: AccessTokenService;
  profiles: ProfileService;
  inboxes: InboxService;
  contacts: ContactService;
  conversations: ConversationService;
  messages: MessageService;
  agents: AgentService;
  inboxMembers: InboxMemberService;
}

export interface Runtime extends CoreServices {
  registries: Registries;
  api: CoreApi;
  redis: Redis;
  app: Express;
  migrate(): Promise<void>;
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
  const services: CoreServices = { config, logger, sequelize, models, secrets, storage, events, queues };

  const tokens = new AccessTokenService(secrets);
  const inboxes = new InboxService({ sequelize, secrets, events, registries, inboundEmailDomain: config.INBOUND_EMAIL_DOMAIN });
  const conversations = new ConversationService({ sequelize, events, inboxes });
  const api: CoreApi = {
    tokens,
    profiles: new ProfileService(tokens),
    inboxes,
    contacts: new ContactService({ sequelize, inboxes }),
    conversations,
    messages: new MessageService({ sequelize, events, conversations }),
    agents: new AgentService({ sequelize }),
    inboxMembers: new InboxMemberService({ sequelize }),
  };

  registerCore(createExtensionContext('core', registries, services), api);
  await loadExtensions(config.EXTENSIONS, (name) => createExtensionContext(name, registries, services), registries.problems, opts.extensionsRoot);
  registries.seal();

  const redis = new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 3 });
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  const app = createApp({ config, logger, sequelize, redis, registries, queues, tokens, profiles: api.profiles });

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
    async close() {
      await queues.close();
      redis.disconnect();
      await sequelize.close();
    },
  };
}
