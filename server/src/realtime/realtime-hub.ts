import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { Op } from 'sequelize';
import type { AccountScope } from '../services/account-scope.js';
import type { EventBus, LifecycleEvents } from '../extensions/events.js';
import type { Logger } from '../lib/logger.js';
import { AccountUser, InboxMember } from '../models/index.js';
import type { ConversationService } from '../services/conversations.service.js';
import { Notification } from '../services/notifications.service.js';
import { serializeNotification } from '../serializers/notification.serializer.js';
import { LIVE_EVENTS, livePayload, type LiveEventName } from './event-payloads.js';
import type { Presence } from './presence.js';

type Envelope =
  | { event: LiveEventName; ids: LifecycleEvents[LiveEventName] }
  | { event: 'notification.created'; ids: LifecycleEvents['notification.created'] };

/** Streams to end on every web process: one signed-out session, or a user's sessions older than an epoch. */
type EndStreams = { end: { sessionId: string } | { userId: number; epoch: number } };

/** The cookie session a dashboard stream belongs to; API-token streams have none. */
export interface StreamSession {
  id: string;
  epoch: number;
}

interface Client {
  accountId: number;
  userId: number;
  session?: StreamSession;
  res: Response;
}

export interface RealtimeHubDeps {
  redis: Redis;
  /** REDIS_PREFIX: events travel on the `<prefix>:realtime` channel. */
  prefix: string;
  logger: Logger;
  events: EventBus;
  conversations: ConversationService;
  /** Dashboard streams are what makes an agent online (auto-assignment only picks online agents). */
  presence: Presence;
  heartbeatMs?: number;
}

/**
 * Live updates over Server-Sent Events. Every process (web or worker) publishes the lifecycle events
 * it emits to Redis pub/sub — ids only, so a worker ingesting mail pays one PUBLISH per event. Every
 * web process with connected dashboards subscribes, builds each payload once, and writes it to the
 * clients allowed to see it, decided per event from the database (so a membership removed a second
 * ago counts): administrators of the account see all of its inboxes, agents only those they are
 * members of, nobody another account's.
 */
export class RealtimeHub {
  private readonly clients = new Set<Client>();
  private readonly channel: string;
  private subscriber?: Redis;
  private heartbeat?: NodeJS.Timeout;
  /** Fan-out runs one event at a time, so clients see events in the order they were published. */
  private queue: Promise<void> = Promise.resolve();
  private sequence = 0;

  constructor(private readonly deps: RealtimeHubDeps) {
    this.channel = `${deps.prefix}:realtime`;
    for (const event of LIVE_EVENTS) deps.events.on(event, (ids) => this.publish({ event, ids }), 'realtime');
    deps.events.on('notification.created', (ids) => this.publish({ event: 'notification.created', ids }), 'realtime');
  }

