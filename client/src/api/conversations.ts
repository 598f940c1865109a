// Relative imports carry .js: this module is also type-checked from the mocha tests under NodeNext.
import { accountUrl, query, request } from './client.js';
import type { Agent, Conversation, ConversationCounts, ConversationStatus, Message } from './types.js';

export interface ConversationFilters {
  status: ConversationStatus | 'all';
  assignee_type: 'all' | 'me' | 'unassigned' | 'assigned';
  inbox_id?: number;
  q?: string;
}

export const conversationsApi = {
  list: (accountId: number, f: ConversationFilters, page = 1) =>
    request<{ data: { meta: ConversationCounts; payload: Conversation[] } }>('GET', accountUrl(accountId, `/conversations${query({ ...f, page })}`)),
  meta: (accountId: number, f: Omit<ConversationFilters, 'assignee_type'>) =>
    request<{ meta: ConversationCounts }>('GET', accountUrl(accountId, `/conversations/meta${query({ ...f })}`)),
  show: (accountId: number, id: number) => request<Conversation>('GET', accountUrl(accountId, `/conversations/${id}`)),
  setStatus: (accountId: number, id: number, status: ConversationStatus) =>
    request('POST', accountUrl(accountId, `/conversations/${id}/toggle_status`), { status }),
  assign: (accountId: number, id: number, assigneeId: number | null) =>
    request<Agent | null>('POST', accountUrl(accountId, `/conversations/${id}/assignments`), { assignee_id: assigneeId }),
  messages: (accountId: number, id: number) => request<{ payload: Message[] }>('GET', accountUrl(accountId, `/conversations/${id}/messages`)),
  reply: (accountId: number, id: number, body: FormData) => request<Message>('POST', accountUrl(accountId, `/conversations/${id}/messages`), body),
  /**
   * A contact's conversations. The server has no contact filter yet (Chatwoot's
   * `GET /contacts/:id/conversations`), so this reads the most recent pages and keeps the contact's.
   */
  async ofContact(accountId: number, contactId: number, maxPages = 4): Promise<Conversation[]> {
    const found: Conversation[] = [];
    for (let page = 1; page <= maxPages; page++) {
      const { payload } = (await this.list(accountId, { status: 'all', assignee_type: 'all' }, page)).data;
      found.push(...payload.filter((c) => c.meta.sender?.id === contactId));
      if (payload.length < 25) break;
    }
    return found;
  },
  retry: (accountId: number, id: number, messageId: number) =>
    request<Message>('POST', accountUrl(accountId, `/conversations/${id}/messages/${messageId}/retry`)),
};
