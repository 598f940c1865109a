import { defineStore } from 'pinia';
import { ApiError } from '../api/client.js';
import { conversationsApi, type BulkChange, type ConversationFilters } from '../api/conversations.js';
import type { Conversation, ConversationCounts, ConversationStatus, Message, Priority } from '../api/types.js';
import { applyConversation, applyMessage, decidableLocally, moveCounts, upsertMessage, type StatusCounts } from '../features/conversations/live-list.js';

export const STATUS_TABS = ['open', 'pending', 'snoozed', 'resolved'] as const;

const countFor = (meta: ConversationCounts, assignee: ConversationFilters['assignee_type']) =>
  assignee === 'me' ? meta.mine_count : assignee === 'unassigned' ? meta.unassigned_count : assignee === 'assigned' ? (meta.assigned_count ?? 0) : meta.all_count;

const read = (c: Conversation): Conversation => ({ ...c, unread_count: 0 });

/**
 * The conversation list (one page, with its filters and tab counts) and, apart from it, the open
 * conversation and its thread: a list reload or a status change never takes the open one away.
 * Both follow live events.
 */
export const useConversationsStore = defineStore('conversations', {
  state: () => ({
    accountId: 0,
    meId: 0,
    filters: { status: 'open', assignee_type: 'all' } as ConversationFilters,
    list: [] as Conversation[],
    counts: {} as StatusCounts,
    loading: false,
    error: '',
    activeId: null as number | null,
    /** The open conversation, whether or not it is on the list's page or matches its filters. */
    current: null as Conversation | null,
    /** Why the open conversation could not be loaded (a 404 shows "not found"). */
    openError: '',
    thread: [] as Message[],
    threadLoading: false,
    /** Conversations with a reply draft (of this user and account), for the list's marker. */
    draftIds: [] as number[],
    /** Only the latest list / counts request started may land: an older answer would undo a newer one. */
    listSeq: 0,
    countsSeq: 0,
  }),
  getters: {
    active: (s) => (s.current && s.current.id === s.activeId ? s.current : null),
  },
  actions: {
    /** A fresh page for another user or account: nothing of the previous one stays. */
    reset(accountId: number, meId: number) {
      this.$reset();
      this.accountId = accountId;
      this.meId = meId;
    },
    async load() {
      if (!this.accountId) return;
      const seq = ++this.listSeq;
      this.loading = true;
      this.error = '';
      try {
        const res = await conversationsApi.list(this.accountId, this.filters);
        if (seq !== this.listSeq) return;
        this.adoptPage(res.data.payload);
        await this.loadCounts();
      } catch (err) {
        if (seq === this.listSeq) this.error = (err as Error).message;
      } finally {
        if (seq === this.listSeq) this.loading = false;
      }
    },
    /** A loaded page replaces the list; the open conversation is held apart and only refreshed from it. */
    adoptPage(page: Conversation[]) {
      this.list = page.map((c) => (c.id === this.activeId ? read(c) : c));
      const fresh = this.list.find((c) => c.id === this.activeId);
      if (fresh && this.current) this.current = { ...fresh, messages: this.current.messages };
    },
    async loadCounts() {
      const seq = ++this.countsSeq;
      const { status: _status, assignee_type, ...rest } = this.filters;
      const metas = await Promise.all(STATUS_TABS.map((status) => conversationsApi.meta(this.accountId, { ...rest, status })));
      if (seq !== this.countsSeq) return;
      this.counts = Object.fromEntries(STATUS_TABS.map((s, i) => [s, countFor(metas[i].meta, assignee_type)]));
    },
    setFilters(patch: Partial<ConversationFilters>) {
      this.filters = { ...this.filters, ...patch };
      return this.load();
    },
    async open(id: number | null) {
      this.activeId = id;
      this.thread = [];
      this.openError = '';
      const listed = id === null ? undefined : this.list.find((c) => c.id === id);
      this.current = listed ? read(listed) : null;
      if (id === null) return;
      this.list = this.list.map((c) => (c.id === id ? read(c) : c));
      this.threadLoading = true;
      try {
        // Opening a conversation reads it: the server's mark clears its unread count on every dashboard.
        const [messages, conversation] = await Promise.all([conversationsApi.messages(this.accountId, id), conversationsApi.updateLastSeen(this.accountId, id)]);
        if (this.activeId !== id) return;
        this.thread = messages.payload;
        this.current = read(conversation);
      } catch (err) {
        if (this.activeId !== id) return;
        this.current = null;
        this.openError = err instanceof ApiError && err.status === 404 ? '' : (err as Error).message;
      } finally {
        if (this.activeId === id) this.threadLoading = false;
      }
    },
    /** `snoozedUntil` (unix seconds) only with `snoozed`; without it the conversation sleeps until the next reply. */
    setStatus(status: ConversationStatus, snoozedUntil?: number) {
      return this.changeActive((id) => conversationsApi.setStatus(this.accountId, id, status, snoozedUntil));
    },
    assign(assigneeId: number | null) {
      return this.changeActive((id) => conversationsApi.assign(this.accountId, id, assigneeId));
    },
    assignTeam(teamId: number | null) {
      return this.changeActive((id) => conversationsApi.assignTeam(this.accountId, id, teamId));
    },
    setPriority(priority: Priority | null) {
      return this.changeActive((id) => conversationsApi.setPriority(this.accountId, id, priority));
    },
    setLabels(labels: string[]) {
      return this.changeActive((id) => conversationsApi.setLabels(this.accountId, id, labels));
    },
    /** Changes the open conversation, then shows it as the server has it now. */
    async changeActive(change: (id: number) => Promise<unknown>) {
      const id = this.activeId;
      if (!id) return;
      await change(id);
      this.applyChange(await conversationsApi.show(this.accountId, id));
    },
    /** One change on many conversations (then `refreshAfterBulk`). */
    bulk(ids: number[], change: BulkChange) {
      return conversationsApi.bulk(this.accountId, ids, change);
    },
    /** The list and counts reloaded after a bulk change, and the open conversation if it was one of them. */
    async refreshAfterBulk(ids: number[]) {
      await this.load();
      if (this.activeId && ids.includes(this.activeId)) this.applyChange(await conversationsApi.show(this.accountId, this.activeId));
    },
    /**
     * A conversation changed (by this agent or, through a live event, another): the open one follows,
     * the list gains or loses it by the filters, and the tab counts move with it at once.
     */
    applyChange(c: Conversation, opts: { created?: boolean } = {}) {
      const known = this.list.find((x) => x.id === c.id) ?? (this.current?.id === c.id ? this.current : null);
      if (this.current?.id === c.id) this.current = read(c);
      if (!decidableLocally(this.filters)) return void this.scheduleRefresh();
      this.list = applyConversation(this.list, c, this.filters, this.meId).map((x) => (x.id === this.activeId ? read(x) : x));
      // Without its earlier state (not on this page) a change cannot be counted here: the recount does it.
      if (known || opts.created) this.counts = moveCounts(this.counts, known, c, this.filters, this.meId);
      this.scheduleCounts();
    },
    addOwnMessage(m: Message) {
      this.thread = upsertMessage(this.thread, m);
      this.list = applyMessage(this.list, m);
    },
    async retry(messageId: number) {
      if (!this.activeId) return;
      this.thread = upsertMessage(this.thread, await conversationsApi.retry(this.accountId, this.activeId, messageId));
    },
    /** A reply taken back with Undo: it was never sent, so it leaves the thread. */
    removeOwnMessage(messageId: number) {
      this.thread = this.thread.filter((m) => m.id !== messageId);
      const last = this.thread.at(-1);
      const said = [...this.thread].reverse().find((m) => m.message_type !== 2);
      this.list = this.list.map((c) => (c.messages[0]?.id === messageId || c.last_non_activity_message?.id === messageId
        ? { ...c, messages: last?.conversation_id === c.id ? [last] : [], last_non_activity_message: said?.conversation_id === c.id ? said : null }
        : c));
    },
    setDraft(conversationId: number, has: boolean) {
      const without = this.draftIds.filter((id) => id !== conversationId);
      this.draftIds = has ? [...without, conversationId] : without;
    },
    // --- live events -----------------------------------------------------------------------
    onMessage(m: Message) {
      if (m.conversation_id === this.activeId) {
        this.thread = upsertMessage(this.thread, m);
        // An incoming message arriving in the open conversation is read as it arrives.
        if (m.message_type === 0) void conversationsApi.updateLastSeen(this.accountId, m.conversation_id).catch(() => undefined);
      }
      this.list = applyMessage(this.list, m).map((c) => (c.id === this.activeId ? read(c) : c));
    },
    onConversation(c: Conversation, created = false) {
      this.applyChange(c, { created });
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
