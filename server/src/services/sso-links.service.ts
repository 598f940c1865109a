import type { Redis } from 'ioredis';
import { randomToken } from '../lib/crypto.js';

/** How long a Platform API sign-in link works; it works once. */
export const SSO_LINK_TTL_SECONDS = 5 * 60;

/**
 * Chatwoot's Platform `GET /users/:id/login`: a single-use link that signs the user in to the
 * dashboard. The token lives in Redis only, and is taken (GETDEL) by the first visit.
 */
export class SsoLinks {
  constructor(private readonly deps: { redis: Redis; prefix: string; frontendUrl: string }) {}

  async issue(userId: number): Promise<string> {
    const token = randomToken(32);
    await this.deps.redis.set(this.key(token), String(userId), 'EX', SSO_LINK_TTL_SECONDS);
    return `${this.deps.frontendUrl.replace(/\/$/, '')}/auth/sso?token=${token}`;
  }

  /** The user the token was issued for, once; `null` for an unknown, used or expired token. */
  async consume(token: unknown): Promise<number | null> {
    if (typeof token !== 'string' || !/^[\w-]{20,100}$/.test(token)) return null;
    const userId = await this.deps.redis.getdel(this.key(token));
    return userId ? Number(userId) : null;
  }

  private key(token: string): string {
    return `${this.deps.prefix}:sso:${token}`;
  }
}
