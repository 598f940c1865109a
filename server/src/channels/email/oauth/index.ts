import type { Redis } from 'ioredis';
import type { Config } from '../../../config.js';
import type { EventBus } from '../../../extensions/events.js';
import type { SecretBox } from '../../../lib/crypto.js';
import type { Logger } from '../../../lib/logger.js';
import { OAuthHandshake } from '../../../api/oauth-handshake/oauth-handshake.js';
import { googleMailbox } from '../providers/google.provider.js';
import { microsoftMailbox } from '../providers/microsoft.provider.js';
import { GoogleOAuthClient } from './google-oauth.client.js';
import { MailboxConnector } from './mailbox-connector.js';
import type { InboxService } from '../../../services/inboxes.service.js';
import type { ChannelReauthorization } from '../reauthorization.js';
import { MicrosoftOAuthClient } from './microsoft-oauth.client.js';
import { EmailOAuthFlow, type OAuthMailbox } from './oauth-flow.js';
import { OAuthTokenService } from './oauth-token.service.js';

export interface EmailOAuth {
  mailboxes: OAuthMailbox[];
  tokens: OAuthTokenService;
  flow: EmailOAuthFlow;
}

/** The core's OAuth mailboxes (`microsoft`, `google`) with their token service and sign-in flow. */
export function createEmailOAuth(deps: { config: Config; logger: Logger; redis: Redis; secrets: SecretBox; events: EventBus; inboxes: InboxService; reauthorization: ChannelReauthorization }): EmailOAuth {
  const { config, redis } = deps;
  const logger = deps.logger.child({ component: 'email-oauth' });
  const mailboxes: OAuthMailbox[] = [
    { definition: microsoftMailbox(config), client: new MicrosoftOAuthClient(config, logger) },
    { definition: googleMailbox(config), client: new GoogleOAuthClient(config) },
  ];
  const tokens = new OAuthTokenService({
    redis, prefix: config.REDIS_PREFIX, secrets: deps.secrets, logger, reauthorization: deps.reauthorization,
    refreshers: Object.fromEntries(mailboxes.map((m) => [m.definition.id, m.client])),
  });
  const connector = new MailboxConnector({ inboxes: deps.inboxes, reauthorization: deps.reauthorization, events: deps.events, tokens });
  const flow = new EmailOAuthFlow({ config, handshake: new OAuthHandshake({ config, redis, logger }), connector, logger });
  return { mailboxes, tokens, flow };
}
