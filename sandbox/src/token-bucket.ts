// A token bucket per key (mailbox, user), refilled continuously: Graph's sustained-rate throttle and
// Gmail's per-user quota both draw on one.

export interface TokenBucket {
  tokens: number;
  refilledAt: number;
}

/** The bucket of `key` refilled up to `now` (a new one starts full at `capacity`), kept in `buckets`. */
export function refilledBucket(buckets: Map<string, TokenBucket>, key: string, capacity: number, perSecond: number, now: number): TokenBucket {
  const bucket = buckets.get(key) ?? { tokens: capacity, refilledAt: now };
  bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.refilledAt) / 1000) * perSecond);
  bucket.refilledAt = now;
  buckets.set(key, bucket);
  return bucket;
}
