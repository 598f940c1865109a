import type { Client } from '@microsoft/microsoft-graph-client';
import type { EmailChannel } from '../../../../server/src/extensions/index.js';
import type { Transport } from '../microsoft-shared/transports.js';

/**
 * What a microsoft_shared channel keeps in `provider_config` (never secrets: tokens live encrypted in
 * `provider_secrets_ciphertext`).
 */
export interface SharedInboxConfig {
  transport: Transport;
  /** Entra tenant of the delegate (the `tid` claim). */
  tenant_id: string;
  /** The signed-in delegate who has Full Access (and Send As) on the shared mailbox. */
  delegate_upn: string;
  delegate_oid: string;
  /** graph_full only: how new mail is noticed. */
  receive_mode?: 'push' | 'polling';
}

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
