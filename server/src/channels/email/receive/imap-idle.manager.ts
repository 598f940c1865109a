import type { ImapFlow } from 'imapflow';
import type { Registries } from '../../../extensions/context.js';
import type { EventBus } from '../../../extensions/events.js';
import type { BackgroundWorker } from '../../../extensions/types.js';
import type { JobQueues } from '../../../jobs/queues.js';
import type { Logger } from '../../../lib/logger.js';
import { ChannelEmail } from '../../../models/index.js';
import { EMAIL_FETCH_JOB, dueChannelIds } from './email-fetch.job.js';
import type { FetchHealth } from './fetch-health.js';
import { imapClient } from './imap-client.js';

const RECONNECT_BASE_MS = 1_000;
const RECONNECT_MAX_MS = 5 * 60_000;
/** Several EXISTS in a burst (a thread of mails) make one fetch. */
const TRIGGER_DEBOUNCE_MS = 150;

export interface ImapIdleDeps {
  registries: Registries;
  queues: JobQueues;
  events: EventBus;
  health: FetchHealth;
  logger: Logger;
  /** How often the set of channels is re-read (new, removed, re-authorized channels). */
  reconcileEveryMs?: number;
}

/**
 * Near-real-time mail for the worker role: one IDLE connection per channel that receives over IMAP;
 * an EXISTS from the server only enqueues `email.fetch` (the fetch does the work, under its lock).
 * Connections that drop come back with exponential backoff; `stop()` closes them all.
 */
export class ImapIdleManager implements BackgroundWorker {
  readonly id = 'email.imap_idle';
  private readonly sessions = new Map<number, IdleSession>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly deps: ImapIdleDeps) {
    const reconcile = () => (this.running ? this.reconcile() : undefined);
    deps.events.on('channel.created', reconcile);
    deps.events.on('channel.destroyed', reconcile);
  }

  async start(): Promise<void> {
    this.running = true;
    await this.reconcile();
    this.timer = setInterval(() => void this.reconcile().catch((err) => this.deps.logger.error({ err }, 'IDLE reconcile failed')), this.deps.reconcileEveryMs ?? 60_000);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await Promise.all([...this.sessions.values()].map((s) => s.stop()));
    this.sessions.clear();
  }

  /** Channels being watched (for the dashboard and tests). */
  watching(): number[] {
    return [...this.sessions.keys()];
  }

  private async reconcile(): Promise<void> {
    const wanted = new Set(await dueChannelIds());
    for (const [channelId, session] of this.sessions) {
      if (!wanted.has(channelId)) {
        this.sessions.delete(channelId);
        await session.stop();
      }
    }
    for (const channelId of wanted) {
      if (!this.running || (this.sessions.has(channelId) && !this.sessions.get(channelId)!.finished)) continue;
      const session = new IdleSession(channelId, this.deps, this.deps.logger.child({ component: 'imap-idle', channelId }));
      this.sessions.set(channelId, session);
      session.run();
    }
  }
}

class IdleSession {
  private stopped = false;
  private client: ImapFlow | undefined;
  private wake: (() => void) | undefined;
  private pending: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  /** The channel does not receive over IMAP (any more); the next reconcile may start a new session. */
  finished = false;

  constructor(
    private readonly channelId: number,
    private readonly deps: ImapIdleDeps,
    private readonly log: Logger,
  ) {}

  run(): void {
    this.loop = this.connectLoop().finally(() => {
      this.finished = true;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pending);
    this.wake?.();
    const client = this.client;
    if (client?.usable) await client.logout().catch(() => client.close());
    else client?.close();
    await this.loop;
  }

  private async connectLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        // Refused logins are the fetch's to count and back off; IDLE waits for the channel to be due.
        if (await this.deps.health.due(this.channelId)) {
          const channel = await ChannelEmail.findByPk(this.channelId);
          const access = channel ? await this.deps.registries.providerFor(channel)?.imapAccess?.(channel) : null;
          if (!access) return;
          const client = imapClient(access, this.log, { idle: true });
          this.client = client;
          client.on('exists', () => this.trigger());
          client.on('error', (err: Error) => this.log.warn({ err: { message: err.message } }, 'IDLE connection error'));
          const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
          await client.connect();
          await client.mailboxOpen(access.mailbox ?? 'INBOX');
          failures = 0;
          this.trigger(); // catch up on whatever arrived while we were not listening
          await closed;
        }
      } catch (err) {
        this.log.warn({ err: { message: (err as Error).message } }, 'IDLE connection failed');
        this.client?.close();
      }
      if (this.stopped) return;
      failures++;
      await this.sleep(Math.min(RECONNECT_BASE_MS * 2 ** (failures - 1), RECONNECT_MAX_MS));
    }
  }

  private trigger(): void {
    if (this.pending || this.stopped) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.deps.queues.enqueue(EMAIL_FETCH_JOB, { channelId: this.channelId }).catch((err: Error) => this.log.error({ err: { message: err.message } }, 'could not enqueue a fetch'));
    }, TRIGGER_DEBOUNCE_MS);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
