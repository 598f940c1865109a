import { randomUUID } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { Redis } from 'ioredis';
import type { Registries } from '../../../extensions/registries.js';
import type { BackgroundWorker } from '../../../extensions/types.js';
import type { JobQueues } from '../../../jobs/queues.js';
import type { Logger } from '../../../lib/logger.js';
import { LeaseLock, type FencedLease } from '../../../lib/redis-lock.js';
import { ChannelEmail } from '../../../models/index.js';
import { EMAIL_FETCH_JOB, dueChannelIds } from './email-fetch.job.js';
import type { FetchHealth } from './fetch-health.js';
import { imapClient } from './imap-client.js';

const RECONNECT_BASE_MS = 1_000;
const RECONNECT_MAX_MS = 5 * 60_000;
/** Several EXISTS in a burst (a thread of mails) make one fetch. */
const TRIGGER_DEBOUNCE_MS = 150;
/** A channel that does not receive over IMAP is asked again this often (its provider may have changed). */
const FINISHED_RETRY_MS = 60_000;

export interface MailboxWatchSettings {
  /** Lease on each held mailbox; a dead worker's mailboxes are free after it, taken at the next tick (a third of it). */
  leaseMs: number;
  /** IDLE connections this worker keeps at most; the mailboxes it holds beyond that are polled. */
  maxIdle: number;
  pollEveryMs: number;
}

export interface ImapIdleDeps extends MailboxWatchSettings {
  registries: Registries;
  queues: JobQueues;
  health: FetchHealth;
  redis: Redis;
  /** Redis key prefix (REDIS_PREFIX): workers sharing it share the mailboxes. */
  prefix: string;
  logger: Logger;
}

/** The leases on mailboxes, one key per channel; the sweep reads them to skip watched mailboxes. */
export function mailboxLeases(redis: Redis, prefix: string, leaseMs = 60_000): LeaseLock {
  return new LeaseLock(redis, `${prefix}:imap:mailbox`, leaseMs);
}

const changesChannel = (prefix: string) => `${prefix}:imap:mailboxes`;

/**
 * Tells every worker, whichever process it runs in, that the set of mailboxes changed (a channel was
 * created, removed, reconnected, or a worker handed mailboxes over): they re-balance at once instead of
 * at their next tick.
 */
export async function announceMailboxChange(redis: Redis, prefix: string): Promise<void> {
  await redis.publish(changesChannel(prefix), 'changed');
}

interface Watch {
  lease: FencedLease;
  session: IdleSession | PollSession;
}

/**
 * Near-real-time mail for the worker role, spread over every worker sharing the Redis prefix. Each
 * mailbox is held by one worker at a time under a lease (`SET NX PX` with a fencing token); every
 * worker announces itself in a presence set and holds a fair share (due mailboxes ÷ live workers),
 * handing surplus over when others join and taking free mailboxes (a dead worker's, once its leases
 * run out) at each tick. A held mailbox gets an IDLE connection while the worker is under its
 * connection bound, otherwise a STATUS poll; either only enqueues `email.fetch` (the fetch does the
 * work, under its lock). `stop()` (SIGTERM) releases every lease and announces it, so a rolling
 * restart hands mailboxes over at once.
 */
export class ImapIdleManager implements BackgroundWorker {
  readonly id = 'email.imap_idle';
  readonly workerId = randomUUID();
  private readonly watches = new Map<number, Watch>();
  private readonly leases: LeaseLock;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private subscriber: Redis | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;

  constructor(private readonly deps: ImapIdleDeps) {
    this.leases = mailboxLeases(deps.redis, deps.prefix, deps.leaseMs);
    this.log = deps.logger.child({ component: 'imap-idle', workerId: this.workerId });
  }

