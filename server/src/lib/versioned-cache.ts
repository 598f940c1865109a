import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * Answers read on every lifecycle event (which webhooks listen, which bot an inbox has), kept per key in
 * this process until any process changes the underlying rows and bumps a version in Redis: one GET per
 * read, shared by web and worker processes. Without Redis the cache cannot know it is current, so it
 * loads from the source.
 */
export class VersionedCache<K, V> {
  private entries: { version: string | null; byKey: Map<K, Promise<V>> } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly versionKey: string,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  async get(key: K, load: () => Promise<V>): Promise<V> {
    let version: string | null;
    try {
      version = await this.redis.get(this.versionKey);
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, `${this.what}: version unreadable, reading the table`);
      return load();
    }
    if (this.entries?.version !== version) this.entries = { version, byKey: new Map() };
    const byKey = this.entries.byKey;
    let value = byKey.get(key);
    if (!value) {
      value = load();
      byKey.set(key, value);
      value.catch(() => byKey.delete(key));
    }
    return value;
  }

  /** Every process reads afresh from now on. */
  async invalidate(): Promise<void> {
    this.entries = undefined;
    await this.redis.incr(this.versionKey);
  }
}
