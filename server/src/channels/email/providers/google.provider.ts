import type { Config } from '../../../config.js';
import type { OAuthTokenService } from '../oauth/oauth-token.service.js';
import { createOAuthMailboxProvider, type OAuthMailboxDefinition } from './oauth-mailbox.js';

/** A user's own Google Workspace / Gmail mailbox over OAuth (XOAUTH2), created by its sign-in flow. */
export function googleMailbox(config: Config): OAuthMailboxDefinition {
  return {
    id: 'google',
    label: 'Google',
    servers: {
      imap: { host: config.GOOGLE_IMAP_HOST, port: config.GOOGLE_IMAP_PORT, tls: config.GOOGLE_IMAP_TLS },
      smtp: { host: config.GOOGLE_SMTP_HOST, port: config.GOOGLE_SMTP_PORT, tls: config.GOOGLE_SMTP_TLS },
    },
  };
}

export function createGoogleProvider(config: Config, tokens: Pick<OAuthTokenService, 'accessToken'>) {
  return createOAuthMailboxProvider(googleMailbox(config), tokens);
}
