import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Deletes or extends the key only while this holder owns it (its lease may have run out and been taken). */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
/**
 * `SET NX PX` plus the key's fencing token, in one step: the token only ever grows, so whatever the
 * holder writes under it can be told apart from what an earlier (timed-out) holder wrote.
 */
const CLAIM_FENCED = "if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return redis.call('incr', KEYS[2]) else return 0 end";

export interface Lease {
  release(): Promise<void>;
}

export interface FencedLease extends Lease {
  /** Grows with every claim of the key: the newest holder has the highest token. */
  readonly token: number;
  /** True once a renewal found the key gone or taken (Redis lost it, or the holder stalled past its lease). */
  readonly lost: boolean;
}

/** `SET NX PX` with a fresh owner id: the owner id, or null when another holder has the key. */
async function claim(redis: Redis, key: string, leaseMs: number): Promise<string | null> {
  const owner = randomUUID();
  return (await redis.set(key, owner, 'PX', leaseMs, 'NX')) === 'OK' ? owner : null;
}

const release = async (redis: Redis, key: string, owner: string): Promise<void> => {
  await redis.eval(RELEASE, 1, key, owner);
};

/**
 * A lease per key shared by every process on the same Redis (`SET NX PX`), renewed while its holder
 * works and released only by it: two workers never do the same work at once, and a crashed holder
 * blocks the others for one lease at most.
 */
export class LeaseLock {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly leaseMs = 60_000) {}

  /** The lease on `key`, or null when another holder has it. */
  async tryAcquire(key: string): Promise<Lease | null> {
    return this.tryAcquireFenced(key);
  }

  /**
   * The lease on `key` with its fencing token, or null when another holder has it. `onLost` runs once
   * when a renewal finds the lease gone, so the holder stops the work the lease guarded.
   */
  async tryAcquireFenced(key: string, onLost?: () => void): Promise<FencedLease | null> {
    const redisKey = this.keyFor(key);
    const owner = randomUUID();
    const token = Number(await this.redis.eval(CLAIM_FENCED, 2, redisKey, `${redisKey}:fence`, owner, String(this.leaseMs)));
    if (!token) return null;
    let lost = false;
    const renew = setInterval(() => {
      this.redis.eval(EXTEND, 1, redisKey, owner, String(this.leaseMs)).then(
        (extended) => {
          if (extended || lost) return;
          lost = true;
          clearInterval(renew);
          onLost?.();
        },
        () => undefined, // Redis unreachable: the next renewal tells whether the lease survived
      );
    }, Math.floor(this.leaseMs / 3));
    renew.unref();
    return {
      token,
      get lost() {
        return lost;
      },
      release: async () => {
        clearInterval(renew);
        await release(this.redis, redisKey, owner);
      },
    };
  }

  /** Which of `keys` some holder has now (one round trip, for callers that only skip held work). */
  async held(keys: string[]): Promise<boolean[]> {
    if (!keys.length) return [];
    const values = await this.redis.mget(keys.map((k) => this.keyFor(k)));
    return values.map((v) => v !== null);
  }

  private keyFor(key: string): string {
    return `${this.prefix}:${key}`;
  }
}

/**
 * Runs `fn` holding the same kind of lease on `key` (not renewed: the lease bounds how long a crashed
 * holder blocks the others); waits up to `waitMs` for it, then throws.
 */
export async function withRedisLock<T>(redis: Redis, key: string, opts: { leaseMs: number; waitMs: number }, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + opts.waitMs;
  let owner: string | null;
  while (!(owner = await claim(redis, key, opts.leaseMs))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for lock ${key}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await fn();
  } finally {
    await release(redis, key, owner);
  }
}
