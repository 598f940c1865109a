import { TokenBucket } from 'limiter';

/**
 * Gmail's price of each call in quota units (Google's "usage limits" table). The only place these
 * numbers live: the limiter charges them and the bench computes the best rate from them.
 */
export const GMAIL_UNIT_COSTS = {
  'users.getProfile': 1,
  'users.messages.list': 5,
  'users.messages.get': 20,
  'users.history.list': 2,
} as const;

export type GmailMethod = keyof typeof GMAIL_UNIT_COSTS;

/** A new Google Cloud project's per-user limit (GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE unset). */
export const DEFAULT_GMAIL_UNITS_PER_MINUTE = 6000;


/**
 * Gmail's per-user quota as a token bucket per Google user, shared by every call this process makes
 * for that user: one minute's units of burst (less one second's, see below), refilled continuously.
 * A call waits for its units before it is sent, so a sync runs at the quota's rate instead of into 429s.
 */
export class GmailQuota {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(readonly unitsPerMinute: number = DEFAULT_GMAIL_UNITS_PER_MINUTE) {}

  /** Waits until `user` may spend the units `method` costs, and spends them. */
  async take(user: string, method: GmailMethod): Promise<void> {
    await this.bucket(user).removeTokens(GMAIL_UNIT_COSTS[method]);
  }

  /**
   * Google said the user's quota is spent (429) and when to come back: every call of the user waits
   * that long (the bucket goes below empty by as much as refills in that time), then resumes at the
   * configured pace — Google's view of the quota wins over ours.
   */
  exhausted(user: string, retryAfterMs: number): void {
    const bucket = this.bucket(user);
    bucket.drip();
    bucket.content = -retryAfterMs * (bucket.tokensPerInterval / bucket.interval);
  }

  private bucket(user: string): TokenBucket {
    let bucket = this.buckets.get(user);
    if (!bucket) {
      bucket = new TokenBucket({ bucketSize: this.unitsPerMinute, tokensPerInterval: this.unitsPerMinute, interval: 'minute' });
      // Google counts a call when it arrives, this bucket when it is sent: calls in flight (and the first
      // one's connection set-up) leave Google's bucket behind ours. Holding back one second's refill
      // keeps ours the emptier of the two.
      bucket.content = this.unitsPerMinute - this.unitsPerMinute / 60;
      this.buckets.set(user, bucket);
    }
    return bucket;
  }
}
