// Gmail's per-user quota: a token bucket of `unitsPerMinute` quota units per user (capacity one
// minute's worth, refilled continuously), each method costing what Google's table says. Over it,
// 429 rateLimitExceeded with Retry-After; a refused call costs nothing. Calendar is not under it.
import { refilledBucket, type TokenBucket } from '../token-bucket.js';
import { GoogleError } from './google-errors.js';

export type GmailMethod = 'list' | 'get' | 'history' | 'profile';

/** Quota units per call (Gmail API "Usage limits"). */
export const GMAIL_COSTS: Record<GmailMethod, number> = { list: 5, get: 20, history: 2, profile: 1 };

export interface GmailQuotaSettings {
  enabled: boolean;
  unitsPerMinute: number;
}

export interface GmailQuotaUsage {
  unitsUsed: number;
  /** Calls served (charged) per method; refused ones are counted in `throttled`. */
  requests: Record<GmailMethod, number>;
  throttled: number;
}

const DEFAULTS: GmailQuotaSettings = { enabled: true, unitsPerMinute: 6000 };
const emptyUsage = (): GmailQuotaUsage => ({ unitsUsed: 0, requests: { list: 0, get: 0, history: 0, profile: 0 }, throttled: 0 });

export class GmailQuota {
  private current: GmailQuotaSettings = { ...DEFAULTS };
  private usage = emptyUsage();
  private buckets = new Map<string, TokenBucket>();

  get settings(): GmailQuotaSettings {
    return { ...this.current };
  }

  configure(change: Partial<GmailQuotaSettings>): GmailQuotaSettings {
    this.current = { ...this.current, ...change };
    this.buckets.clear();
    return this.settings;
  }

  report(): GmailQuotaSettings & GmailQuotaUsage {
    return { ...this.settings, ...structuredClone(this.usage) };
  }

  /** Forgets usage and refills every user's bucket. */
  resetUsage(): void {
    this.usage = emptyUsage();
    this.buckets.clear();
  }

  reset(): void {
    this.current = { ...DEFAULTS };
    this.resetUsage();
  }

  /** Charges `user` for one call of `method`, or throws Google's 429 when the bucket cannot pay. */
  charge(user: string, method: GmailMethod): void {
    const cost = GMAIL_COSTS[method];
    if (this.current.enabled) {
      const capacity = this.current.unitsPerMinute;
      const perSecond = capacity / 60;
      const bucket = refilledBucket(this.buckets, user, capacity, perSecond, Date.now());
      if (bucket.tokens < cost) {
        this.usage.throttled += 1;
        const retryAfter = Math.max(1, Math.ceil((cost - bucket.tokens) / perSecond));
        const message = "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'gmail.googleapis.com' for consumer 'project_number:104200000000'.";
        throw new GoogleError(429, message, 'RESOURCE_EXHAUSTED', 'rateLimitExceeded', 'usageLimits', { 'Retry-After': String(retryAfter) });
      }
      bucket.tokens -= cost;
    }
    this.usage.unitsUsed += cost;
    this.usage.requests[method] += 1;
  }
}
