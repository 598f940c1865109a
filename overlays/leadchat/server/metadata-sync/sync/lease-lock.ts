import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Deletes or extends the key only while this holder owns it (its lease may have run out and been taken). */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

export interface Lease {
  release(): Promise<void>;
}

/**
 * A lease per stream key shared by every process on the same Redis (`SET NX PX`), renewed while its
 * holder works and released only by it: two workers never sync the same stream at once, and a crashed
 * holder blocks the others for one lease at most.
 */
export class LeaseLock {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly leaseMs = 60_000) {}

  /** The lease on `key`, or null when another holder has it. */
  async tryAcquire(key: string): Promise<Lease | null> {
    const redisKey = `${this.prefix}:${key}`;
    const owner = randomUUID();
    if ((await this.redis.set(redisKey, owner, 'PX', this.leaseMs, 'NX')) !== 'OK') return null;
    const renew = setInterval(() => {
      this.redis.eval(EXTEND, 1, redisKey, owner, String(this.leaseMs)).catch(() => undefined);
    }, Math.floor(this.leaseMs / 3));
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        await this.redis.eval(RELEASE, 1, redisKey, owner);
      },
    };
  }
}
