import type { EmailChannelFields, EmailProvider } from '../../../../server/src/extensions/index.js';
import type { SharedInboxConfig } from './shared-inbox.types.js';
import type { DelegateTokens } from './delegate-tokens.js';
import { GRAPH_SEND_DELIVERY } from './graph-send.delivery.js';
import { imapServer, smtpServer, type MailServerConfig } from './mail-servers.js';
import { transportOf } from './transports.js';

export const MICROSOFT_SHARED = 'microsoft_shared';

/** Is this channel a Microsoft 365 shared inbox (any transport)? */
export function isMicrosoftShared(channel: EmailChannelFields): boolean {
  return channel.provider === MICROSOFT_SHARED;
}

/**
 * The provider entry: one MIME (built by the core's reply mailer), three deliveries. Channels are
 * created only by the OAuth callback, after access to the shared mailbox has been verified, so the
 * inbox API refuses to create one directly. Servers come from config at every call.
 *
 * - IMAP transports read the SHARED mailbox: user = its UPN, password = the delegate's Outlook token
 *   (Exchange lets a delegate with Full Access open it that way); `graph_full` does not use IMAP.
 * - `graph_full` sends through Graph `sendMail` on the shared mailbox; `imap_smtp` through SMTP
 *   XOAUTH2 as the delegate with `From:` the shared mailbox (Exchange applies Send As);
 *   `imap_leadmail` through the core's LeadMail delivery.
 */
export function createMicrosoftSharedProvider(deps: { config: MailServerConfig; tokens: Pick<DelegateTokens, 'accessToken'> }): EmailProvider {
  const { config, tokens } = deps;
  return {
    id: MICROSOFT_SHARED,
    label: 'Microsoft 365 shared inbox',
    matches: isMicrosoftShared,
    creatableViaApi: false,
    async imapAccess(channel) {
      if (transportOf(channel) === 'graph_full') return null;
      return { ...imapServer(config), auth: { user: channel.email, accessToken: await tokens.accessToken(channel) } };
    },
    async outbound(channel) {
      switch (transportOf(channel)) {
        case 'graph_full':
          return { method: GRAPH_SEND_DELIVERY, settings: {} };
        case 'imap_leadmail':
          return { method: 'leadmail', settings: {} };
        case 'imap_smtp': {
          const delegate = (channel.provider_config as unknown as SharedInboxConfig).delegate_upn;
          return {
            method: 'smtp',
            settings: { ...smtpServer(config), auth: { user: delegate, accessToken: await tokens.accessToken(channel) } },
          };
        }
      }
    },
  };
}
