/** The overlay's endpoints, on the dashboard's one HTTP client (session cookie, CSRF header, ApiError). */
import { accountUrl, request } from '../../../../client/src/extensions/api';

export interface GraphStatus {
  receive_mode: 'push' | 'polling';
  subscription_expires_at: string | null;
  last_notification_at: string | null;
  rejected_notifications: Record<string, number>;
  last_sweep_at: string | null;
  last_sweep_error: string | null;
  /** Entra's admin-consent URL for the inbox's tenant: granting app-only Mail.Read turns polling into push. */
  admin_consent_url: string | null;
}

/** One line of "Check connection"; `fix` (plain words, from the server) comes with every problem. */
export interface DoctorCheck {
  id: string;
  status: 'ok' | 'failed' | 'warning' | 'skipped';
  detail: string;
  fix?: string;
  link?: string;
}

export interface DoctorReport {
  checks: DoctorCheck[];
  checked_at: string;
}

export const sharedInboxApi = {
  /** Starts the delegate's sign-in (new inbox, or reconnect with `inbox_id`); the browser goes to the returned URL. */
  authorize: (accountId: number, body: Record<string, string | number>) =>
    request<{ success: boolean; url: string }>('POST', accountUrl(accountId, '/microsoft_shared/authorization'), body),
  graphStatus: (accountId: number, inboxId: number) =>
    request<GraphStatus>('GET', accountUrl(accountId, `/microsoft_shared/inboxes/${inboxId}/graph_status`)),
  /** Runs the connection checks now (administrators); it sends one test message, so it takes seconds. */
  checkConnection: (accountId: number, inboxId: number) =>
    request<DoctorReport>('POST', accountUrl(accountId, `/microsoft_shared/inboxes/${inboxId}/doctor`), {}),
};
