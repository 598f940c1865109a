import { randomUUID } from 'node:crypto';
import type { Job } from 'bull';
import type { Redis } from 'ioredis';
import type { EventBus } from '../../extensions/events.js';
import type { JobDefinition } from '../../extensions/types.js';
import type { JobQueues } from '../../jobs/queues.js';
import type { SecretBox } from '../../lib/crypto.js';
import type { Logger } from '../../lib/logger.js';
import { VersionedCache } from '../../lib/versioned-cache.js';
import { ChannelApi, Inbox, Message } from '../../models/index.js';
import type { ConversationService } from '../../services/conversations.service.js';
import type { WebhookAddressGuard } from '../../webhooks/address-guard.js';
import { buildWebhookPayloads } from '../../webhooks/webhook-payloads.js';
import { sendWebhook, signatureHeaders, type SendResult } from '../../webhooks/webhook-sender.js';
import { API_CHANNEL_TYPE } from './api-channel.js';

export const API_REPLY_JOB = 'api_channel.reply';
export const API_EVENT_JOB = 'api_channel.event';
/** A chat reply is worth retrying for a minute or two, not for a day: the agent should see a failure while the conversation is fresh. */
export const API_REPLY_ATTEMPTS = 4;

interface ApiReplyData {
  messageId: number;
  /** `X-Chatwoot-Delivery`: the same on every retry of this send, so the receiver can drop duplicates. */
  deliveryId: string;
}

interface ApiEventData {
  inboxId: number;
  deliveryId: string;
  /** Built when the event happened, as account webhooks' are. */
  payload: Record<string, unknown>;
}

export interface ApiWebhookDeliveryDeps {
  secrets: SecretBox;
  guard: WebhookAddressGuard;
  queues: JobQueues;
  events: EventBus;
  conversations: ConversationService;
  logger: Logger;
  retryBaseMs: number;
  redis: Redis;
  /** REDIS_PREFIX: the version of what processes keep about API inboxes' webhooks lives under it. */
  prefix: string;
}

/** Messages an inbox's webhook hears of: the chat itself, never activity lines. */
const CHAT_MESSAGE_TYPES = new Set(['incoming', 'outgoing']);

/**
 * What an API inbox posts to its `webhook_url`, through the account webhooks' sender (the same
 * signature, SSRF guard and 5 s answer time), signed with the channel's secret:
 * - an agent's reply, as Chatwoot's `message_created`: the message is `sending` until the receiver
 *   answers 2xx (`sent`); a refused address, or the last retry, marks it `failed` with the reason;
 * - Chatwoot's other inbox events — `conversation_created`, `conversation_status_changed`,
 *   `conversation_updated`, and `message_created` for the customer's messages and outgoing ones that
 *   are not replies being sent (a conversation's opening message) — best effort, retried the same
 *   way. Private notes and activity lines never leave.
 */
export class ApiWebhookDelivery {
  /** Whether an inbox posts events, kept per process until any process edits an API channel. */
  private readonly targets: VersionedCache<number, boolean>;

  constructor(private readonly deps: ApiWebhookDeliveryDeps) {
    this.targets = new VersionedCache(deps.redis, `${deps.prefix}:api_channel_webhooks:version`, deps.logger, 'API inbox webhooks');
  }

  async submit(message: Message): Promise<void> {
    await this.deps.queues.enqueue<ApiReplyData>(API_REPLY_JOB, { messageId: message.id, deliveryId: randomUUID() });
  }

  /** A channel's webhook URL changed or the channel is gone: every process reads afresh from its next event. */
  forget(): Promise<void> {
    return this.targets.invalidate();
  }

  replyJob(): JobDefinition<ApiReplyData> {
    return { id: API_REPLY_JOB, concurrency: 8, defaults: this.retries(), process: (data, job) => this.deliver(data, job) };
  }

  eventJob(): JobDefinition<ApiEventData> {
    return { id: API_EVENT_JOB, concurrency: 8, defaults: this.retries(), process: (data, job) => this.deliverEvent(data, job) };
  }

  private retries() {
    return { attempts: API_REPLY_ATTEMPTS, backoff: { type: 'exponential', delay: this.deps.retryBaseMs } };
  }

  /** Subscribes to the lifecycle events an API inbox's webhook hears (the agents' replies come through `submit`). */
  subscribe(events: EventBus): void {
    events.on('conversation.created', (ids) => this.publish(ids.inboxId, { kind: 'conversation', event: 'conversation.created', ids }), 'core.api_channel');
    events.on('conversation.updated', (ids) => this.publish(ids.inboxId, { kind: 'conversation', event: 'conversation.updated', ids }), 'core.api_channel');
    events.on('message.created', (ids) => (CHAT_MESSAGE_TYPES.has(ids.messageType) && !ids.private ? this.publish(ids.inboxId, { kind: 'message', event: 'message.created', ids }) : undefined), 'core.api_channel');
  }

