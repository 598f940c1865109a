// Exchange's per-app, per-mailbox limits behind Graph: at most 4 requests in flight, a budget of
// requests per 10-minute window and, when switched on, a sustained rate as a token bucket
// (`requestsPerSecond` refill, `burst` capacity); beyond any of them, 429 with Retry-After.
import type { NextFunction, Request, Response } from 'express';
import { refilledBucket, type TokenBucket } from '../token-bucket.js';
import { GraphError } from './graph-errors.js';

export interface ThrottleLimits {
  concurrency: number;
  budgetPer10Min: number;
  /** Token refill per second; null = no sustained-rate limit. */
  requestsPerSecond: number | null;
  /** Bucket capacity; null = max(1, requestsPerSecond). */
  burst: number | null;
}

export type ThrottleLimitsChange = Partial<ThrottleLimits>;

export const DEFAULT_LIMITS: ThrottleLimits = { concurrency: 4, budgetPer10Min: 10_000, requestsPerSecond: null, burst: null };
const WINDOW_MS = 10 * 60 * 1000;

const throttled = (message: string, retryAfterSeconds: number): GraphError =>
  new GraphError(429, 'ApplicationThrottled', message, { 'Retry-After': String(retryAfterSeconds) },
    { code: '429', message: 'Please retry after', status: '429' });

export class Throttle {
  private configured: ThrottleLimits = { ...DEFAULT_LIMITS };
  private inFlight = new Map<string, number>();
  private history = new Map<string, number[]>();
  private buckets = new Map<string, TokenBucket>();

  /** The limits in force; `burst` is the effective capacity while a rate is set. */
  get limits(): ThrottleLimits {
    const rate = this.configured.requestsPerSecond;
    return { ...this.configured, burst: rate === null ? this.configured.burst : this.capacity(rate) };
  }

  setLimits(change: ThrottleLimitsChange): ThrottleLimits {
    this.configured = { ...this.configured, ...change };
    // A new rate or capacity starts every bucket full, as if the limit had just been configured.
    this.buckets.clear();
    return this.limits;
  }

  reset(): void {
    this.configured = { ...DEFAULT_LIMITS };
    this.history.clear();
    this.buckets.clear();
  }

  private capacity(rate: number): number {
    return this.configured.burst ?? Math.max(1, rate);
  }

  /** Whole seconds until the bucket holds one token, or 0 when it holds one now (refilled up to `now`). */
  private rateWait(bucketKey: string, now: number): number {
    const rate = this.configured.requestsPerSecond;
    if (rate === null) return 0;
    const bucket = refilledBucket(this.buckets, bucketKey, this.capacity(rate), rate, now);
    if (bucket.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  }

  private takeToken(bucketKey: string): void {
    const bucket = this.buckets.get(bucketKey);
    if (bucket) bucket.tokens -= 1;
  }

  /** Middleware for one (app, mailbox) bucket named by `key(req)`. */
  middleware(key: (req: Request) => string) {
    return (req: Request, res: Response, next: NextFunction): void => {
      const bucket = key(req);
      const now = Date.now();
      const recent = (this.history.get(bucket) ?? []).filter((t) => t > now - WINDOW_MS);
      this.history.set(bucket, recent);
      if (recent.length >= this.configured.budgetPer10Min) {
        const retry = Math.max(1, Math.ceil(((recent[0] ?? now) + WINDOW_MS - now) / 1000));
        return next(throttled('Application is over its MailboxRequests limit for this mailbox.', retry));
      }
      const wait = this.rateWait(bucket, now);
      if (wait > 0) return next(throttled('Application is over its request rate limit for this mailbox.', wait));
      const running = this.inFlight.get(bucket) ?? 0;
      if (running >= this.configured.concurrency) {
        return next(throttled('Application is over its MailboxConcurrency limit.', 1));
      }
      this.takeToken(bucket);
      recent.push(now);
      this.inFlight.set(bucket, running + 1);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        const left = (this.inFlight.get(bucket) ?? 1) - 1;
        if (left <= 0) this.inFlight.delete(bucket);
        else this.inFlight.set(bucket, left);
      };
      res.once('finish', release);
      res.once('close', release);
      next();
    };
  }
}
