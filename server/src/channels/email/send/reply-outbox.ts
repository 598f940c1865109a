import type { Job } from 'bull';
import { Op } from 'sequelize';
import type { EventBus } from '../../../extensions/events.js';
import type { Registries } from '../../../extensions/registries.js';
import type { JobDefinition } from '../../../extensions/types.js';
import type { JobQueues } from '../../../jobs/queues.js';
import { DeliveryError, MailboxError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import type { BlobStorage } from '../../../lib/storage.js';
import { Attachment, ChannelEmail, Contact, Conversation, Inbox, Message, User } from '../../../models/index.js';
import { HeldReplies, reconnectMessage } from './held-replies.js';
import { buildReply } from './reply-mailer.js';
import type { ReplyContext } from './reply-context.js';

export const SEND_REPLY_JOB = 'email.send';
/** The delayed first send of a reply, found by this id when the agent presses Undo. */
const undoJobId = (messageId: number) => `undo-${messageId}`;
const ATTEMPTS = 6;
const BACKOFF_MS = 5_000;

export interface ReplyOutboxDeps {
  registries: Registries;
  queues: JobQueues;
  events: EventBus;
  storage: BlobStorage;
  logger: Logger;
}

/**
 * Agents' replies by email: which inboxes send them, the queue, and the `email.send` job that builds
 * the MIME and hands it to the delivery method the channel's provider names. The provider and the
 * delivery come from the registries only, so an overlay's transports send through the same path.
 */
export class ReplyOutbox {
  private readonly held: HeldReplies;

  constructor(private readonly deps: ReplyOutboxDeps) {
    this.held = new HeldReplies({ events: deps.events, enqueue: (messageId) => this.enqueue(messageId) });
  }

  /** Whether an agent's public reply in this inbox goes out by email: its provider has an outbound route. */
  async sendsFrom(inboxId: number): Promise<boolean> {
    const inbox = await Inbox.findByPk(inboxId, { include: [{ model: ChannelEmail, as: 'channel' }] });
    const channel = inbox?.channel;
    if (!channel) return false;
    const provider = this.deps.registries.providerFor(channel);
    if (!provider?.outbound) return false;
    // A provider that fails to answer (an OAuth refresh failing) still sends from this inbox: the
    // reply is stored as `sending` and the job reports why it could not go out.
    return provider.outbound(channel).then((route) => !!route, () => true);
  }

  /** The largest email this inbox's delivery takes, when its delivery method says (null: not known before sending). */
  async maxMessageBytes(inboxId: number): Promise<number | null> {
    const inbox = await Inbox.findByPk(inboxId, { include: [{ model: ChannelEmail, as: 'channel' }] });
    const channel = inbox?.channel;
    const route = channel ? await Promise.resolve(this.deps.registries.providerFor(channel)?.outbound?.(channel)).catch(() => null) : null;
    return (route && this.deps.registries.deliveryMethods.get(route.method)?.maxMessageBytes) || null;
  }

  async enqueue(messageId: number): Promise<void> {
    await this.deps.queues.enqueue(SEND_REPLY_JOB, { messageId });
  }

  /**
   * Cancels a reply still inside its undo window: its delayed job is removed in Redis (atomically;
   * bull refuses a job a worker already holds), so it can never go out after this answers true.
   */
  async cancelDelayed(messageId: number): Promise<boolean> {
    const job = await this.deps.queues.queue(SEND_REPLY_JOB).getJob(undoJobId(messageId));
    if (!job || !(await job.isDelayed())) return false;
    return job.remove().then(() => true, () => false);
  }

  /**
   * Queues a new reply, unless its inbox needs reconnecting and its delivery needs the refused sign-in
   * (LeadMail, which sends with the installation's key, still sends): then it fails at once with the
   * reconnect reason and waits for the reconnect.
   */
  async submit(message: Message, delayMs = 0): Promise<'queued' | 'held'> {
    const inbox = await Inbox.findByPk(message.inbox_id, { include: [{ model: ChannelEmail, as: 'channel' }] });
    const channel = inbox?.channel;
    if (inbox && channel?.reauthorization_required_at) {
      const route = await Promise.resolve(this.deps.registries.providerFor(channel)?.outbound?.(channel)).catch(() => null);
      const independent = route && this.deps.registries.deliveryMethods.get(route.method)?.sendsWithoutMailboxSignIn;
      if (!independent && (await this.held.hold(message, reconnectMessage(inbox.name)))) return 'held';
    }
    if (delayMs > 0) await this.deps.queues.enqueue(SEND_REPLY_JOB, { messageId: message.id }, { delay: delayMs, jobId: undoJobId(message.id) });
    else await this.enqueue(message.id);
    return 'queued';
  }

  /** After a reconnect: the inbox's held replies go out. */
  async releaseHeld(channelId: number): Promise<number> {
    const inbox = await Inbox.findOne({ where: { channel_id: channelId, channel_type: 'Channel::Email' }, attributes: ['id'] });
    const released = inbox ? await this.held.release(inbox.id) : 0;
    if (released) this.deps.logger.info({ channelId, released }, 'replies held for the reconnect queued');
    return released;
  }

  job(): JobDefinition<{ messageId: number }> {
    return {
      id: SEND_REPLY_JOB,
      concurrency: 4,
      defaults: { attempts: ATTEMPTS, backoff: { type: 'exponential', delay: BACKOFF_MS } },
      process: ({ messageId }, job) => this.send(messageId, job),
    };
  }

  /**
   * Sends a `sending` message; anything else (sent, failed, deleted) is left alone, so a stale or
   * duplicate job sends nothing. Transient failures throw for bull to retry with backoff; permanent
   * and reauth failures, and the last transient one, mark the message failed with the provider's words.
   */
  async send(messageId: number, job?: Job<{ messageId: number }>): Promise<{ status: string }> {
    const message = await Message.findByPk(messageId, { include: [{ model: Attachment, as: 'attachments' }] });
    if (!message || message.status !== 'sending') return { status: message?.status ?? 'missing' };
    const log = this.deps.logger.child({ messageId, attempt: (job?.attemptsMade ?? 0) + 1 });
    let ctx: ReplyContext | undefined;
    try {
      ctx = await this.context(message as ReplyContext['message']);
      const provider = this.deps.registries.providerFor(ctx.channel);
      const route = await provider?.outbound?.(ctx.channel);
      if (!route) throw new DeliveryError('This inbox has no outgoing email settings (enable SMTP or reconnect it)', 'permanent');
      const method = this.deps.registries.deliveryMethods.get(route.method);
      if (!method) throw new DeliveryError(`Delivery method "${route.method}" is not installed`, 'permanent');
      const built = await buildReply(ctx, (key) => this.deps.storage.get(key));
      const { providerMessageId } = await method.deliver({ channel: ctx.channel, ...built, settings: route.settings });
      // What went out, as the customer's mail client shows it: the conversation renders this.
      const sent = {
        subject: built.headers.subject, from: [ctx.channel.email], to: built.headers.to, cc: built.headers.cc,
        html_content: { full: built.body.html, reply: built.body.reply_html, quoted: built.body.quoted_html },
      };
      await Message.update(
        {
          status: 'sent',
          source_id: built.headers.messageId,
          external_error: null,
          content_attributes: { ...message.content_attributes, email: sent, ...(providerMessageId ? { provider_message_id: providerMessageId } : {}) },
        },
        { where: { id: message.id, status: 'sending' } },
      );
      log.info({ method: route.method }, 'reply delivered');
      await this.announce(message, 'sent');
      return { status: 'sent' };
    } catch (err) {
      const failure = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message, err instanceof MailboxError ? err.kind : 'transient', { cause: err });
      const attempts = job?.opts.attempts ?? 1;
      const final = failure.kind !== 'transient' || (job?.attemptsMade ?? 0) + 1 >= attempts;
      log.warn({ kind: failure.kind, final, err: { message: failure.message } }, 'reply not delivered');
      if (failure.kind === 'reauth' && ctx && (await this.needsReconnecting(ctx.channel.id))) {
        // The sign-in was refused and the inbox is marked (its administrators told): the reply waits for the reconnect.
        await this.held.hold(message, reconnectMessage(ctx.inbox.name));
        job?.discard();
      } else if (final) {
        await Message.update({ status: 'failed', external_error: failure.message }, { where: { id: message.id, status: 'sending' } });
        await this.announce(message, 'failed');
        job?.discard();
      } else if (job && failure.retryAfterMs) {
        // bull takes the next delay from this job's in-memory options when the processor throws: a
        // provider's Retry-After replaces the exponential step when it asks for longer.
        const exponential = (2 ** (job.attemptsMade + 1) - 1) * BACKOFF_MS;
        job.opts.backoff = { type: 'fixed', delay: Math.max(failure.retryAfterMs, exponential) };
      }
      throw failure;
    }
  }

  /** Re-read: whoever refused the sign-in (the OAuth token service) marked the channel during this attempt. */
  private async needsReconnecting(channelId: number): Promise<boolean> {
    const channel = await ChannelEmail.findByPk(channelId, { attributes: ['reauthorization_required_at'] });
    return !!channel?.reauthorization_required_at;
  }

  /** Agents' dashboards show the delivery status as it changes. */
  private async announce(message: Message, status: string): Promise<void> {
    await this.deps.events.emit('message.updated', {
      accountId: message.account_id, inboxId: message.inbox_id, conversationId: message.conversation_id, messageId: message.id, changes: [`status:${status}`],
    });
  }

  private async context(message: ReplyContext['message']): Promise<ReplyContext> {
    const conversation = await Conversation.findByPk(message.conversation_id, {
      include: [
        { model: Contact, as: 'contact' },
        { model: Inbox, as: 'inbox', include: [{ model: ChannelEmail, as: 'channel' }] },
      ],
    });
    const inbox = conversation?.inbox;
    if (!conversation?.contact || !inbox?.channel) throw new DeliveryError('The conversation, its contact or its inbox no longer exists', 'permanent');
    const forwardedId = Number(message.content_attributes?.forwarded_message_id) || null;
    const [agent, lastIncoming, forwarded] = await Promise.all([
      message.sender_type === 'User' && message.sender_id ? User.findByPk(message.sender_id) : null,
      Message.findOne({
        where: { conversation_id: conversation.id, message_type: 'incoming', source_id: { [Op.ne]: null }, id: { [Op.lt]: message.id } },
        order: [['id', 'DESC']],
      }),
      forwardedId ? Message.findOne({ where: { id: forwardedId, conversation_id: conversation.id } }) : null,
    ]);
    return {
      message, conversation, contact: conversation.contact, inbox, channel: inbox.channel, lastIncoming, forwarded,
      agentName: agent?.availableName ?? null,
      agent: agent ? { email: agent.email, signature: agent.message_signature } : null,
    };
  }
}
