import { ConfigError } from '../lib/errors.js';
import type { MigrationFolder } from '../db/migrator.js';
import { Registry } from './registry.js';
import type { BackgroundWorker, ChannelKind, DeliveryMethod, EmailProvider, JobDefinition, RouteRegistration, ScheduleDefinition } from './types.js';

/** Every registry the core reads from; built-ins and overlays fill them the same way. */
export class Registries {
  readonly problems: string[] = [];
  readonly emailProviders = new Registry<EmailProvider>('email provider', this.problems);
  readonly deliveryMethods = new Registry<DeliveryMethod>('delivery method', this.problems);
  readonly channelKinds = new Registry<ChannelKind>('channel kind', this.problems);
  readonly routes = new Registry<RouteRegistration>('route', this.problems);
  readonly jobs = new Registry<JobDefinition<never>>('job', this.problems);
  readonly schedules = new Registry<ScheduleDefinition>('schedule', this.problems);
  readonly migrations = new Registry<MigrationFolder>('migration folder', this.problems);
  readonly workers = new Registry<BackgroundWorker>('background worker', this.problems);

  /** Ends registration: reports every conflict together, then makes the registries read-only. */
  seal(): void {
    for (const s of this.schedules.list()) {
      if (!this.jobs.has(s.job)) this.problems.push(`schedule "${s.id}" names unknown job "${s.job}"`);
    }
    if (this.problems.length) throw new ConfigError(this.problems, 'Extension registration failed');
    for (const r of [this.emailProviders, this.deliveryMethods, this.channelKinds, this.routes, this.jobs, this.schedules, this.migrations, this.workers]) r.seal();
  }

  /** The kind of a non-email inbox's channel (`channel_type`), when one is registered. */
  channelKindOf(channelType: string): ChannelKind | undefined {
    return this.channelKinds.list().find((k) => k.channelType === channelType);
  }

  /** The provider serving a channel: the first whose predicate accepts it. */
  providerFor(channel: { provider: string; email: string; provider_config: Record<string, unknown> }): EmailProvider | undefined {
    return this.emailProviders.list().find((p) => (p.matches ? p.matches(channel) : channel.provider === p.id));
  }
}
