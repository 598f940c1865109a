import { accountUrl, request } from './client';
import type { Agent, Role } from './types';

export const agentsApi = {
  list: (accountId: number) => request<Agent[]>('GET', accountUrl(accountId, '/agents')),
  invite: (accountId: number, body: { name: string; email: string; role: Role }) => request<Agent>('POST', accountUrl(accountId, '/agents'), body),
  update: (accountId: number, id: number, body: { role: Role }) => request<Agent>('PATCH', accountUrl(accountId, `/agents/${id}`), body),
  remove: (accountId: number, id: number) => request('DELETE', accountUrl(accountId, `/agents/${id}`)),
  resendInvitation: (accountId: number, id: number) => request<Agent>('POST', accountUrl(accountId, `/agents/${id}/resend_invitation`)),
};
