import type { Transport } from './transports.js';

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
