import type { Redis } from 'ioredis';
import type { InboxService } from '../services/inboxes.service.js';
import type { ChannelReauthorization } from '../channels/email/reauthorization.js';
// === LeadChat: connection doctor ===
import type { NotificationService } from '../services/notifications.service.js';
// === /LeadChat ===
import type { EmailIngestionService } from '../channels/email/receive/email-ingestion.service.js';
import type { Sequelize } from 'sequelize';
import type { z } from 'zod';
import { parseSettings, type Config } from '../config.js';
import type { SecretBox } from '../lib/crypto.js';
import type { BlobStorage } from '../lib/storage.js';
import type { Logger } from '../lib/logger.js';
import type { MigrationFolder } from '../db/migrator.js';
import type { CoreModels } from '../models/index.js';
import type { JobQueues } from '../jobs/queues.js';
import type { EventBus } from './events.js';
import type { Registry, Identified } from './registry.js';
import type { Registries } from './registries.js';
import type { BackgroundWorker, ChannelKind, DeliveryMethod, EmailProvider, JobDefinition, RouteRegistration, ScheduleDefinition } from './types.js';

/** Services available to registrants; the same objects the core uses. */
export interface CoreServices {
  config: Config;
  logger: Logger;
  sequelize: Sequelize;
  models: CoreModels;
  secrets: SecretBox;
  storage: BlobStorage;
  events: EventBus;
  queues: JobQueues;
  /** Shared connection for locks, single-use nonces and pub/sub; keys go under `config.REDIS_PREFIX`. */
  redis: Redis;
}

/** Registration facade for one contributor: it records who registered what, for boot errors. */
export interface RegistrationApi {
  emailProvider(p: EmailProvider): void;
  deliveryMethod(d: DeliveryMethod): void;
  channelKind(k: ChannelKind): void;
  route(r: RouteRegistration): void;
  job<D>(j: JobDefinition<D>): void;
  schedule(s: ScheduleDefinition): void;
  migrations(path: string): void;
  worker(w: BackgroundWorker): void;
  /**
   * The contributor's own settings, parsed from the environment the core's were read from: a bad
   * value joins the boot-time error list (`NAME: message`) with every other problem. Overlays read
   * their settings only this way, never from `process.env`.
   */
  config<S extends z.ZodType>(schema: S): z.infer<S>;
}

/** Email-channel use cases an overlay builds on: creating a channel's inbox and ingesting raw mail. */
export interface EmailServices {
  /** Creates the channel with its inbox in one transaction and announces `channel.created`. */
  createInbox: InboxService['createWithChannel'];
  /** The one ingestion pipeline every transport ends in. */
  ingestion: EmailIngestionService;
  /** Which provider serves a channel (the registries' own answer). */
  providerFor: Registries['providerFor'];
  /** The channel's reauthorization mark, with one notification to administrators per change. */
  reauthorization: ChannelReauthorization;
  // === LeadChat: connection doctor ===
  /** Tells every administrator of an account (the bell, live); the daily connection check reports new failures this way. */
  notifyAdministrators: NotificationService['notifyAdministrators'];
  // === /LeadChat ===
}

export interface ExtensionContext extends CoreServices {
  /** The contributor's name (`core` or the overlay's folder name). */
  name: string;
  register: RegistrationApi;
  email: EmailServices;
}

export function createExtensionContext(name: string, registries: Registries, services: CoreServices & { email: EmailServices }): ExtensionContext {
  const add = <T extends Identified>(registry: Registry<T>) => (item: T) => registry.register(item, name);
  return {
    ...services,
    name,
    logger: services.logger.child({ extension: name }),
    register: {
      emailProvider: add(registries.emailProviders),
      deliveryMethod: add(registries.deliveryMethods),
      channelKind: add(registries.channelKinds),
      route: add(registries.routes),
      job: (j) => registries.jobs.register(j as JobDefinition<never>, name),
      schedule: add(registries.schedules),
      migrations: (path) => registries.migrations.register({ id: name, path }, name),
      worker: add(registries.workers),
      config: <S extends z.ZodType>(schema: S): z.infer<S> => {
        const parsed = parseSettings(schema, services.config.env ?? {});
        if (parsed.data) return parsed.data;
        registries.problems.push(...parsed.problems);
        // Boot fails at the end of registration with these problems listed; registration goes on meanwhile.
        return (parseSettings(schema, {}).data ?? {}) as z.infer<S>;
      },
    },
  };
}
