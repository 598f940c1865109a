import { query, request } from './client';

export interface ReportTotals {
  conversations_count: number;
  incoming_messages_count: number;
  outgoing_messages_count: number;
  avg_first_response_time: number | null;
  avg_resolution_time: number | null;
  resolutions_count: number;
}
export interface AgentLoad {
  id: number;
  name: string;
  email: string;
  metric: { open: number; unattended: number };
}

const v2 = (accountId: number, path: string) => `/api/v2/accounts/${accountId}${path}`;

export const reportsApi = {
  summary: (accountId: number, since: number, until: number) => request<ReportTotals & { previous: ReportTotals }>('GET', v2(accountId, `/reports/summary${query({ type: 'account', since, until })}`)),
  series: (accountId: number, metric: keyof ReportTotals, since: number, until: number) =>
    request<{ value: number; timestamp: number }[]>('GET', v2(accountId, `/reports${query({ metric, type: 'account', since, until })}`)),
  open: (accountId: number) => request<{ open: number; unattended: number; unassigned: number }>('GET', v2(accountId, `/reports/conversations${query({ type: 'account' })}`)),
  agents: (accountId: number) => request<AgentLoad[]>('GET', v2(accountId, `/reports/conversations${query({ type: 'agent' })}`)),
};
