// Exchange's per-app, per-mailbox limits behind Graph: at most 4 requests in flight and a budget of
// requests per 10-minute window; beyond either, 429 with Retry-After.
import type { NextFunction, Request, Response } from 'express';
import { GraphError } from './graph-errors.js';

export interface ThrottleLimits {
  concurrency: number;
  budgetPer10Min: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { concurrency: 4, budgetPer10Min: 10_000 };
const WINDOW_MS = 10 * 60 * 1000;

const throttled = (message: string, retryAfterSeconds: number): GraphError =>
  new GraphError(429, 'ApplicationThrottled', message, { 'Retry-After': String(retryAfterSeconds) },
    { code: '429', message: 'Please retry after', status: '429' });

export class Throttle {
  limits: ThrottleLimits = { ...DEFAULT_LIMITS };
  private inFlight = new Map<string, number>();
  private history = new Map<string, number[]>();

  reset(): void {
    this.limits = { ...DEFAULT_LIMITS };
    this.history.clear();
  }

  /** Middleware for one (app, mailbox) bucket named by `key(req)`. */
  middleware(key: (req: Request) => string) {
    return (req: Request, res: Response, next: NextFunction): void => {
      const bucket = key(req);
      const now = Date.now();
      const recent = (this.history.get(bucket) ?? []).filter((t) => t > now - WINDOW_MS);
      this.history.set(bucket, recent);
      if (recent.length >= this.limits.budgetPer10Min) {
        const retry = Math.max(1, Math.ceil(((recent[0] ?? now) + WINDOW_MS - now) / 1000));
        return next(throttled('Application is over its MailboxRequests limit for this mailbox.', retry));
      }
      const running = this.inFlight.get(bucket) ?? 0;
      if (running >= this.limits.concurrency) {
        return next(throttled('Application is over its MailboxConcurrency limit.', 1));
      }
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