  /** Turns the response into an event stream for the caller; it ends when the client disconnects. */
  async connect(scope: AccountScope, res: Response, session?: StreamSession): Promise<void> {
    await this.subscribe();
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Reverse proxies (nginx) must not buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    const client: Client = { accountId: scope.account.id, userId: scope.user.id, session, res };
    this.clients.add(client);
    await this.deps.presence.mark(client.accountId, [client.userId]);
    res.on('close', () => {
      this.clients.delete(client);
      const stillOpen = [...this.clients].some((c) => c.accountId === client.accountId && c.userId === client.userId);
      if (!stillOpen) void this.deps.presence.clear(client.accountId, client.userId).catch((err) => this.deps.logger.warn({ err: { message: err.message } }, 'presence update failed'));
    });
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  /** A signed-out session's streams stop at once, wherever they are connected. */
  async endSession(sessionId: string): Promise<void> {
    await this.publish({ end: { sessionId } });
  }

  /** After a password change or reset: the user's streams from sessions older than `epoch` stop. */
  async endSessionsBefore(userId: number, epoch: number): Promise<void> {
    await this.publish({ end: { userId, epoch } });
  }

  private async publish(envelope: Envelope | EndStreams): Promise<void> {
    await this.deps.redis.publish(this.channel, JSON.stringify(envelope));
  }

  private async subscribe(): Promise<void> {
    if (this.subscriber) return;
    const subscriber = this.deps.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (err) => this.deps.logger.warn({ err: { message: err.message } }, 'realtime subscriber error'));
    subscriber.on('message', (_channel: string, raw: string) => {
      const message = JSON.parse(raw) as Envelope | EndStreams;
      if ('end' in message) return this.end(message.end);
      this.queue = this.queue.then(() => this.fanOut(message)).catch((err) => this.deps.logger.error({ err }, 'realtime fan-out failed'));
    });
    await subscriber.subscribe(this.channel);
    // SSE comment lines keep proxies and load balancers from closing idle streams.
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.res.write(': heartbeat\n\n');
      void this.markPresence();
    }, this.deps.heartbeatMs ?? 25_000);
    this.heartbeat.unref();
  }

  private async markPresence(): Promise<void> {
    const byAccount = new Map<number, Set<number>>();
    for (const c of this.clients) byAccount.set(c.accountId, (byAccount.get(c.accountId) ?? new Set()).add(c.userId));
    for (const [accountId, users] of byAccount) {
      await this.deps.presence.mark(accountId, [...users]).catch((err) => this.deps.logger.warn({ err: { message: err.message } }, 'presence update failed'));
    }
  }

  private end(which: EndStreams['end']): void {
    for (const c of this.clients) {
      const ended = 'sessionId' in which ? c.session?.id === which.sessionId : c.userId === which.userId && !!c.session && c.session.epoch < which.epoch;
      if (!ended) continue;
      this.clients.delete(c);
      c.res.end();
    }
  }

  private async fanOut(envelope: Envelope): Promise<void> {
    const targets = [...this.clients].filter((c) => c.accountId === envelope.ids.accountId);
    if (!targets.length) return;
    if (envelope.event === 'notification.created') return this.notifyUser(envelope.ids, targets);
    const { event, ids } = envelope;
    const allowed = await this.usersWhoSee(ids.accountId, ids.inboxId, [...new Set(targets.map((c) => c.userId))]);
    const recipients = targets.filter((c) => allowed.has(c.userId));
    if (!recipients.length) return;
    const data = await livePayload(event, ids, this.deps.conversations);
    if (data === null) return;
    this.write(recipients, event, data);
  }

  /** A notification goes to its own user's dashboards only. */
  private async notifyUser(ids: LifecycleEvents['notification.created'], targets: Client[]): Promise<void> {
    const recipients = targets.filter((c) => c.userId === ids.userId);
    if (!recipients.length) return;
    const notification = await Notification.findByPk(ids.notificationId);
    if (notification) this.write(recipients, 'notification.created', serializeNotification(notification));
  }

  private write(recipients: Client[], event: string, data: unknown): void {
    const frame = `id: ${++this.sequence}\nevent: ${event}\ndata: ${JSON.stringify({ event, data })}\n\n`;
    for (const c of recipients) c.res.write(frame);
  }

  private async usersWhoSee(accountId: number, inboxId: number, userIds: number[]): Promise<Set<number>> {
    const [memberships, inboxMembers] = await Promise.all([
      AccountUser.findAll({ where: { account_id: accountId, user_id: { [Op.in]: userIds } }, attributes: ['user_id', 'role'] }),
      InboxMember.findAll({ where: { inbox_id: inboxId, user_id: { [Op.in]: userIds } }, attributes: ['user_id'] }),
    ]);
    const members = new Set(inboxMembers.map((m) => Number(m.user_id)));
    return new Set(memberships.filter((m) => m.role === 'administrator' || members.has(Number(m.user_id))).map((m) => Number(m.user_id)));
  }
}
