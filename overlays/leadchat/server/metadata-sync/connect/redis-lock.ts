import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Deletes the key only while this holder still owns it (its lease may have run out and been taken). */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Runs `fn` holding a lease-based lock shared by every process on the same Redis (`SET NX PX`);
 * waits up to `waitMs` for it. The lease bounds how long a crashed holder blocks the others.
 */
export async function withRedisLock<T>(redis: Redis, key: string, opts: { leaseMs: number; waitMs: number }, fn: () => Promise<T>): Promise<T> {
  const owner = randomUUID();
  const deadline = Date.now() + opts.waitMs;
  while ((await redis.set(key, owner, 'PX', opts.leaseMs, 'NX')) !== 'OK') {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for lock ${key}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE, 1, key, owner);
  }
}
