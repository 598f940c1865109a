import { accountUrl, request } from './client';
import type { Agent, Label, Team } from './types';

export type LabelInput = Pick<Label, 'title' | 'color'> & { description?: string | null };

export const labelsApi = {
  list: (accountId: number) => request<{ payload: Label[] }>('GET', accountUrl(accountId, '/labels')),
  create: (accountId: number, body: LabelInput) => request<Label>('POST', accountUrl(accountId, '/labels'), body),
  update: (accountId: number, id: number, body: Partial<LabelInput>) => request<Label>('PATCH', accountUrl(accountId, `/labels/${id}`), body),
  remove: (accountId: number, id: number) => request('DELETE', accountUrl(accountId, `/labels/${id}`)),
  contactLabels: (accountId: number, contactId: number) => request<{ payload: string[] }>('GET', accountUrl(accountId, `/contacts/${contactId}/labels`)),
  setContactLabels: (accountId: number, contactId: number, labels: string[]) => request<{ payload: string[] }>('POST', accountUrl(accountId, `/contacts/${contactId}/labels`), { labels }),
};

export const teamsApi = {
  list: (accountId: number) => request<Team[]>('GET', accountUrl(accountId, '/teams')),
  create: (accountId: number, body: { name: string; description?: string }) => request<Team>('POST', accountUrl(accountId, '/teams'), body),
  remove: (accountId: number, id: number) => request('DELETE', accountUrl(accountId, `/teams/${id}`)),
  members: (accountId: number, id: number) => request<Agent[]>('GET', accountUrl(accountId, `/teams/${id}/team_members`)),
  setMembers: (accountId: number, id: number, userIds: number[]) => request<Agent[]>('PATCH', accountUrl(accountId, `/teams/${id}/team_members`), { user_ids: userIds }),
};