  async start(): Promise<void> {
    this.running = true;
    const subscriber = this.deps.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (err: Error) => this.log.warn({ err: { message: err.message } }, 'mailbox announcements: subscriber error'));
    subscriber.on('message', () => this.scheduleTick());
    await subscriber.subscribe(changesChannel(this.deps.prefix));
    await this.runTicks();
    this.timer = setInterval(() => this.scheduleTick(), Math.max(250, Math.floor(this.deps.leaseMs / 3)));
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    await this.ticking;
    await Promise.all([...this.watches.keys()].map((id) => this.unwatch(id)));
    await this.deps.redis.zrem(this.workersKey(), this.workerId).catch(() => undefined);
    await announceMailboxChange(this.deps.redis, this.deps.prefix).catch(() => undefined);
  }

  /** Channels this worker holds (for the dashboard, benches and tests). */
  watching(): number[] {
    return [...this.watches.keys()];
  }

  /** Held channels with an IDLE connection open now. */
  idling(): number[] {
    return [...this.watches].filter(([, w]) => w.session instanceof IdleSession && w.session.live).map(([id]) => id);
  }

  /** Held channels polled (beyond the connection bound). */
  polling(): number[] {
    return [...this.watches].filter(([, w]) => w.session instanceof PollSession).map(([id]) => id);
  }

  private scheduleTick(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    void this.runTicks();
  }

  private async runTicks(): Promise<void> {
    this.ticking = (async () => {
      do {
        this.tickAgain = false;
        try {
          await this.tick();
        } catch (err) {
          this.log.error({ err }, 'mailbox re-balance failed');
        }
      } while (this.tickAgain && this.running);
    })();
    await this.ticking;
    this.ticking = undefined;
  }

  private workersKey(): string {
    return `${this.deps.prefix}:imap:workers`;
  }

  /** Live workers (this one included): those that announced themselves within the last lease. */
  private async liveWorkers(): Promise<number> {
    const now = Date.now();
    const key = this.workersKey();
    const replies = await this.deps.redis.multi().zadd(key, now, this.workerId).zremrangebyscore(key, '-inf', now - this.deps.leaseMs).zcard(key).exec();
    return Math.max(1, Number(replies?.[2]?.[1] ?? 1));
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    const live = await this.liveWorkers();
    const due = await dueChannelIds();
    const dueSet = new Set(due);
    for (const [channelId, watch] of this.watches) {
      if (watch.lease.lost || !dueSet.has(channelId)) await this.unwatch(channelId);
      else if (watch.session.finishedAt && Date.now() - watch.session.finishedAt > FINISHED_RETRY_MS) watch.session.run();
    }
    const share = Math.ceil(due.length / live);
    let handedOver = false;
    // Surplus goes back (a worker joined): the newest holdings first, the others keep their connections.
    for (const channelId of [...this.watches.keys()].reverse()) {
      if (this.watches.size <= share) break;
      await this.unwatch(channelId);
      handedOver = true;
    }
    if (this.watches.size < share && this.running) {
      const candidates = due.filter((id) => !this.watches.has(id));
      const held = await this.leases.held(candidates.map(String));
      const free = shuffle(candidates.filter((_, i) => !held[i]));
      for (const channelId of free) {
        if (this.watches.size >= share || !this.running) break;
        const lease = await this.leases.tryAcquireFenced(String(channelId), () => this.scheduleTick());
        if (lease) this.watch(channelId, lease);
      }
    }
    if (handedOver) await announceMailboxChange(this.deps.redis, this.deps.prefix);
  }

  private watch(channelId: number, lease: FencedLease): void {
    const log = this.log.child({ channelId, fence: lease.token });
    const enqueue = () => this.deps.queues.enqueue(EMAIL_FETCH_JOB, { channelId }).catch((err: Error) => log.error({ err: { message: err.message } }, 'could not enqueue a fetch'));
    const idling = [...this.watches.values()].filter((w) => w.session instanceof IdleSession).length;
    const session = idling < this.deps.maxIdle ? new IdleSession(channelId, this.deps, enqueue, log) : new PollSession(channelId, this.deps, enqueue, log);
    this.watches.set(channelId, { lease, session });
    session.run();
  }

  private async unwatch(channelId: number): Promise<void> {
    const watch = this.watches.get(channelId);
    if (!watch) return;
    this.watches.delete(channelId);
    await watch.session.stop();
    await watch.lease.release().catch((err: Error) => this.log.warn({ channelId, err: { message: err.message } }, 'could not release a mailbox lease'));
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A watcher of one mailbox; `run()` starts it (again), `stop()` ends it. */
abstract class MailboxSession {
  protected stopped = false;
  protected current: ImapFlow | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();
  /** When the channel turned out not to receive over IMAP (the manager asks again later). */
  finishedAt: number | undefined;

  constructor(
    protected readonly channelId: number,
    protected readonly deps: ImapIdleDeps,
    protected readonly enqueueFetch: () => void,
    protected readonly log: Logger,
  ) {}

  run(): void {
    this.finishedAt = undefined;
    this.loop = this.watchLoop().then((finished) => {
      if (finished) this.finishedAt = Date.now();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const client = this.current;
    if (client?.usable) await client.logout().catch(() => client.close());
    else client?.close();
    await this.loop;
  }

  /** Resolves true when the channel does not receive over IMAP. */
  protected abstract watchLoop(): Promise<boolean>;

  /**
   * A client for the channel's mailbox, not yet connected: 'not imap' when the channel does not receive
   * over IMAP, null while it backs off (refused logins are the fetch's to count) or the session stops.
   */
  protected async open(idle: boolean): Promise<{ client: ImapFlow; mailbox: string } | 'not imap' | null> {
    if (!(await this.deps.health.due(this.channelId))) return null;
    const channel = await ChannelEmail.findByPk(this.channelId);
    const access = channel ? await this.deps.registries.providerFor(channel)?.imapAccess?.(channel) : null;
    if (!access) return 'not imap';
    if (this.stopped) return null;
    const client = imapClient(access, this.log, { idle });
    this.current = client;
    client.on('error', (err: Error) => this.log.warn({ err: { message: err.message } }, 'mailbox connection error'));
    return { client, mailbox: access.mailbox ?? 'INBOX' };
  }

  protected sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

/** One IDLE connection: an EXISTS enqueues a fetch; a dropped connection comes back with exponential backoff. */
class IdleSession extends MailboxSession {
  private pending: NodeJS.Timeout | undefined;
  /** Connected and idling on the mailbox. */
  live = false;

  override async stop(): Promise<void> {
    clearTimeout(this.pending);
    await super.stop();
  }

  protected async watchLoop(): Promise<boolean> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const opened = await this.open(true);
        if (opened === 'not imap') return true;
        if (opened) {
          const { client, mailbox } = opened;
          client.on('exists', () => this.trigger());
          const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
          await client.connect();
          await client.mailboxOpen(mailbox);
          failures = 0;
          this.live = true;
          this.trigger(); // catch up on whatever arrived while nobody was listening
          await closed;
        }
      } catch (err) {
        this.log.warn({ err: { message: (err as Error).message } }, 'IDLE connection failed');
        this.current?.close();
      }
      this.live = false;
      if (this.stopped) return false;
      failures++;
      await this.sleep(Math.min(RECONNECT_BASE_MS * 2 ** (failures - 1), RECONNECT_MAX_MS));
    }
    return false;
  }

  private trigger(): void {
    if (this.pending || this.stopped) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.enqueueFetch();
    }, TRIGGER_DEBOUNCE_MS);
  }
}

