import type { Config } from '../../../config.js';
import type { OAuthTokenService } from '../oauth/oauth-token.service.js';
import { createOAuthMailboxProvider, type OAuthMailboxDefinition } from './oauth-mailbox.js';

/** A user's own Microsoft 365 mailbox over OAuth (XOAUTH2), created by its sign-in flow. */
export function microsoftMailbox(config: Config): OAuthMailboxDefinition {
  return {
    id: 'microsoft',
    label: 'Microsoft 365',
    servers: {
      imap: { host: config.MICROSOFT_IMAP_HOST, port: config.MICROSOFT_IMAP_PORT, tls: config.MICROSOFT_IMAP_TLS },
      smtp: { host: config.MICROSOFT_SMTP_HOST, port: config.MICROSOFT_SMTP_PORT, tls: config.MICROSOFT_SMTP_TLS },
    },
  };
}

export function createMicrosoftProvider(config: Config, tokens: Pick<OAuthTokenService, 'accessToken'>) {
  return createOAuthMailboxProvider(microsoftMailbox(config), tokens);
}
