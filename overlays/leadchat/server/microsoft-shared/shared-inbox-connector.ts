import { UniqueConstraintError } from 'sequelize';
import { AppError, type EmailChannel, type ExtensionContext, type OAuthTokens } from '../../../../server/src/extensions/index.js';
import type { SharedInboxConfig } from './shared-inbox.types.js';
import type { Delegate } from '../microsoft/delegate-oauth.client.js';
import type { DelegateTokens } from './delegate-tokens.js';
import { imapServer, smtpServer } from './mail-servers.js';
import { MICROSOFT_SHARED } from './provider.js';
import type { Transport } from './transports.js';

export interface ConnectRequest {
  accountId: number;
  mailbox: string;
  transport: Transport;
  delegate: Delegate;
  tokens: OAuthTokens;
  inboxName?: string;
  /** Reconnect: the inbox whose channel gets the new sign-in. */
  inboxId?: number;
}

/**
 * The end of a verified sign-in: creates the shared inbox's channel and inbox through the core
 * (`channel.created` starts its fetch), or — reconnecting — gives the same channel the new delegate,
 * tokens and transport, clears `reauthorization_required_at` and announces `channel.updated`, so
 * fetching resumes from its cursor. A mailbox connected elsewhere is refused.
 */
export class SharedInboxConnector {
  constructor(private readonly deps: { ctx: Pick<ExtensionContext, 'config' | 'models' | 'events' | 'email'>; tokens: Pick<DelegateTokens, 'columns'> }) {}

  async connect(req: ConnectRequest): Promise<{ inboxId: number; created: boolean }> {
    const { models, events, email } = this.deps.ctx;
    if (req.inboxId) {
      const inbox = await models.Inbox.findOne({ where: { id: req.inboxId, account_id: req.accountId } });
      const channel = inbox && (await models.ChannelEmail.findByPk(inbox.channel_id));
      if (!inbox || !channel || channel.provider !== MICROSOFT_SHARED || channel.email !== req.mailbox) {
        throw new AppError('The inbox to reconnect no longer exists', { status: 404, code: 'inbox_not_found' });
      }
      await channel.update(this.columns(req, channel.provider_config));
      await email.reauthorization.clear(channel.id);
      await events.emit('channel.updated', { accountId: req.accountId, inboxId: inbox.id, channelId: channel.id, provider: MICROSOFT_SHARED });
      return { inboxId: inbox.id, created: false };
    }
    if (await models.ChannelEmail.findOne({ where: { email: req.mailbox } })) throw inUse(req.mailbox);
    try {
      const inbox = await email.createInbox(req.accountId, { email: req.mailbox, provider: MICROSOFT_SHARED, ...this.columns(req, {}) }, { name: req.inboxName || req.mailbox });
      return { inboxId: inbox.id, created: true };
    } catch (err) {
      // Two sign-ins for the same mailbox raced: the unique index on the address decided.
      if (err instanceof UniqueConstraintError) throw inUse(req.mailbox);
      throw err;
    }
  }

  /** provider_config per SharedInboxConfig (plus the token expiry), tokens encrypted, and the IMAP/SMTP columns the transport uses. */
  private columns(req: ConnectRequest, current: Record<string, unknown>): Partial<EmailChannel> {
    const { config } = this.deps.ctx;
    const shared: SharedInboxConfig = { transport: req.transport, tenant_id: req.delegate.tenantId, delegate_upn: req.delegate.upn, delegate_oid: req.delegate.oid };
    const imap = req.transport !== 'graph_full';
    const smtp = req.transport === 'imap_smtp';
    const imapAt = imapServer(config);
    const smtpAt = smtpServer(config);
    return {
      ...this.deps.tokens.columns({ ...current, ...shared }, req.tokens),
      imap_enabled: imap,
      imap_address: imap ? imapAt.host : '',
      imap_port: imap ? imapAt.port : 0,
      // Exchange opens the shared mailbox for a delegate's token when the login names the shared mailbox.
      imap_login: imap ? req.mailbox : '',
      imap_enable_ssl: imap && imapAt.secure,
      smtp_enabled: smtp,
      smtp_address: smtp ? smtpAt.host : '',
      smtp_port: smtp ? smtpAt.port : 0,
      smtp_login: smtp ? req.delegate.upn : '',
      smtp_authentication: smtp ? 'xoauth2' : 'login',
      smtp_enable_ssl_tls: smtp && smtpAt.secure,
      smtp_enable_starttls_auto: smtp ? smtpAt.requireTLS : true,
    };
  }
}

function inUse(email: string): AppError {
  return new AppError(`${email} is already connected to an inbox`, { status: 409, code: 'mailbox_in_use' });
}