  /** One attempt at a reply; a transient failure throws for bull to retry until the last attempt. */
  async deliver({ messageId, deliveryId }: ApiReplyData, job?: Job<ApiReplyData>): Promise<{ status: string }> {
    const message = await Message.findByPk(messageId);
    if (!message || message.status !== 'sending') return { status: message?.status ?? 'missing' };
    const log = this.deps.logger.child({ messageId, attempt: (job?.attemptsMade ?? 0) + 1 });
    const channel = await this.channelOf(message.inbox_id);
    if (!channel?.webhook_url) {
      // Nothing to post to (the URL was removed meanwhile): the reply stays readable through the API.
      return this.finish(message, 'sent', null);
    }
    const ids = { accountId: message.account_id, inboxId: message.inbox_id, conversationId: message.conversation_id, messageId: message.id, messageType: message.message_type, private: message.private };
    const [data] = await buildWebhookPayloads({ kind: 'message', event: 'message.created', ids }, this.deps.conversations);
    if (!data) return this.finish(message, 'failed', 'The conversation no longer exists');

    const result = await this.post(channel, data.payload, deliveryId);
    if (result.ok) {
      log.info({ status: result.status, latencyMs: result.latencyMs }, 'api inbox reply delivered');
      return this.finish(message, 'sent', null);
    }
    const last = result.permanent || !job || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    log.warn({ error: result.error, final: last }, 'api inbox reply not delivered');
    if (last) return this.finish(message, 'failed', `Not delivered to the inbox's webhook: ${result.error ?? 'failed'}`);
    throw new Error(`api inbox reply not delivered: ${result.error}`);
  }

  /** One attempt at an event; after the last one it is given up (logged): no message waits on it. */
  async deliverEvent({ inboxId, deliveryId, payload }: ApiEventData, job?: Job<ApiEventData>): Promise<{ status: string }> {
    const channel = await this.channelOf(inboxId);
    if (!channel?.webhook_url) return { status: 'skipped' };
    const result = await this.post(channel, payload, deliveryId);
    if (result.ok) return { status: 'delivered' };
    const last = result.permanent || !job || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    this.deps.logger.warn({ inboxId, event: payload.event, error: result.error, final: last }, 'api inbox event not delivered');
    if (last) return { status: 'failed' };
    throw new Error(`api inbox event not delivered: ${result.error}`);
  }

  /** Queues the event's Chatwoot payloads when the inbox is an API inbox with a webhook URL. */
  private async publish(inboxId: number, source: Parameters<typeof buildWebhookPayloads>[0]): Promise<void> {
    if (!(await this.hasWebhook(inboxId))) return;
    for (const data of await buildWebhookPayloads(source, this.deps.conversations)) {
      // An agent's reply still `sending` is posted by its own job, which gives it its status.
      if (data.event === 'message_created' && data.payload.status === 'sending') continue;
      await this.deps.queues.enqueue<ApiEventData>(API_EVENT_JOB, { inboxId, deliveryId: randomUUID(), payload: data.payload });
    }
  }

  /** Whether an inbox posts events: every lifecycle event asks, so the answer is kept until an API channel changes. */
  private hasWebhook(inboxId: number): Promise<boolean> {
    return this.targets.get(inboxId, async () => !!(await this.channelOf(inboxId))?.webhook_url);
  }

  private async channelOf(inboxId: number): Promise<ChannelApi | null> {
    const inbox = await Inbox.findByPk(inboxId, { attributes: ['id', 'channel_type', 'channel_id'] });
    return inbox?.channel_type === API_CHANNEL_TYPE ? ChannelApi.findByPk(inbox.channel_id) : null;
  }

  private post(channel: ChannelApi, payload: Record<string, unknown>, deliveryId: string): Promise<SendResult> {
    const body = JSON.stringify(payload);
    const secret = this.deps.secrets.decrypt(channel.secret_ciphertext);
    const headers = { ...signatureHeaders(secret, body, Math.floor(Date.now() / 1000)), 'X-Chatwoot-Delivery': deliveryId };
    return sendWebhook(channel.webhook_url!, body, headers, this.deps.guard);
  }

  private async finish(message: Message, status: 'sent' | 'failed', error: string | null): Promise<{ status: string }> {
    const [changed] = await Message.update({ status, external_error: error }, { where: { id: message.id, status: 'sending' } });
    if (changed) {
      await this.deps.events.emit('message.updated', {
        accountId: message.account_id, inboxId: message.inbox_id, conversationId: message.conversation_id, messageId: message.id, changes: [`status:${status}`],
      });
    }
    return { status };
  }
}
