import type { Redis } from 'ioredis';

/**
 * Who has a dashboard open, shared by every process through Redis (Chatwoot's online status tracker):
 * one sorted set per account, user id → when their stream last connected or beat. A user counts as
 * online while that is within the window, so a web process that dies without saying goodbye stops
 * counting its users after one window.
 */
export class Presence {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs = 90_000,
  ) {}

  async mark(accountId: number, userIds: number[], now = Date.now()): Promise<void> {
    if (!userIds.length) return;
    const key = this.key(accountId);
    await this.redis.multi().zadd(key, ...userIds.flatMap((id) => [now, String(id)])).zremrangebyscore(key, 0, now - this.windowMs).pexpire(key, this.windowMs * 2).exec();
  }

  async clear(accountId: number, userId: number): Promise<void> {
    await this.redis.zrem(this.key(accountId), String(userId));
  }

  /** The given users who have a dashboard open in the account now. */
  async onlineAmong(accountId: number, userIds: number[]): Promise<Set<number>> {
    if (!userIds.length) return new Set();
    const scores = await this.redis.zmscore(this.key(accountId), ...userIds.map(String));
    const since = Date.now() - this.windowMs;
    return new Set(userIds.filter((_, i) => scores[i] !== null && Number(scores[i]) >= since));
  }

  private key(accountId: number): string {
    return `${this.prefix}:presence:${accountId}`;
  }
}
