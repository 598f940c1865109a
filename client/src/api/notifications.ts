import { accountUrl, request } from './client';

/** Chatwoot's notification payload (the fields the dashboard uses). */
export interface AppNotification {
  id: number;
  notification_type: string;
  push_message_title: string;
  primary_actor_type: string | null;
  primary_actor_id: number | null;
  meta: Record<string, unknown>;
  read_at: number | null;
  created_at: number;
}

export const notificationsApi = {
  list: (accountId: number) =>
    request<{ data: { meta: { count: number; unread_count: number }; payload: AppNotification[] } }>('GET', accountUrl(accountId, '/notifications')),
  markRead: (accountId: number, id: number) => request<AppNotification>('PATCH', accountUrl(accountId, `/notifications/${id}`)),
  readAll: (accountId: number) => request('POST', accountUrl(accountId, '/notifications/read_all')),
  settings: (accountId: number) => request<NotificationSettings>('GET', accountUrl(accountId, '/notification_settings')),
  updateSettings: (accountId: number, settings: Pick<NotificationSettings, 'selected_email_flags' | 'selected_push_flags'>) =>
    request<NotificationSettings>('PATCH', accountUrl(accountId, '/notification_settings'), { notification_settings: settings }),
};

/** Chatwoot's notification settings: `email_<type>` and `push_<type>` flags (push: the bell and the browser). */
export interface NotificationSettings {
  all_email_flags: string[];
  selected_email_flags: string[];
  all_push_flags: string[];
  selected_push_flags: string[];
}

/** `notification.created` events of the account's live stream (the caller's own notifications only). */
export function subscribeNotifications(accountId: number, onCreated: (n: AppNotification) => void): () => void {
  const source = new EventSource(accountUrl(accountId, '/events'), { withCredentials: true });
  source.addEventListener('notification.created', (e) => {
    const { data } = JSON.parse((e as MessageEvent<string>).data) as { data: AppNotification | null };
    if (data) onCreated(data);
  });
  return () => source.close();
}
