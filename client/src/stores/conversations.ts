import { defineStore } from 'pinia';
import { conversationsApi, type ConversationFilters } from '../api/conversations';
import type { Conversation, ConversationCounts, ConversationStatus, Message } from '../api/types';
import { applyConversation, applyMessage, decidableLocally, upsertMessage } from '../features/conversations/live-list';

export const STATUS_TABS = ['open', 'pending', 'resolved'] as const;
type StatusTab = (typeof STATUS_TABS)[number];

const countFor = (meta: ConversationCounts, assignee: ConversationFilters['assignee_type']) =>
  assignee === 'me' ? meta.mine_count : assignee === 'unassigned' ? meta.unassigned_count : assignee === 'assigned' ? (meta.assigned_count ?? 0) : meta.all_count;

/** The conversation list with its filters and tab counts, and the open conversation's thread; both follow live events. */
export const useConversationsStore = defineStore('conversations', {
  state: () => ({
    accountId: 0,
    meId: 0,
    filters: { status: 'open', assignee_type: 'all' } as ConversationFilters,
    list: [] as Conversation[],
    counts: {} as Partial<Record<StatusTab, number>>,
    loading: false,
    error: '',
    activeId: null as number | null,
    thread: [] as Message[],
    threadLoading: false,
  }),
  getters: {
    active: (s) => s.list.find((c) => c.id === s.activeId) ?? null,
  },
  actions: {
    async load() {
      if (!this.accountId) return;
      this.loading = true;
      this.error = '';
      try {
        const res = await conversationsApi.list(this.accountId, this.filters);
        this.list = res.data.payload.map((c) => (c.id === this.activeId ? { ...c, unread_count: 0 } : c));
        await this.loadCounts();
      } catch (err) {
        this.error = (err as Error).message;
      } finally {
        this.loading = false;
      }
    },
    async loadCounts() {
      const { inbox_id, q, assignee_type } = this.filters;
      const metas = await Promise.all(STATUS_TABS.map((status) => conversationsApi.meta(this.accountId, { status, inbox_id, q })));
      this.counts = Object.fromEntries(STATUS_TABS.map((s, i) => [s, countFor(metas[i].meta, assignee_type)]));
    },
    setFilters(patch: Partial<ConversationFilters>) {
      this.filters = { ...this.filters, ...patch };
      return this.load();
    },
    async open(id: number | null) {
      this.activeId = id;
      this.thread = [];
      if (id === null) return;
      this.list = this.list.map((c) => (c.id === id ? { ...c, unread_count: 0 } : c));
      this.threadLoading = true;
      try {
        // Opening a conversation reads it: the server's mark clears its unread count on every dashboard.
        const [messages, conversation] = await Promise.all([conversationsApi.messages(this.accountId, id), conversationsApi.updateLastSeen(this.accountId, id)]);
        if (this.activeId !== id) return;
        this.thread = messages.payload;
        // A conversation opened by link may be outside the current filters: show it all the same.
        if (!this.list.some((c) => c.id === id)) this.list = [{ ...conversation, unread_count: 0 }, ...this.list];
      } finally {
        this.threadLoading = false;
      }
    },
    /** Replaces the conversation in the list (after an action) even when the filters would drop it, so the open view stays. */
    replace(c: Conversation) {
      this.list = this.list.map((x) => (x.id === c.id ? { ...c, unread_count: 0 } : x));
    },
    async setStatus(status: ConversationStatus) {
      if (!this.activeId) return;
      await conversationsApi.setStatus(this.accountId, this.activeId, status);
      this.replace(await conversationsApi.show(this.accountId, this.activeId));
      await this.loadCounts();
    },
    async assign(assigneeId: number | null) {
      if (!this.activeId) return;
      await conversationsApi.assign(this.accountId, this.activeId, assigneeId);
      this.replace(await conversationsApi.show(this.accountId, this.activeId));
      await this.loadCounts();
    },
    addOwnMessage(m: Message) {
      this.thread = upsertMessage(this.thread, m);
      this.list = applyMessage(this.list, m);
    },
    async retry(messageId: number) {
      if (!this.activeId) return;
      this.thread = upsertMessage(this.thread, await conversationsApi.retry(this.accountId, this.activeId, messageId));
    },
    // --- live events -----------------------------------------------------------------------
    onMessage(m: Message) {
      if (m.conversation_id === this.activeId) {
        this.thread = upsertMessage(this.thread, m);
        // An incoming message arriving in the open conversation is read as it arrives.
        if (m.message_type === 0) void conversationsApi.updateLastSeen(this.accountId, m.conversation_id).catch(() => undefined);
      }
      this.list = applyMessage(this.list, m).map((c) => (c.id === this.activeId ? { ...c, unread_count: 0 } : c));
    },
    onConversation(c: Conversation) {
      if (!decidableLocally(this.filters)) return void this.scheduleRefresh();
      const next = applyConversation(this.list, c, this.filters, this.meId);
      // The open conversation stays in view even if it no longer matches (e.g. just resolved).
      const keep = c.id === this.activeId && !next.some((x) => x.id === c.id) ? [{ ...c, unread_count: 0 }] : [];
      this.list = [...next.map((x) => (x.id === this.activeId ? { ...x, unread_count: 0 } : x)), ...keep];
      this.scheduleCounts();
    },
    scheduleCounts() {
      clearTimeout(countsTimer);
      countsTimer = setTimeout(() => void this.loadCounts().catch(() => undefined), 250);
    },
    scheduleRefresh() {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => void this.load(), 250);
    },
  },
});

let countsTimer: ReturnType<typeof setTimeout> | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
