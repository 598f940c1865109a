// Relative imports carry .js: this module is also type-checked from the mocha tests under NodeNext.
import { accountUrl, request } from './client.js';

/** Chatwoot's agent bot; `access_token` and `secret` come with the account's own bots, for administrators. */
export interface AgentBot {
  id: number;
  name: string;
  description: string;
  thumbnail: string;
  outgoing_url?: string;
  bot_type: 'webhook';
  bot_config: Record<string, unknown>;
  account_id: number | null;
  access_token?: string;
  secret?: string;
  system_bot: boolean;
  inbox_ids: number[];
}

export interface AgentBotInput {
  name: string;
  description: string;
  outgoing_url: string;
}

export const agentBotsApi = {
  list: (accountId: number) => request<AgentBot[]>('GET', accountUrl(accountId, '/agent_bots')),
  create: (accountId: number, body: AgentBotInput) => request<AgentBot>('POST', accountUrl(accountId, '/agent_bots'), body),
  update: (accountId: number, id: number, body: Partial<AgentBotInput>) => request<AgentBot>('PATCH', accountUrl(accountId, `/agent_bots/${id}`), body),
  remove: (accountId: number, id: number) => request<void>('DELETE', accountUrl(accountId, `/agent_bots/${id}`)),
  resetToken: (accountId: number, id: number) => request<AgentBot>('POST', accountUrl(accountId, `/agent_bots/${id}/reset_access_token`)),
  ofInbox: async (accountId: number, inboxId: number) => (await request<{ agent_bot: AgentBot | null }>('GET', accountUrl(accountId, `/inboxes/${inboxId}/agent_bot`))).agent_bot,
  setForInbox: (accountId: number, inboxId: number, agentBotId: number | null) => request<void>('POST', accountUrl(accountId, `/inboxes/${inboxId}/set_agent_bot`), { agent_bot: agentBotId }),
};
