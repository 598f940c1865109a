import {
  AuthenticationHandler, Client, HTTPMessageHandler, RedirectHandler, RedirectHandlerOptions, RetryHandler, RetryHandlerOptions, TelemetryHandler,
  type AuthenticationProvider,
} from '@microsoft/microsoft-graph-client';
import { decodeJwt } from 'jose';
import type CircuitBreaker from 'opossum';
import { MailboxError, grantErrors, type EmailChannel, type ExtensionContext, type MsalApps } from '../../../../server/src/extensions/index.js';
import type { LeadchatSettings } from '../settings.js';
import type { GraphClients } from './contracts.js';
import { GraphThrottleMiddleware, KeyedSemaphore, MAX_CONCURRENT_PER_MAILBOX, type ThrottleOptions } from './graph-throttle.js';

/** The Graph resource's client-credentials scope (the resource id, whatever MICROSOFT_GRAPH_BASE_URL points at). */
const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';
/** A Retry-After longer than this is not waited out in-process: the caller's job retries later instead. */
export const MAX_INLINE_RETRY_AFTER_S = 30;
const MAX_RETRIES = 3;

/**
 * `GraphClients` over @microsoft/microsoft-graph-client: `baseUrl` = MICROSOFT_GRAPH_BASE_URL with its
 * host in `customHosts` (the client attaches tokens only to Graph hosts), and one middleware chain:
 * auth → per-mailbox concurrency + circuit breaker per kind → retry of 429/503/504 honouring
 * Retry-After (bounded) → HTTP. The throttle state is per process and shared by every client it makes.
 */
export class MicrosoftGraphClients implements GraphClients {
  private readonly breakers = new Map<string, CircuitBreaker<[() => Promise<void>], void>>();
  private readonly slots = new KeyedSemaphore(MAX_CONCURRENT_PER_MAILBOX);

  constructor(private readonly deps: {
    settings: Pick<LeadchatSettings, 'MICROSOFT_GRAPH_BASE_URL'>;
    apps: MsalApps;
    /** The channel's delegated Graph token (the feature refuses channels whose token is for another audience). */
    channelToken: (channel: EmailChannel) => Promise<string>;
  }) {}

  async forChannel(channel: EmailChannel): Promise<Client> {
    // Asked once here so a refused sign-in throws its own MailboxError ('reauth'): inside a request the
    // SDK wraps it in a status-less GraphError, which reads as a transient failure worth retrying.
    await this.deps.channelToken(channel);
    return this.client({ getAccessToken: () => this.deps.channelToken(channel) });
  }

  async appOnly(tenantId: string, opts: { fresh?: boolean } = {}): Promise<Client | null> {
    // Deciding the receive mode needs a token fetched now: msal would otherwise hand back the one
    // cached before an administrator consented, without the role, for up to an hour.
    const token = await this.appToken(tenantId, opts);
    const roles = (decodeJwt(token).roles as string[] | undefined) ?? [];
    if (!roles.includes('Mail.Read')) return null;
    return this.client({ getAccessToken: () => this.appToken(tenantId) });
  }

  /** A delegated client for a token not stored yet (the connect flow's access check). */
  forToken(accessToken: string): Client {
    return this.client({ getAccessToken: async () => accessToken });
  }

  /**
   * A delegated client whose token comes from `getToken` (asked before every request, so a caller
   * that refreshed it after a 401 is heard at once). `mailbox` is the address `/me/…` requests work
   * on, so they share its 4 slots with every other client of the process; `breaker`, when given,
   * counts every call of this client instead of the per-kind breakers.
   */
  forTokenSource(getToken: () => Promise<string>, opts: Pick<ThrottleOptions, 'mailbox' | 'breaker'> = {}): Client {
    return this.client({ getAccessToken: getToken }, opts);
  }

  /** Open circuit breakers by kind of call, for health pages and tests. */
  openCircuits(): string[] {
    return [...this.breakers].filter(([, b]) => b.opened).map(([kind]) => kind);
  }

  private async appToken(tenantId: string, opts: { fresh?: boolean } = {}): Promise<string> {
    const app = await this.deps.apps.forTenant(tenantId);
    const result = await grantErrors(() => app.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT_SCOPE], skipCache: opts.fresh ?? false }));
    if (!result?.accessToken) throw new MailboxError(`Microsoft issued no app-only token for tenant ${tenantId}`, 'transient');
    return result.accessToken;
  }

  private client(authProvider: AuthenticationProvider, throttle: Pick<ThrottleOptions, 'mailbox' | 'breaker'> = {}): Client {
    const baseUrl = this.deps.settings.MICROSOFT_GRAPH_BASE_URL.replace(/\/+$/, '');
    const retry = new RetryHandlerOptions(1, MAX_RETRIES, (_delay, _attempt, _request, _options, response) => {
      const retryAfter = Number(response.headers.get('retry-after') ?? 0);
      return !(retryAfter > MAX_INLINE_RETRY_AFTER_S);
    });
    const chain = [
      new AuthenticationHandler(authProvider),
      new GraphThrottleMiddleware({ slots: this.slots, breakers: this.breakers, ...throttle }),
      new RetryHandler(retry),
      new RedirectHandler(new RedirectHandlerOptions()),
      new TelemetryHandler(),
      new HTTPMessageHandler(),
    ];
    return Client.initWithMiddleware({ baseUrl, customHosts: new Set([new URL(baseUrl).hostname]), middleware: chain, defaultVersion: 'v1.0' });
  }
}
