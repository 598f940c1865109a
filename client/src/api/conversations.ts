// Relative imports carry .js: this module is also type-checked from the mocha tests under NodeNext.
import { accountUrl, query, request } from './client.js';
import type { Agent, Conversation, ConversationCounts, ConversationStatus, Message, Priority } from './types.js';

export interface ConversationFilters {
  status: ConversationStatus | 'all';
  assignee_type: 'all' | 'me' | 'unassigned' | 'assigned';
  inbox_id?: number;
  team_id?: number;
  /** Conversations carrying every one of these labels. */
  labels?: string[];
  q?: string;
}

/** The filters as query parameters (the server takes `labels=a,b` as well as Chatwoot's `labels[]`). */
const params = (f: Partial<ConversationFilters>) => ({ ...f, labels: f.labels?.join(',') });

/** Chatwoot's bulk change: the same fields and label changes on many conversations. */
export interface BulkChange {
  fields?: { status?: ConversationStatus; snoozed_until?: number | null; assignee_id?: number | null; team_id?: number | null };
  labels?: { add?: string[]; remove?: string[] };
}

export const conversationsApi = {
  list: (accountId: number, f: ConversationFilters, page = 1) =>
    request<{ data: { meta: ConversationCounts; payload: Conversation[] } }>('GET', accountUrl(accountId, `/conversations${query({ ...params(f), page })}`)),
  meta: (accountId: number, f: Omit<ConversationFilters, 'assignee_type'>) =>
    request<{ meta: ConversationCounts }>('GET', accountUrl(accountId, `/conversations/meta${query(params(f))}`)),
  show: (accountId: number, id: number) => request<Conversation>('GET', accountUrl(accountId, `/conversations/${id}`)),
  /** `snoozedUntil` (unix seconds) with `snoozed`; without it the conversation sleeps until the next reply. */
  setStatus: (accountId: number, id: number, status: ConversationStatus, snoozedUntil?: number) =>
    request('POST', accountUrl(accountId, `/conversations/${id}/toggle_status`), { status, ...(snoozedUntil ? { snoozed_until: snoozedUntil } : {}) }),
  assign: (accountId: number, id: number, assigneeId: number | null) =>
    request<Agent | null>('POST', accountUrl(accountId, `/conversations/${id}/assignments`), { assignee_id: assigneeId }),
  assignTeam: (accountId: number, id: number, teamId: number | null) => request('POST', accountUrl(accountId, `/conversations/${id}/assignments`), { team_id: teamId }),
  setPriority: (accountId: number, id: number, priority: Priority | null) => request('POST', accountUrl(accountId, `/conversations/${id}/toggle_priority`), { priority }),
  setLabels: (accountId: number, id: number, labels: string[]) => request<{ payload: string[] }>('POST', accountUrl(accountId, `/conversations/${id}/labels`), { labels }),
  bulk: (accountId: number, ids: number[], change: BulkChange) => request('POST', accountUrl(accountId, '/bulk_actions'), { type: 'Conversation', ids, ...change }),
  messages: (accountId: number, id: number) => request<{ payload: Message[] }>('GET', accountUrl(accountId, `/conversations/${id}/messages`)),
  reply: (accountId: number, id: number, body: FormData) => request<Message>('POST', accountUrl(accountId, `/conversations/${id}/messages`), body),
  /** Marks the conversation read up to now (clears its unread count); answers the conversation. */
  updateLastSeen: (accountId: number, id: number) => request<Conversation>('POST', accountUrl(accountId, `/conversations/${id}/update_last_seen`)),
  retry: (accountId: number, id: number, messageId: number) =>
    request<Message>('POST', accountUrl(accountId, `/conversations/${id}/messages/${messageId}/retry`)),
  replyLimits: (accountId: number, id: number) =>
    request<{ max_message_bytes: number | null; max_attachment_bytes: number; undo_seconds: number }>('GET', accountUrl(accountId, `/conversations/${id}/reply_limits`)),
  /** Undo send: takes back a reply still inside its undo window; answers the message as it was. */
  cancel: (accountId: number, id: number, messageId: number) =>
    request<Message>('POST', accountUrl(accountId, `/conversations/${id}/messages/${messageId}/cancel`)),
  forward: (accountId: number, id: number, messageId: number, body: { to_emails: string; cc_emails?: string; bcc_emails?: string; content: string; html_content: string }) =>
    request<Message>('POST', accountUrl(accountId, `/conversations/${id}/messages/${messageId}/forward`), body),
};
