import type { AgentBot } from '../models/index.js';

/** What the API shows with a bot: its access token and signing secret (for those allowed to see them). */
export interface AgentBotCredentials {
  accessToken: string | null;
  secret: string | null;
}

/**
 * Chatwoot's agent bot partial: `thumbnail` is its avatar, `outgoing_url` is left out of system bots
 * shown to an account (it does not learn where the installation's bot lives), `system_bot` says which it is. The
 * access token and signing secret come only when the caller may see them (`credentials`).
 */
export function serializeAgentBot(bot: AgentBot, credentials: AgentBotCredentials, inboxIds?: number[]) {
  const system = bot.account_id === null;
  return {
    id: bot.id,
    name: bot.name,
    description: bot.description ?? '',
    thumbnail: bot.avatar_url ?? '',
    ...(system && !credentials.secret ? {} : { outgoing_url: bot.outgoing_url ?? '' }),
    bot_type: bot.bot_type,
    bot_config: bot.bot_config,
    account_id: bot.account_id,
    ...(credentials.accessToken ? { access_token: credentials.accessToken } : {}),
    ...(credentials.secret ? { secret: credentials.secret } : {}),
    system_bot: system,
    ...(inboxIds ? { inbox_ids: inboxIds } : {}),
  };
}
