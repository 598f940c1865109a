import type { Client } from '@microsoft/microsoft-graph-client';
import type { ConnectionTokens } from '../../contracts.js';
import type { MicrosoftAccount } from '../../metadata-sync.model.js';
import type { MicrosoftGraphClients } from '../../../microsoft/graph-clients.js';
import { MAX_INLINE_RETRY_AFTER_S } from '../../../microsoft/graph-clients.js';
import { graphStatus, retryAfterMs } from '../../../microsoft/graph-errors.js';
import type { CallBreaker } from '../breakers.js';
import { SyncThrottled } from '../errors.js';

/** A page of a Graph collection or delta query. */
export interface GraphPage<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** How often a request answered 429 with a short Retry-After is tried again before the job re-queues itself instead. */
const INLINE_THROTTLE_RETRIES = 8;
const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * Delegated Graph reads of one mailbox as one connection, through @microsoft/microsoft-graph-client
 * (the configured base URL, the process-wide 4 slots per mailbox, the kind's circuit breaker, the
 * SDK's retries of 429/503 within 30 s). On top: a 401 refreshes the token (forced) and tries once
 * more; a 429 that outlasted the SDK's retries is waited out here while short, and a Retry-After
 * longer than 30 s becomes `SyncThrottled` for the job to re-queue itself.
 */
export class GraphReader {
  /** `/me` for the user's own mailbox, `/users/{upn}` for a shared one. */
  readonly root: string;
  private readonly client: Client;
  private token: string | null = null;

  constructor(
    private readonly deps: { graph: MicrosoftGraphClients; tokens: ConnectionTokens },
    readonly connection: MicrosoftAccount,
    opts: { mailbox: string; shared: boolean; breaker: CallBreaker },
  ) {
    this.root = opts.shared ? `/users/${encodeURIComponent(opts.mailbox)}` : '/me';
    this.client = deps.graph.forTokenSource(async () => (this.token ??= await deps.tokens.accessToken(connection)), { mailbox: opts.mailbox, breaker: opts.breaker });
  }

  /** GET a path under the Graph base URL, or an absolute nextLink/deltaLink followed verbatim. */
  async get<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
    let refreshed = false;
    for (let throttled = 0; ; ) {
      try {
        return (await this.client.api(url).headers(headers).get()) as T;
      } catch (err) {
        const status = graphStatus(err);
        if (status === 401 && !refreshed) {
          refreshed = true;
          this.token = await this.deps.tokens.accessToken(this.connection, { force: true });
          continue;
        }
        if (status !== 429) throw err;
        const wait = retryAfterMs((err as { headers?: Headers } | null)?.headers) ?? DEFAULT_RETRY_AFTER_MS;
        if (wait > MAX_INLINE_RETRY_AFTER_S * 1000 || ++throttled > INLINE_THROTTLE_RETRIES) {
          throw new SyncThrottled(wait, `Microsoft Graph is throttling ${this.connection.email}'s requests; retrying after ${Math.ceil(wait / 1000)} s`);
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
