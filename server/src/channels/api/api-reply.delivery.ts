import { randomUUID } from 'node:crypto';
import type { Job } from 'bull';
import type { EventBus } from '../../extensions/events.js';
import type { JobDefinition } from '../../extensions/types.js';
import type { JobQueues } from '../../jobs/queues.js';
import type { SecretBox } from '../../lib/crypto.js';
import type { Logger } from '../../lib/logger.js';
import { ChannelApi, Inbox, Message } from '../../models/index.js';
import type { ConversationService } from '../../services/conversations.service.js';
import type { WebhookAddressGuard } from '../../webhooks/address-guard.js';
import { buildWebhookPayloads } from '../../webhooks/webhook-payloads.js';
import { sendWebhook, signatureHeaders } from '../../webhooks/webhook-sender.js';
import { API_CHANNEL_TYPE } from './api-channel.js';

export const API_REPLY_JOB = 'api_channel.reply';
/** A chat reply is worth retrying for a minute or two, not for a day: the agent should see a failure while the conversation is fresh. */
export const API_REPLY_ATTEMPTS = 4;

interface ApiReplyData {
  messageId: number;
  /** `X-Chatwoot-Delivery`: the same on every retry of this send, so the receiver can drop duplicates. */
  deliveryId: string;
}

export interface ApiReplyDeliveryDeps {
  secrets: SecretBox;
  guard: WebhookAddressGuard;
  queues: JobQueues;
  events: EventBus;
  conversations: ConversationService;
  logger: Logger;
  retryBaseMs: number;
}

/**
 * How an agent's reply leaves an API inbox: Chatwoot's `message_created` webhook body POSTed to the
 * channel's `webhook_url` by the webhook sender (the same signature, SSRF guard and 5 s answer time
 * as account webhooks), signed with the channel's secret. The message is `sending` until the receiver
 * answers 2xx (`sent`); a refused address, or the last retry, marks it `failed` with the reason.
 */
export class ApiReplyDelivery {
  constructor(private readonly deps: ApiReplyDeliveryDeps) {}

  async submit(message: Message): Promise<void> {
    await this.deps.queues.enqueue<ApiReplyData>(API_REPLY_JOB, { messageId: message.id, deliveryId: randomUUID() });
  }

  job(): JobDefinition<ApiReplyData> {
    return {
      id: API_REPLY_JOB,
      concurrency: 8,
      defaults: { attempts: API_REPLY_ATTEMPTS, backoff: { type: 'exponential', delay: this.deps.retryBaseMs } },
      process: (data, job) => this.deliver(data, job),
    };
  }

  /** One attempt; a transient failure throws for bull to retry until the last attempt. */
  async deliver({ messageId, deliveryId }: ApiReplyData, job?: Job<ApiReplyData>): Promise<{ status: string }> {
    const message = await Message.findByPk(messageId);
    if (!message || message.status !== 'sending') return { status: message?.status ?? 'missing' };
    const log = this.deps.logger.child({ messageId, attempt: (job?.attemptsMade ?? 0) + 1 });
    const inbox = await Inbox.findByPk(message.inbox_id, { attributes: ['id', 'channel_type', 'channel_id'] });
    const channel = inbox?.channel_type === API_CHANNEL_TYPE ? await ChannelApi.findByPk(inbox.channel_id) : null;
    if (!channel?.webhook_url) {
      // Nothing to post to (the URL was removed meanwhile): the reply stays readable through the API.
      return this.finish(message, 'sent', null);
    }
    const ids = { accountId: message.account_id, inboxId: message.inbox_id, conversationId: message.conversation_id, messageId: message.id, messageType: message.message_type, private: message.private };
    const [data] = await buildWebhookPayloads({ kind: 'message', event: 'message.created', ids }, this.deps.conversations);
    if (!data) return this.finish(message, 'failed', 'The conversation no longer exists');

    const body = JSON.stringify(data.payload);
    const secret = this.deps.secrets.decrypt(channel.secret_ciphertext);
    const headers = { ...signatureHeaders(secret, body, Math.floor(Date.now() / 1000)), 'X-Chatwoot-Delivery': deliveryId };
    const result = await sendWebhook(channel.webhook_url, body, headers, this.deps.guard);
    if (result.ok) {
      log.info({ status: result.status, latencyMs: result.latencyMs }, 'api inbox reply delivered');
      return this.finish(message, 'sent', null);
    }
    const last = result.permanent || !job || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    log.warn({ error: result.error, final: last }, 'api inbox reply not delivered');
    if (last) return this.finish(message, 'failed', `Not delivered to the inbox's webhook: ${result.error ?? 'failed'}`);
    throw new Error(`api inbox reply not delivered: ${result.error}`);
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
