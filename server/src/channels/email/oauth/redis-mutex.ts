import type { Redis } from 'ioredis';
import { randomToken } from '../../../lib/crypto.js';

/** Deletes the key only if this holder still owns it (its lease may have expired and been taken). */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * A lease-based lock shared by every process on the same Redis (`SET NX PX`), released only by its
 * holder. The lease bounds how long a crashed holder blocks the others.
 */
export class RedisMutex {
  constructor(private readonly redis: Redis, private readonly opts: { leaseMs: number; waitMs: number; pollMs?: number }) {}

  /** Runs `fn` holding `key`; waits up to `waitMs` for it, then throws. */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const owner = randomToken(12);
    const deadline = Date.now() + this.opts.waitMs;
    while ((await this.redis.set(key, owner, 'PX', this.opts.leaseMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for lock ${key}`);
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 100));
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE, 1, key, owner);
    }
  }
}
