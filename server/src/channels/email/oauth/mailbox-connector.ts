import { UniqueConstraintError } from 'sequelize';
import type { EventBus } from '../../../extensions/events.js';
import { ChannelEmail, Inbox } from '../../../models/index.js';
import { EMAIL_CHANNEL_TYPE, type InboxService } from '../../../services/inboxes.service.js';
import type { OAuthMailboxDefinition } from '../providers/oauth-mailbox.js';
import { AppError } from '../../../lib/errors.js';
import { imapTlsOptions, smtpTlsOptions } from '../../../lib/mail-tls.js';
import type { OAuthIdentity, OAuthTokens } from './oauth-client.js';
import type { OAuthTokenService } from './oauth-token.service.js';
import type { ChannelReauthorization } from '../reauthorization.js';

export interface ConnectedMailbox {
  inbox: Inbox;
  created: boolean;
}

export interface MailboxConnectorDeps {
  inboxes: InboxService;
  reauthorization: ChannelReauthorization;
  events: EventBus;
  tokens: OAuthTokenService;
}

/**
 * The end of a successful sign-in: the account's channel for the signed-in mailbox is created with
 * its inbox, or — reconnecting — gets the new tokens and loses its `reauthorization_required_at`.
 * A mailbox already connected elsewhere (another account, another provider) is refused.
 */
export class MailboxConnector {
  constructor(private readonly deps: MailboxConnectorDeps) {}

  async connect(req: { accountId: number; mailbox: OAuthMailboxDefinition; identity: OAuthIdentity; tokens: OAuthTokens; inboxName?: string }): Promise<ConnectedMailbox> {
    const { accountId, mailbox, identity, tokens } = req;
    const existing = await ChannelEmail.findOne({ where: { email: identity.email } });
    if (existing) {
      if (existing.account_id !== accountId || existing.provider !== mailbox.id) throw this.inUse(identity.email);
      await existing.update(this.deps.tokens.columns(existing.provider_config, tokens));
      await this.deps.reauthorization.clear(existing.id);
      const inbox = await Inbox.findOne({ where: { channel_type: EMAIL_CHANNEL_TYPE, channel_id: existing.id } });
      if (!inbox) throw this.inUse(identity.email);
      await this.deps.events.emit('channel.updated', { accountId, inboxId: inbox.id, channelId: existing.id, provider: existing.provider });
      return { inbox, created: false };
    }

    const { imap, smtp } = mailbox.servers;
    const smtpTls = smtpTlsOptions(smtp.tls);
    try {
      const inbox = await this.deps.inboxes.createWithChannel(
        accountId,
        {
          email: identity.email,
          provider: mailbox.id,
          ...this.deps.tokens.columns({}, tokens),
          imap_enabled: true,
          imap_address: imap.host,
          imap_port: imap.port,
          imap_login: identity.email,
          imap_enable_ssl: imapTlsOptions(imap.tls).secure,
          smtp_enabled: true,
          smtp_address: smtp.host,
          smtp_port: smtp.port,
          smtp_login: identity.email,
          smtp_authentication: 'xoauth2',
          smtp_enable_starttls_auto: smtpTls.requireTLS,
          smtp_enable_ssl_tls: smtpTls.secure,
          smtp_openssl_verify_mode: 'peer',
        },
        { name: req.inboxName || identity.email },
      );
      return { inbox, created: true };
    } catch (err) {
      // Two sign-ins for the same mailbox raced: the unique index on the address decided.
      if (err instanceof UniqueConstraintError) throw this.inUse(identity.email);
      throw err;
    }
  }

  private inUse(email: string): AppError {
    return new AppError(`${email} is already connected to another inbox`, { status: 409, code: 'mailbox_in_use' });
  }
}
