/** The metadata sync's endpoints (the signed-in user's own connections), on the dashboard's one HTTP client. */
import { accountUrl, request } from '../../../../client/src/extensions/api';
import type { Provider, SourceName, SourceProgress, SyncStatus } from './metadata-sync.logic';

export interface SourceStatus {
  provider: Provider;
  mailbox: string;
  source: SourceName;
  shared: boolean;
  status: SyncStatus;
  error: string | null;
  progress: SourceProgress;
  backfill_completed_at: string | null;
  last_synced_at: string | null;
  retry_at: string | null;
}

export interface CircuitStatus {
  name: string;
  state: 'closed' | 'open' | 'half_open';
}

export interface SharedMailbox {
  id: number;
  email: string;
  include_calendar: boolean;
}

export interface Connection {
  id: number;
  provider: Provider;
  email: string;
  tenant_id?: string | null;
  status: 'active' | 'reauthorization_required';
  last_error: string | null;
  features: Record<string, boolean>;
  scopes: string[];
  missing_scopes: string[];
  shared_mailboxes?: SharedMailbox[];
  sources: SourceStatus[];
  connected_at: string;
}

export interface Card {
  configured: boolean;
  /** Feature -> the permission it asks for (`mail: 'Mail.ReadBasic'`). */
  scopes_available: Record<string, string>;
  connection: Connection | null;
  admin_consent_url: string | null;
  circuits: CircuitStatus[];
}

export type Cards = Record<Provider, Card>;

export interface Interactions {
  summary: { total: number; emails: number; meetings: number; last_interaction_at: string | null };
  team: { user_id: number; name: string; email: string; count: number; last_interaction_at: string }[];
  events: {
    id: number;
    kind: 'email' | 'meeting';
    direction: 'inbound' | 'outbound';
    occurred_at: string;
    subject: string | null;
    provider: Provider;
    mailbox: string;
    shared: boolean;
    newsletter: boolean;
    user: { id: number; name: string };
  }[];
}

const integration = (accountId: number, path: string) => accountUrl(accountId, `/integrations${path}`);

export const metadataSyncApi = {
  cards: (accountId: number) => request<Cards>('GET', integration(accountId, '/metadata_sync')),
  /** The provider's sign-in URL for these features (a connected account asking for more = incremental consent). */
  authorize: (accountId: number, provider: Provider, body: { features: Record<string, boolean>; login_hint?: string }) =>
    request<{ url: string }>('POST', integration(accountId, `/${provider}/authorization`), body),
  updateFeatures: (accountId: number, provider: Provider, features: Record<string, boolean>) =>
    request<Card>('PATCH', integration(accountId, `/${provider}`), { features }),
  syncNow: (accountId: number, provider: Provider) => request<unknown>('POST', integration(accountId, `/${provider}/sync`)),
  disconnect: (accountId: number, provider: Provider) => request<unknown>('DELETE', integration(accountId, `/${provider}`)),
  addSharedMailbox: (accountId: number, body: { email: string; include_calendar: boolean }) =>
    request<SharedMailbox>('POST', integration(accountId, '/microsoft/shared_mailboxes'), body),
  removeSharedMailbox: (accountId: number, id: number) => request<unknown>('DELETE', integration(accountId, `/microsoft/shared_mailboxes/${id}`)),
  interactions: (accountId: number, contactId: number) => request<Interactions>('GET', accountUrl(accountId, `/contacts/${contactId}/interactions`)),
};
