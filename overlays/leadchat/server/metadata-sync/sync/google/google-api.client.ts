import type { ExtensionContext } from '../../../../../../server/src/extensions/index.js';
import type { ConnectionTokens } from '../../contracts.js';
import type { GoogleAccount } from '../../metadata-sync.model.js';
import type { BreakerRegistry } from '../breakers.js';
import { GoogleApiError, googleError, type HistoryExpired, type SyncTokenExpired } from './google-errors.js';

/** Until the response starts (connect, TLS, Google's first byte). */
export const RESPONSE_START_TIMEOUT_MS = 5_000;
/** For the whole call, body included. */
export const CALL_TIMEOUT_MS = 30_000;

export type GoogleApiName = 'gmail' | 'calendar';

/** The circuit breaker each API's calls run in (one per provider × kind). */
export const GOOGLE_CIRCUITS: Record<GoogleApiName, string> = { gmail: 'google_gmail_metadata', calendar: 'google_calendar' };


type QueryValue = string | number | boolean | readonly string[] | null | undefined;

export interface GoogleRequest {
  api: GoogleApiName;
  /** Google's method name (`users.messages.get`), for errors and logs. */
  method: string;
  /** Path under the API's base URL, e.g. `/users/me/messages`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** The status that means the stored cursor is gone for this method (404 history.list, 410 events.list). */
  expiry?: { status: number; as: typeof HistoryExpired | typeof SyncTokenExpired };
}

export interface GoogleApiClientDeps {
  config: { GOOGLE_GMAIL_BASE_URL: string; GOOGLE_CALENDAR_BASE_URL: string };
  tokens: ConnectionTokens;
  breakers: Pick<BreakerRegistry, 'fire'>;
}

/** Google's answer with its body read. */
interface Reply {
  response: Response;
  body: string;
}

/** An upstream failure inside the breaker (5xx, network): counted there, rethrown as itself outside. */
class OutageSignal extends Error {
  constructor(readonly error: GoogleApiError) {
    super(error.message);
  }
}

/**
 * GET calls to Gmail and Google Calendar over fetch, at GOOGLE_GMAIL_BASE_URL / GOOGLE_CALENDAR_BASE_URL.
 * No retries of its own except one: a 401 refreshes the connection's token (forced) and tries once more.
 * Every attempt runs in the API's circuit breaker, where only outages (5xx, timeouts, network) count
 * as failures — a user's quota or a refused request says nothing about Google's health.
 */
export class GoogleApiClient {
  constructor(private readonly deps: GoogleApiClientDeps) {}

  async get<T>(connection: GoogleAccount, request: GoogleRequest): Promise<T> {
    const url = this.url(request);
    let reply = await this.attempt(request, url, await this.deps.tokens.accessToken(connection));
    if (reply.response.status === 401) reply = await this.attempt(request, url, await this.deps.tokens.accessToken(connection, { force: true }));
    if (!reply.response.ok) throw googleError(request.method, reply.response, reply.body, request.expiry);
    return JSON.parse(reply.body) as T;
  }

  private async attempt(request: GoogleRequest, url: URL, accessToken: string): Promise<Reply> {
    try {
      return await this.deps.breakers.fire(GOOGLE_CIRCUITS[request.api], async () => {
        const reply = await this.send(request.method, url, accessToken);
        if (reply.response.status >= 500) throw new OutageSignal(googleError(request.method, reply.response, reply.body));
        return reply;
      });
    } catch (err) {
      if (err instanceof OutageSignal) throw err.error;
      if ((err as { code?: string }).code === 'EOPENBREAKER') {
        throw new GoogleApiError(`${request.method} not sent: Google has been failing, calls are paused for a moment`, 'transient', 0, 'circuit_open', { cause: err });
      }
      throw err;
    }
  }

  private async send(method: string, url: URL, accessToken: string): Promise<Reply> {
    const started = new AbortController();
    const startTimer = setTimeout(() => started.abort(new Error(`no response within ${RESPONSE_START_TIMEOUT_MS} ms`)), RESPONSE_START_TIMEOUT_MS);
    const signal = AbortSignal.any([started.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]);
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, signal });
      clearTimeout(startTimer);
      return { response, body: await response.text() };
    } catch (err) {
      const reason = signal.aborted ? String((signal.reason as Error | undefined)?.message ?? signal.reason) : (err as Error).message;
      throw new OutageSignal(new GoogleApiError(`${method} failed: ${reason}`, 'transient', 0, 'network', { cause: err }));
    } finally {
      clearTimeout(startTimer);
    }
  }

  private url(request: GoogleRequest): URL {
    const base = request.api === 'gmail' ? this.deps.config.GOOGLE_GMAIL_BASE_URL : this.deps.config.GOOGLE_CALENDAR_BASE_URL;
    const url = new URL(`${base.replace(/\/+$/, '')}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v);
      else url.searchParams.set(key, String(value));
    }
    return url;
  }
}
