import type { Redis } from 'ioredis';
import type { Model, ModelStatic, Transaction } from 'sequelize';
import type { Logger } from '../lib/logger.js';
import { Account, AccessToken, AccountUser, User } from '../models/index.js';

type Row = Record<string, unknown>;

interface Entry {
  rows: Row[];
  expires: number;
}

/** The caches of this process (one per runtime): each is cleared, and publishes, when a user, token, membership or account changes. */
const caches = new Set<AuthCache>();

/**
 * Who a token belongs to and which account memberships a user has, read on every API request, kept
 * in process for a few seconds so a request does not spend three queries on it. A cached answer never
 * outlives a change: any write to users, access tokens, account users or accounts clears the cache of
 * this process at once (and again when its transaction commits) and, over Redis, of every other
 * process. While that channel is not connected nothing is served from the cache, so a process that
 * might miss an invalidation reads the database. Only found rows are cached: a new token or
 * membership is never hidden behind a cached refusal. Each request gets fresh model instances built
 * from copies of the cached columns, so no request can change what another one sees.
 */
export class AuthCache {
  private readonly entries = new Map<string, Entry>();
  private subscriber?: Redis;
  private readonly channel: string;

  constructor(private readonly deps: { redis: Redis; prefix: string; logger: Logger; ttlMs?: number }) {
    this.channel = `${deps.prefix}:auth-cache`;
    installHooks();
    caches.add(this);
  }

  /**
   * Subscribes to other processes' invalidations, on first use (processes that serve no requests
   * never subscribe); the cache serves only once subscribed.
   */
  private subscribe(): void {
    if (this.subscriber || this.closed) return;
    installHooks();
    const subscriber = this.deps.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (err) => this.deps.logger.warn({ err: { message: err.message } }, 'auth cache subscriber error'));
    subscriber.on('message', () => this.clear());
    // Invalidations published while disconnected are lost: serve nothing until subscribed again, then start empty.
    subscriber.on('close', () => {
      this.subscribed = false;
      this.clear();
    });
    subscriber.on('ready', () => {
      subscriber.subscribe(this.channel).then(
        () => {
          this.clear();
          this.subscribed = true;
        },
        (err: Error) => this.deps.logger.warn({ err: { message: err.message } }, 'auth cache not subscribed'),
      );
    });
  }

  private subscribed = false;
  private closed = false;

  async close(): Promise<void> {
    this.closed = true;
    this.subscribed = false;
    caches.delete(this);
    this.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  /** The rows `load` finds (copied into fresh instances of `models`), from the cache when it is live. */
  async get<T extends Model[]>(key: string, models: { [K in keyof T]: ModelStatic<T[K]> }, load: () => Promise<T | null>): Promise<T | null> {
    this.subscribe();
    const live = this.subscribed;
    const hit = live ? this.entries.get(key) : undefined;
    if (hit && hit.expires > Date.now()) return hit.rows.map((row, i) => models[i].build(structuredClone(row), { isNewRecord: false, raw: true })) as T;
    const generation = this.generation;
    const found = await load();
    // A change that landed while this read ran may not be in what it read: do not keep it.
    if (found && live && generation === this.generation) {
      this.entries.set(key, { rows: found.map((m) => structuredClone(m.get({ plain: true }) as Row)), expires: Date.now() + (this.deps.ttlMs ?? 10_000) });
    }
    return found;
  }

  private generation = 0;

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  publish(): void {
    this.deps.redis.publish(this.channel, '1').catch((err: Error) => this.deps.logger.warn({ err: { message: err.message } }, 'auth cache invalidation not published'));
  }
}

function invalidateAll(options?: { transaction?: Transaction | null }): void {
  for (const cache of caches) {
    cache.clear();
    cache.publish();
  }
  // Readers in between could cache the rows as they were before this transaction: clear again once it commits.
  options?.transaction?.afterCommit(() => {
    for (const cache of caches) {
      cache.clear();
      cache.publish();
    }
  });
}

/** (Re)attaches the invalidation hooks: `Model.init` (each runtime defines the models again) drops a model's hooks. */
function installHooks(): void {
  const models: ModelStatic<Model>[] = [User, AccessToken, AccountUser, Account];
  for (const model of models) {
    for (const hook of ['afterCreate', 'afterUpdate', 'afterDestroy', 'afterUpsert', 'afterBulkCreate', 'afterBulkUpdate', 'afterBulkDestroy'] as const) {
      // Every one of these hooks gets the query's options last.
      model.removeHook(hook, 'auth-cache');
      (model.addHook as (name: string, id: string, fn: (...args: unknown[]) => void) => void)(hook, 'auth-cache', (...args: unknown[]) => invalidateAll(args.at(-1) as { transaction?: Transaction }));
    }
  }
}
