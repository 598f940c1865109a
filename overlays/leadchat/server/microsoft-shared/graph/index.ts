import type { ExtensionContext, JobDefinition, RouteRegistration, ScheduleDefinition } from '../../../../../server/src/extensions/index.js';
import type { GraphClients } from '../../microsoft/contracts.js';
import type { LeadchatSettings } from '../../settings.js';
import { MICROSOFT_SHARED } from '../provider.js';
import { GraphDeltaSweep } from './graph-delta-sweep.js';
import { GraphMessageFetcher } from './graph-message-fetcher.js';
import { GRAPH_CLEANUP_JOB, GRAPH_SCHEDULES, enqueueSubscription, graphJobs } from './graph-receive.job.js';
import { GraphReceiveState } from './graph-state.model.js';
import { adminConsentReturnRouter, graphStatusRouter } from './graph-status.router.js';
import { GraphSubscriptions } from './graph-subscriptions.js';
import { isGraphFull, type GraphReceiveDeps } from './graph-target.js';
import { graphWebhookRouter } from './graph-webhook.router.js';

export interface GraphReceiveParts {
  routes: RouteRegistration[];
  jobs: JobDefinition<never>[];
  schedules: ScheduleDefinition[];
}

type Context = Pick<ExtensionContext, 'config' | 'logger' | 'models' | 'secrets' | 'redis' | 'sequelize' | 'events' | 'email'> & { queues: GraphReceiveDeps['queues'] };

/**
 * graph_full receive: push (app-only subscription) or delegated polling, the webhook, the catch-up
 * sweep and their schedules, and cleanup when a channel is destroyed.
 * Returns the parts; `registerGraph` hands them to the core's registries (GraphReceiveState must be defined).
 */
export function createGraphReceive(ctx: Context, clients: GraphClients, opts: { publicBaseUrl: string }): GraphReceiveParts {
  const deps: GraphReceiveDeps = {
    config: ctx.config, logger: ctx.logger.child({ component: 'microsoft_shared.graph' }), models: ctx.models, secrets: ctx.secrets,
    redis: ctx.redis, ingestion: ctx.email.ingestion, queues: ctx.queues, clients, publicBaseUrl: opts.publicBaseUrl,
  };
  const fetcher = new GraphMessageFetcher(deps);
  const subscriptions = new GraphSubscriptions(deps);
  const sweep = new GraphDeltaSweep(deps, fetcher);

  ctx.events.on('channel.created', async ({ channelId, provider }) => {
    if (provider !== MICROSOFT_SHARED) return;
    const channel = await ctx.models.ChannelEmail.findByPk(channelId);
    if (channel && isGraphFull(channel)) await enqueueSubscription(deps, channelId, 'ensure');
  }, 'leadchat.microsoft_shared.graph');
  ctx.events.on('channel.destroyed', async ({ channelId, provider }) => {
    if (provider !== MICROSOFT_SHARED || !(await GraphReceiveState.findByPk(channelId))) return;
    await ctx.queues.enqueue(GRAPH_CLEANUP_JOB, { channelId }, { jobId: `cleanup:${channelId}` });
  }, 'leadchat.microsoft_shared.graph');

  return {
    routes: [
      { id: 'leadchat.microsoft_shared.graph_webhook', mount: 'public', router: graphWebhookRouter(deps) },
      { id: 'leadchat.microsoft_shared.admin_consent', mount: 'public', router: adminConsentReturnRouter(deps) },
    ],
    jobs: graphJobs({ deps, fetcher, sweep, subscriptions }),
    schedules: GRAPH_SCHEDULES,
  };
}

/** graph_full's model (defined once here), its inbox status route and receive. */
export function registerGraph(ctx: ExtensionContext, clients: GraphClients, settings: Pick<LeadchatSettings, 'MICROSOFT_SHARED_WEBHOOK_BASE_URL'>): void {
  GraphReceiveState.initModel(ctx.sequelize);
  ctx.register.route({ id: 'leadchat.microsoft_shared.graph_status', mount: 'account', router: graphStatusRouter(ctx) });
  const parts = createGraphReceive(ctx, clients, { publicBaseUrl: (settings.MICROSOFT_SHARED_WEBHOOK_BASE_URL ?? ctx.config.FRONTEND_URL).replace(/\/+$/, '') });
  for (const r of parts.routes) ctx.register.route(r);
  for (const j of parts.jobs) ctx.register.job(j);
  for (const s of parts.schedules) ctx.register.schedule(s);
}
