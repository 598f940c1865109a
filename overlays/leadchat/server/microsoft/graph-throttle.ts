import CircuitBreaker from 'opossum';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/** Graph's limit for one app on one mailbox is 4 concurrent requests; a fifth answers 429. */
export const MAX_CONCURRENT_PER_MAILBOX = 4;

/** Limits concurrent work per key; waiters are served in arrival order. */
export class KeyedSemaphore {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if ((this.active.get(key) ?? 0) >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.set(key, [...(this.waiting.get(key) ?? []), resolve]));
    } else {
      this.active.set(key, (this.active.get(key) ?? 0) + 1);
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.get(key)?.shift();
      // The slot passes straight to the next waiter; otherwise it is freed.
      if (next) next();
      else if ((this.active.get(key) ?? 1) <= 1) this.active.delete(key);
      else this.active.set(key, this.active.get(key)! - 1);
      if (this.waiting.get(key)?.length === 0) this.waiting.delete(key);
    }
  }
}

const urlOf = (request: RequestInfo): string => (typeof request === 'string' ? request : request.url);

/** The slot pool of requests that name no mailbox (`/me/…`, `/subscriptions`) when the client knows none. */
const ME = '(tenant)';

/** The mailbox a request works on (`/users/{id|upn}/…`); requests without one share a slot pool. */
export function mailboxOf(request: RequestInfo): string {
  const match = new URL(urlOf(request)).pathname.match(/\/users\/([^/]+)/i);
  return match ? decodeURIComponent(match[1]).replace(/^'|'$/g, '').toLowerCase() : ME;
}

/** The slot pool a request counts against: its `/users/{…}` mailbox, or the client's own for `/me/…`. */
export function slotOf(request: RequestInfo, own: string | undefined): string {
  const addressed = mailboxOf(request);
  return addressed === ME && own ? own.toLowerCase() : addressed;
}

const KINDS = ['sendMail', 'subscriptions', 'messages', 'mailFolders'] as const;

/** The kind of call, for one circuit breaker each: a failing subscription API must not stop sending. */
export function kindOf(request: RequestInfo): string {
  const path = new URL(urlOf(request)).pathname;
  return KINDS.find((k) => path.split('/').includes(k)) ?? 'other';
}

/** Thrown inside the breaker so that 5xx and throttling count as failures; the response itself is kept. */
class UpstreamFailure extends Error {}

type CallBreaker = CircuitBreaker<[() => Promise<void>], void>;

export interface ThrottleOptions {
  /** The process-wide slots per mailbox, shared by every client so the limit holds across them. */
  slots: KeyedSemaphore;
  /** Breakers by kind of call (`kindOf`), used unless `breaker` is given. */
  breakers: Map<string, CallBreaker>;
  /** One breaker for every call of this client (the metadata sync's per provider × kind breaker). */
  breaker?: CallBreaker;
  /** The mailbox `/me/…` requests work on: they share its slots with `/users/{it}/…` requests. */
  mailbox?: string;
}

/**
 * Sits in the Graph client's middleware chain before the RetryHandler: at most 4 requests per mailbox
 * in flight across every client of the process (a request waiting out a Retry-After keeps its slot,
 * since that mailbox is throttled anyway), and one opossum circuit breaker per kind of call that opens when most recent calls ended
 * in 5xx/429 after their retries, so a Graph outage fails fast instead of piling up jobs.
 */
export class GraphThrottleMiddleware implements Middleware {
  private next?: Middleware;

  constructor(private readonly options: ThrottleOptions) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    await this.options.slots.run(slotOf(context.request, this.options.mailbox), async () => {
      try {
        await (this.options.breaker ?? breakerFor(this.options.breakers, kindOf(context.request))).fire(async () => {
          await this.next!.execute(context);
          const status = context.response?.status ?? 0;
          if (status === 429 || status >= 500) throw new UpstreamFailure(`Graph answered ${status}`);
        });
      } catch (err) {
        if (!(err instanceof UpstreamFailure)) throw err;
      }
    });
  }
}

export function breakerFor(breakers: Map<string, CircuitBreaker<[() => Promise<void>], void>>, kind: string): CircuitBreaker<[() => Promise<void>], void> {
  let breaker = breakers.get(kind);
  if (!breaker) {
    breaker = new CircuitBreaker(async (call: () => Promise<void>) => call(), {
      name: `graph.${kind}`,
      // Graph calls are bounded by the HTTP client and the retry budget; opossum only counts outcomes.
      timeout: false,
      errorThresholdPercentage: 50,
      volumeThreshold: 10,
      rollingCountTimeout: 60_000,
      resetTimeout: 30_000,
    });
    breakers.set(kind, breaker);
  }
  return breaker;
}