/**
 * Beyond the connection bound: a short connection every `pollEveryMs` asks the mailbox's STATUS and
 * enqueues a fetch only when UIDNEXT moved (and once at the start, to catch up).
 */
class PollSession extends MailboxSession {
  protected async watchLoop(): Promise<boolean> {
    let seenUidNext: number | undefined;
    // Spread the polls of many mailboxes over the interval instead of all at once.
    await this.sleep(Math.random() * Math.min(this.deps.pollEveryMs, 5_000));
    while (!this.stopped) {
      try {
        const opened = await this.open(false);
        if (opened === 'not imap') return true;
        if (opened) {
          const { client, mailbox } = opened;
          await client.connect();
          const status = await client.status(mailbox, { uidNext: true });
          await client.logout().catch(() => client.close());
          this.current = undefined;
          const uidNext = status ? status.uidNext : undefined;
          if (uidNext === undefined || uidNext !== seenUidNext) this.enqueueFetch();
          seenUidNext = uidNext;
        }
      } catch (err) {
        this.log.warn({ err: { message: (err as Error).message } }, 'mailbox poll failed');
        this.current?.close();
        this.current = undefined;
      }
      if (this.stopped) return false;
      await this.sleep(this.deps.pollEveryMs);
    }
    return false;
  }
}
