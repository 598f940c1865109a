import { defineStore } from 'pinia';
import { notificationsApi, subscribeNotifications, type AppNotification } from '../api/notifications';

/** Notification types about an inbox's connection: the reconnect banner reloads when one arrives. */
export const CONNECTION_NOTIFICATIONS = ['email_channel_reauthorization_required', 'email_channel_recovered'];

/** The agent turned browser notifications on in this browser (on the profile page). */
export const BROWSER_OPT_IN_KEY = 'leadchat.browserNotifications';

/** A desktop notification for a live arrival the agent wants pushed, once they opted in and the browser allows it. */
function showInBrowser(n: AppNotification): void {
  if (n.meta.push === false || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (localStorage.getItem(BROWSER_OPT_IN_KEY) !== 'on') return;
  new Notification(n.push_message_title, { body: typeof n.meta.excerpt === 'string' ? n.meta.excerpt : undefined, tag: `leadchat-${n.id}` });
}

let unsubscribe: (() => void) | null = null;

/** The bell's notifications for the current account: the first page, the unread count, and live arrivals. */
export const useNotificationsStore = defineStore('notifications', {
  state: () => ({
    accountId: null as number | null,
    items: [] as AppNotification[],
    unreadCount: 0,
    /** Bumped by each connection notification that arrives live. */
    connectionChanges: 0,
    error: '',
  }),
  actions: {
    async start(accountId: number) {
      if (this.accountId === accountId && unsubscribe) return;
      this.stop();
      this.accountId = accountId;
      unsubscribe = subscribeNotifications(accountId, (n) => this.arrived(n));
      await this.load();
    },
    stop() {
      unsubscribe?.();
      unsubscribe = null;
      this.$reset();
    },
    async load() {
      if (!this.accountId) return;
      try {
        const { data } = await notificationsApi.list(this.accountId);
        this.items = data.payload;
        this.unreadCount = data.meta.unread_count;
        this.error = '';
      } catch (err) {
        this.error = (err as Error).message;
      }
    },
    arrived(n: AppNotification) {
      if (this.items.some((i) => i.id === n.id)) return;
      this.items = [n, ...this.items];
      if (!n.read_at) this.unreadCount += 1;
      showInBrowser(n);
      if (CONNECTION_NOTIFICATIONS.includes(n.notification_type)) this.connectionChanges += 1;
    },
    async markRead(n: AppNotification) {
      if (n.read_at || !this.accountId) return;
      const updated = await notificationsApi.markRead(this.accountId, n.id);
      this.items = this.items.map((i) => (i.id === n.id ? updated : i));
      this.unreadCount = Math.max(0, this.unreadCount - 1);
    },
    async readAll() {
      if (!this.accountId) return;
      await notificationsApi.readAll(this.accountId);
      const now = Math.floor(Date.now() / 1000);
      this.items = this.items.map((i) => ({ ...i, read_at: i.read_at ?? now }));
      this.unreadCount = 0;
    },
  },
});
