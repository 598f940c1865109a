import type { Client } from '@microsoft/microsoft-graph-client';
import type { EmailChannel } from '../../../../server/src/extensions/index.js';

/**
 * Microsoft Graph clients for the overlay, throttle-aware: at most 4 concurrent requests per mailbox,
 * 429/503 answered by waiting for Retry-After, one circuit breaker per kind of call.
 */
export interface GraphClients {
  /** Delegated: acts as the channel's delegate with a fresh (refreshed when needed) token. */
  forChannel(channel: EmailChannel): Promise<Client>;
  /**
   * App-only (client credentials) for a tenant, used for change-notification subscriptions on shared
   * mailboxes; `null` when the tenant has not granted the application permission `Mail.Read`.
   * `fresh` asks Entra now instead of trusting a cached token — for deciding push vs polling right
   * after an administrator consented; reading messages may use the cached one.
   */
  appOnly(tenantId: string, opts?: { fresh?: boolean }): Promise<Client | null>;
}
