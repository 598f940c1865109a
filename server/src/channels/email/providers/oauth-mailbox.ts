import type { EmailProvider } from '../../../extensions/types.js';
import { imapTlsOptions, smtpTlsOptions, type TlsMode } from '../../../lib/mail-tls.js';
import type { OAuthTokenService } from '../oauth/oauth-token.service.js';

export interface MailServers {
  imap: { host: string; port: number; tls: TlsMode };
  smtp: { host: string; port: number; tls: TlsMode };
}

/** A user's own mailbox at an OAuth identity provider: what differs between `microsoft` and `google`. */
export interface OAuthMailboxDefinition {
  id: string;
  label: string;
  servers: MailServers;
}

/**
 * IMAP and SMTP with XOAUTH2 for an OAuth mailbox. Servers come from config at every call (so a
 * config change applies to existing channels), each with its configured TLS mode. The login is the signed-in user's address (`imap_login`), the token a fresh one.
 */
export function createOAuthMailboxProvider(def: OAuthMailboxDefinition, tokens: Pick<OAuthTokenService, 'accessToken'>): EmailProvider {
  return {
    id: def.id,
    label: def.label,
    creatableViaApi: false,
    async imapAccess(channel) {
      const { host, port, tls } = def.servers.imap;
      return { host, port, ...imapTlsOptions(tls), auth: { user: channel.imap_login || channel.email, accessToken: await tokens.accessToken(channel) } };
    },
    async outbound(channel) {
      const { host, port, tls } = def.servers.smtp;
      return {
        method: 'smtp',
        settings: {
          host,
          port,
          ...smtpTlsOptions(tls),
          auth: { type: 'OAuth2', user: channel.smtp_login || channel.imap_login || channel.email, accessToken: await tokens.accessToken(channel) },
        },
      };
    },
  };
}
