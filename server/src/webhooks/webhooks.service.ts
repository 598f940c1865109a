import { randomUUID } from 'node:crypto';
import type { Job } from 'bull';
import type { Redis } from 'ioredis';
import { Op, type Sequelize } from 'sequelize';
import { z } from 'zod';
import { attributesHash, httpUrl, pageParam, parse } from '../lib/validation.js';
import type { AccountScope } from '../services/account-scope.js';
import type { EventBus, LifecycleEventName, LifecycleEvents } from '../extensions/events.js';
import type { JobDefinition } from '../extensions/types.js';
import type { JobQueues } from '../jobs/queues.js';
import { randomToken, type SecretBox } from '../lib/crypto.js';
import { NotFoundError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { VersionedCache } from '../lib/versioned-cache.js';
import { AgentBot } from '../models/agent-bot.model.js';
import { Webhook, WebhookDelivery, WEBHOOK_EVENTS, type AgentBotEvent, type WebhookEvent } from '../models/webhook.model.js';
import type { ConversationService } from '../services/conversations.service.js';
import type { NotificationService } from '../services/notifications.service.js';
import type { WebhookAddressGuard } from './address-guard.js';
import { buildWebhookPayloads, type WebhookEventData } from './webhook-payloads.js';
import { sendWebhook, signatureHeaders } from './webhook-sender.js';

export const WEBHOOK_DELIVERY_JOB = 'webhooks.deliver';
/** 14 attempts: the first, then 13 retries whose delays double from WEBHOOK_RETRY_BASE_MS (10 s → ~23 h). */
export const WEBHOOK_ATTEMPTS = 14;
export const DELIVERIES_PER_PAGE = 25;
const PENDING = ['queued', 'retrying'];

const subscriptions = z.array(z.enum(WEBHOOK_EVENTS, { message: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }), { message: 'must be a list of events' });
const createParams = z.object({
  url: httpUrl,
  name: z.string().trim().max(255).nullable().optional(),
  subscriptions: subscriptions.min(1, 'must list at least one event').default([...WEBHOOK_EVENTS]),
});
const updateParams = z.object({
  url: httpUrl.optional(),
  name: z.string().trim().max(255).nullable().optional(),
  subscriptions: subscriptions.min(1, 'must list at least one event').optional(),
  enabled: z.boolean({ message: 'must be true or false' }).optional(),
});
/** Chatwoot nests the attributes under `webhook`; flat bodies are accepted too. */
const nested = z.object({ webhook: attributesHash.optional() }).passthrough();

export interface WebhookServiceDeps {
  sequelize: Sequelize;
  secrets: SecretBox;
  queues: JobQueues;
  notifications: Pick<NotificationService, 'notifyAdministrators'>;
  conversations: ConversationService;
  guard: WebhookAddressGuard;
  logger: Logger;
  retryBaseMs: number;
  disableAfterHours: number;
  redis: Redis;
  prefix: string;
}

type Subscribed = Pick<Webhook, 'id' | 'subscriptions'>;
export type AgentBotEventData = Omit<WebhookEventData, 'event'> & { event: AgentBotEvent };
/** The deliveries of one webhook or one agent bot: each has its own queue per conversation. */
type DeliveryOwner = { webhook_id: number } | { agent_bot_id: number };
const ownerOf = (d: WebhookDelivery): DeliveryOwner => (d.webhook_id !== null ? { webhook_id: d.webhook_id } : { agent_bot_id: d.agent_bot_id! });

/**
 * Account webhooks: administrators manage them; every lifecycle event an enabled webhook subscribes
 * to becomes one delivery row and one bull job. Deliveries of one webhook for one conversation (or
 * contact) go out in order: a delivery waits until the one before it was delivered or given up.
 */
export class WebhookService {
  /**
   * Every lifecycle event asks which webhooks listen; asking Postgres each time cost more than the
   * ingest's own SQL. The answer is kept per account until any process changes a webhook.
   */
  private readonly subscribedCache: VersionedCache<number, Subscribed[]>;

  constructor(private readonly deps: WebhookServiceDeps) {
    this.subscribedCache = new VersionedCache(deps.redis, `${deps.prefix}:webhooks:version`, deps.logger, 'webhook subscriptions');
  }

  list(scope: AccountScope): Promise<Webhook[]> {
    return Webhook.findAll({ where: { account_id: scope.account.id }, order: [['id', 'ASC']] });
  }

  async find(scope: AccountScope, id: number): Promise<Webhook> {
    const webhook = await Webhook.findOne({ where: { id, account_id: scope.account.id } });
    if (!webhook) throw new NotFoundError('Webhook');
    return webhook;
  }

  async create(scope: AccountScope, body: Record<string, unknown>): Promise<Webhook> {
    const attrs = parse(createParams, this.unwrap(body), 'webhook');
    this.deps.guard.checkField('webhook.url', attrs.url);
    const webhook = await Webhook.create({
      account_id: scope.account.id,
      url: attrs.url,
      name: attrs.name ?? null,
      subscriptions: [...new Set(attrs.subscriptions)],
      secret_ciphertext: this.deps.secrets.encrypt(randomToken(32)),
      failing_since: null,
      disabled_reason: null,
    });
    await this.subscriptionsChanged();
    return webhook;
  }

  async update(scope: AccountScope, id: number, body: Record<string, unknown>): Promise<Webhook> {
    const webhook = await this.find(scope, id);
    const attrs = parse(updateParams, this.unwrap(body), 'webhook');
    if (attrs.url) this.deps.guard.checkField('webhook.url', attrs.url);
    await webhook.update({
      ...(attrs.url ? { url: attrs.url } : {}),
      ...(attrs.name !== undefined ? { name: attrs.name } : {}),
      ...(attrs.subscriptions ? { subscriptions: [...new Set(attrs.subscriptions)] } : {}),
      // Turning a webhook back on gives it a fresh start: the automatic disable counts from now.
      ...(attrs.enabled !== undefined ? { enabled: attrs.enabled, ...(attrs.enabled ? { failing_since: null, disabled_reason: null } : {}) } : {}),
    });
    await this.subscriptionsChanged();
    return webhook;
  }

  async destroy(scope: AccountScope, id: number): Promise<void> {
    await (await this.find(scope, id)).destroy();
    await this.subscriptionsChanged();
  }

  secretOf(webhook: Webhook): string {
    return this.deps.secrets.decrypt(webhook.secret_ciphertext);
  }

  /** The delivery log, newest first. */
  async deliveries(scope: AccountScope, id: number, query: unknown): Promise<{ count: number; deliveries: WebhookDelivery[] }> {
    const webhook = await this.find(scope, id);
    const { page } = parse(z.object({ page: pageParam }), query);
    const { count, rows } = await WebhookDelivery.findAndCountAll({
      where: { webhook_id: webhook.id },
      order: [['id', 'DESC']],
      limit: DELIVERIES_PER_PAGE,
      offset: (page - 1) * DELIVERIES_PER_PAGE,
    });
    return { count, deliveries: rows };
  }

  /** Sends a delivery again with the same delivery id (receivers deduplicate on it), after any earlier one of its conversation. */
  async resend(scope: AccountScope, id: number, deliveryId: number): Promise<WebhookDelivery> {
    const webhook = await this.find(scope, id);
    const delivery = await WebhookDelivery.findOne({ where: { id: deliveryId, webhook_id: webhook.id } });
    if (!delivery) throw new NotFoundError('Delivery');
    if (!PENDING.includes(delivery.status)) {
      await delivery.update({ status: 'queued', last_error: null });
      await this.enqueueNext({ webhook_id: webhook.id }, delivery.ordering_key);
    }
    return delivery;
  }

  /** Subscribes to the core's lifecycle events. */
  subscribe(events: EventBus): void {
    const on = <E extends LifecycleEventName>(event: E, toSource: (ids: LifecycleEvents[E]) => Parameters<typeof buildWebhookPayloads>[0]) =>
      events.on(event, (ids) => this.publish(ids.accountId, () => buildWebhookPayloads(toSource(ids), this.deps.conversations)));
    on('conversation.created', (ids) => ({ kind: 'conversation', event: 'conversation.created', ids }));
    on('conversation.updated', (ids) => ({ kind: 'conversation', event: 'conversation.updated', ids }));
    on('message.created', (ids) => ({ kind: 'message', event: 'message.created', ids }));
    on('message.updated', (ids) => ({ kind: 'message', event: 'message.updated', ids }));
    on('contact.created', (ids) => ({ kind: 'contact', event: 'contact.created', ids }));
    on('contact.updated', (ids) => ({ kind: 'contact', event: 'contact.updated', ids }));
  }

  /** Records a delivery per subscribed, enabled webhook; payloads are built only when someone listens. */
  async publish(accountId: number, build: () => Promise<WebhookEventData[]>): Promise<void> {
    const webhooks = await this.subscribed(accountId);
    if (!webhooks.length) return;
    for (const data of await build()) {
      for (const webhook of webhooks.filter((w) => w.subscriptions.includes(data.event))) await this.queueDelivery({ webhook_id: webhook.id }, data);
    }
  }

  job(): JobDefinition<{ deliveryId: number }> {
    return {
      id: WEBHOOK_DELIVERY_JOB,
      concurrency: 8,
      defaults: { attempts: WEBHOOK_ATTEMPTS, backoff: { type: 'exponential', delay: this.deps.retryBaseMs } },
      process: ({ deliveryId }, job) => this.deliver(deliveryId, job),
    };
  }

  /**
   * One attempt. A failure throws for bull to retry with backoff, until the last attempt, a refused
   * address (retrying cannot help) or the webhook's automatic disable gives the delivery up; either
   * way the next delivery of its conversation is then queued. An agent bot's deliveries take the same
   * path, signed with the bot's secret; a bot is never disabled automatically (Chatwoot does not either).
   */
  async deliver(deliveryId: number, job?: Job<{ deliveryId: number }>): Promise<{ status: string }> {
    const delivery = await WebhookDelivery.findByPk(deliveryId);
    if (!delivery || !PENDING.includes(delivery.status)) return { status: delivery?.status ?? 'missing' };
    const owner = ownerOf(delivery);
    const target = await this.targetOf(delivery);
    if ('refused' in target) {
      await delivery.update({ status: 'failed', last_error: target.refused });
      return { status: 'failed' };
    }
    const earlier = await WebhookDelivery.findOne({
      where: { ...owner, ordering_key: delivery.ordering_key, status: PENDING, id: { [Op.lt]: delivery.id } },
      attributes: ['id'],
    });
    // Not its turn (an older delivery was resent): back in line, the earlier one queues it when done.
    if (earlier) {
      await delivery.update({ status: 'queued', updated_at: new Date() });
      return { status: 'waiting' };
    }

    const body = JSON.stringify(delivery.payload);
    const headers = { ...signatureHeaders(target.secret, body, Math.floor(Date.now() / 1000)), 'X-Chatwoot-Delivery': delivery.delivery_uuid };
    const result = await sendWebhook(target.url, body, headers, this.deps.guard);
    const outcome = { attempts: delivery.attempts + 1, response_status: result.status, latency_ms: result.latencyMs };
    const webhook = target.webhook;
    if (result.ok) {
      await delivery.update({ ...outcome, status: 'delivered', last_error: null, delivered_at: new Date() });
      if (webhook?.failing_since) await webhook.update({ failing_since: null });
      await this.enqueueNext(owner, delivery.ordering_key);
      return { status: 'delivered' };
    }

    const log = this.deps.logger.child({ ...(webhook ? { webhookId: webhook.id } : { agentBotId: delivery.agent_bot_id }), deliveryId: delivery.id, attempt: outcome.attempts });
    if (webhook) {
      const failingSince = webhook.failing_since ?? new Date();
      if (!webhook.failing_since) await webhook.update({ failing_since: failingSince });
      if (Date.now() - failingSince.getTime() >= this.deps.disableAfterHours * 3600_000) {
        await delivery.update({ ...outcome, status: 'failed', last_error: result.error });
        await this.disable(webhook, result.error ?? 'failed');
        log.warn({ error: result.error }, 'webhook disabled after failing for too long');
        return { status: 'failed' };
      }
    }
    const lastAttempt = result.permanent || !job || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await delivery.update({ ...outcome, status: lastAttempt ? 'failed' : 'retrying', last_error: result.error });
    if (lastAttempt) {
      log.info({ error: result.error }, 'webhook delivery given up');
      await this.enqueueNext(owner, delivery.ordering_key);
      return { status: 'failed' };
    }
    throw new Error(`webhook delivery failed: ${result.error}`);
  }

  /** Where a delivery goes and how it is signed, or why it cannot go anymore. */
  private async targetOf(delivery: WebhookDelivery): Promise<{ url: string; secret: string; webhook?: Webhook } | { refused: string }> {
    if (delivery.webhook_id !== null) {
      const webhook = await Webhook.findByPk(delivery.webhook_id);
      if (!webhook || !webhook.enabled) return { refused: 'the webhook is disabled' };
      return { url: webhook.url, secret: this.secretOf(webhook), webhook };
    }
    const bot = await AgentBot.findByPk(delivery.agent_bot_id!);
    if (!bot?.outgoing_url) return { refused: 'the agent bot has no outgoing URL' };
    return { url: bot.outgoing_url, secret: this.deps.secrets.decrypt(bot.secret_ciphertext) };
  }

  /**
   * Queues an agent bot's events (the bot listener decides which ones it gets), in order per
   * conversation like a webhook's.
   */
  async publishToAgentBot(agentBotId: number, events: AgentBotEventData[]): Promise<void> {
    for (const data of events) await this.queueDelivery({ agent_bot_id: agentBotId }, data);
  }

  /** Records a delivery for its webhook or bot and queues it when it is the next of its conversation. */
  private async queueDelivery(owner: DeliveryOwner, data: WebhookEventData | AgentBotEventData): Promise<void> {
    await WebhookDelivery.create({
      webhook_id: null, agent_bot_id: null, ...owner, event: data.event, ordering_key: data.orderingKey, delivery_uuid: randomUUID(), payload: data.payload,
      response_status: null, latency_ms: null, last_error: null, delivered_at: null,
    });
    await this.enqueueNext(owner, data.orderingKey);
  }

  /** Queues the oldest pending delivery of a conversation unless it already has its job (retrying). */
  private async enqueueNext(owner: DeliveryOwner, orderingKey: string): Promise<void> {
    const next = await WebhookDelivery.findOne({ where: { ...owner, ordering_key: orderingKey, status: PENDING }, order: [['id', 'ASC']] });
    if (!next || next.status !== 'queued') return;
    // The job id makes concurrent callers add it once; a row changed since (resent, back in line) is a new job.
    await this.deps.queues.enqueue(WEBHOOK_DELIVERY_JOB, { deliveryId: next.id }, { jobId: `webhook-delivery:${next.id}:${next.updated_at.getTime()}` });
  }

  /** Stops a webhook that has failed for too long: its pending deliveries are given up, administrators notified. */
  private async disable(webhook: Webhook, error: string): Promise<void> {
    const reason = `Disabled automatically: no delivery succeeded for ${this.deps.disableAfterHours} hours (last error: ${error})`;
    await webhook.update({ enabled: false, disabled_reason: reason });
    await this.subscriptionsChanged();
    await WebhookDelivery.update({ status: 'failed', last_error: 'the webhook was disabled' }, { where: { webhook_id: webhook.id, status: PENDING } });
    await this.deps.notifications.notifyAdministrators(webhook.account_id, 'webhook_disabled', { webhook_id: webhook.id, url: webhook.url, title: `The webhook to ${webhook.url} was disabled`, error: reason });
  }

  /** The account's enabled webhooks, from the cache while no process has changed a webhook since. */
  private subscribed(accountId: number): Promise<Subscribed[]> {
    return this.subscribedCache.get(accountId, () => Webhook.findAll({ where: { account_id: accountId, enabled: true }, attributes: ['id', 'subscriptions'] }));
  }

  private subscriptionsChanged(): Promise<void> {
    return this.subscribedCache.invalidate();
  }

  private unwrap(body: Record<string, unknown>): Record<string, unknown> {
    const { webhook } = parse(nested, body);
    return webhook ?? body;
  }
}

export const isWebhookEvent = (v: string): v is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(v);
