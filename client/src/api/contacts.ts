import { accountUrl, query, request } from './client';
import type { Contact, Conversation } from './types';

type ContactList = { meta: { count: number; current_page: number }; payload: Contact[] };

export const contactsApi = {
  list: (accountId: number, page = 1) => request<ContactList>('GET', accountUrl(accountId, `/contacts${query({ page, sort: '-last_activity_at' })}`)),
  search: (accountId: number, q: string, page = 1) => request<ContactList>('GET', accountUrl(accountId, `/contacts/search${query({ q, page })}`)),
  show: (accountId: number, id: number) => request<{ payload: Contact }>('GET', accountUrl(accountId, `/contacts/${id}`)),
  conversations: (accountId: number, id: number) => request<{ payload: Conversation[] }>('GET', accountUrl(accountId, `/contacts/${id}/conversations`)),
};
