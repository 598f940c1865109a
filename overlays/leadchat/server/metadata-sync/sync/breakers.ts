import CircuitBreaker from 'opossum';
import type { CircuitStatus } from '../contracts.js';

/** The shape the Graph throttle middleware fires: the breaker runs the call it is given. */
export type CallBreaker = CircuitBreaker<[() => Promise<void>], void>;

/**
 * One opossum circuit breaker per provider × kind (`ms_graph_mail`, `ms_graph_calendar`,
 * `google_gmail_metadata`, `google_calendar`), shared by every sync of the process: when most recent
 * calls of a kind failed (5xx, throttling after retries, the network), further calls fail fast for a
 * while instead of piling up jobs, and the Integrations page shows which circuits are open.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CallBreaker>();

  /** The breaker called `name`, created closed on first use. */
  get(name: string): CallBreaker {
    let breaker = this.breakers.get(name);
    if (!breaker) {
      breaker = new CircuitBreaker(async (call: () => Promise<void>) => call(), {
        name,
        // Calls are bounded by their HTTP clients and retry budgets; opossum only counts outcomes.
        timeout: false,
        errorThresholdPercentage: 50,
        volumeThreshold: 10,
        rollingCountTimeout: 60_000,
        resetTimeout: 30_000,
      });
      this.breakers.set(name, breaker);
    }
    return breaker;
  }

  /** Runs `fn` through the named breaker: a rejection counts as a failure, an open circuit rejects at once (`EOPENBREAKER`). */
  async fire<T>(name: string, fn: () => Promise<T>): Promise<T> {
    let result: T | undefined;
    await this.get(name).fire(async () => {
      result = await fn();
    });
    return result as T;
  }

  /** Declares breakers so they are listed before their first call. */
  declare(...names: string[]): void {
    for (const name of names) this.get(name);
  }

  list(): CircuitStatus[] {
    return [...this.breakers].map(([name, b]) => ({ name, state: b.opened ? 'open' : b.halfOpen ? 'half_open' : 'closed' }));
  }
}
