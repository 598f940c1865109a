// Relative imports carry .js: this module is also type-checked from the mocha tests under NodeNext.
import { accountUrl, query, request } from './client.js';

export interface CannedResponse {
  id: number;
  account_id: number;
  short_code: string;
  content: string;
}

export const cannedResponsesApi = {
  list: (accountId: number, search?: string) => request<CannedResponse[]>('GET', accountUrl(accountId, `/canned_responses${query(search ? { search } : {})}`)),
  create: (accountId: number, body: { short_code: string; content: string }) => request<CannedResponse>('POST', accountUrl(accountId, '/canned_responses'), body),
  update: (accountId: number, id: number, body: { short_code: string; content: string }) => request<CannedResponse>('PATCH', accountUrl(accountId, `/canned_responses/${id}`), body),
  remove: (accountId: number, id: number) => request<void>('DELETE', accountUrl(accountId, `/canned_responses/${id}`)),
};
