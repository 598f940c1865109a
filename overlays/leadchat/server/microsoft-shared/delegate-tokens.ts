import { MailboxError, OAuthTokenService, type EmailChannel, type ExtensionContext, type MsalApps, type OAuthTokens } from '../../../../server/src/extensions/index.js';
import { MICROSOFT_SHARED } from './provider.js';
import { SCOPES_BY_TRANSPORT, TRANSPORTS, transportOf, type Transport } from './transports.js';
import { DelegateOAuthClient } from '../microsoft/delegate-oauth.client.js';

/**
 * The delegate's fresh access token for a shared inbox, from the core's token store (encrypted in the
 * channel row, refreshed < 5 min before expiry under a Redis lock, rotated refresh tokens saved,
 * `invalid_grant` → `reauthorization_required_at`). A refresh must ask for the scopes the channel's
 * transport was granted (Graph or Outlook audience), so there is one token service per transport;
 * they share the Redis lock key per channel, and a channel has one transport at a time.
 */
export class DelegateTokens {
  readonly clients: Record<Transport, DelegateOAuthClient>;
  private readonly services: Record<Transport, OAuthTokenService>;

  constructor(apps: MsalApps, ctx: Pick<ExtensionContext, 'redis' | 'config' | 'secrets' | 'logger' | 'email'>) {
    this.clients = Object.fromEntries(TRANSPORTS.map((t) => [t, new DelegateOAuthClient(apps, SCOPES_BY_TRANSPORT[t])])) as Record<Transport, DelegateOAuthClient>;
    this.services = Object.fromEntries(TRANSPORTS.map((t) => [t, new OAuthTokenService({
      redis: ctx.redis, prefix: ctx.config.REDIS_PREFIX, secrets: ctx.secrets, logger: ctx.logger.child({ component: 'microsoft_shared.tokens', transport: t }),
      refreshers: { [MICROSOFT_SHARED]: this.clients[t] }, reauthorization: ctx.email.reauthorization,
    })])) as Record<Transport, OAuthTokenService>;
  }

  accessToken(channel: EmailChannel): Promise<string> {
    return this.services[transportOf(channel)].accessToken(channel);
  }

  /** The token of a graph_full channel, for Microsoft Graph; an IMAP transport's token is for Outlook's audience. */
  graphToken(channel: EmailChannel): Promise<string> {
    if (transportOf(channel) !== 'graph_full') {
      return Promise.reject(new MailboxError(`${channel.email} is connected over IMAP; its delegate token is not valid for Microsoft Graph`, 'permanent'));
    }
    return this.accessToken(channel);
  }

  /**
   * A refresh now, whatever the stored token's expiry: the connection doctor's proof that the sign-in
   * still works. Forced through the token store, so it happens under its lock, the rotated refresh
   * token is saved and `invalid_grant` marks the channel as usual.
   */
  refreshNow(channel: EmailChannel): Promise<string> {
    return this.services[transportOf(channel)].accessToken(channel, { force: true });
  }

  /** The token columns for a new token set, merged into `providerConfig`. */
  columns(providerConfig: Record<string, unknown>, tokens: OAuthTokens) {
    return this.services.graph_full.columns(providerConfig, tokens);
  }
}
