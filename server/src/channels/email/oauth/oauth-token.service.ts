import type { Redis } from 'ioredis';
import type { SecretBox } from '../../../lib/crypto.js';
import { MailboxError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import { ChannelEmail } from '../../../models/index.js';
import { OAuthGrantError, type OAuthTokens, type TokenRefresher } from './oauth-client.js';
import { RefreshingTokenStore, type StoredOAuthSecrets, type TokenTableAdapter } from './refreshing-token-store.js';
import type { ChannelReauthorization } from '../reauthorization.js';

export type { StoredOAuthSecrets };

export interface OAuthTokenServiceDeps {
  redis: Redis;
  /** REDIS_PREFIX: refresh locks live under `<prefix>:oauth-refresh:<channel id>`. */
  prefix: string;
  secrets: SecretBox;
  logger: Logger;
  /** By channel provider id. */
  refreshers: Record<string, TokenRefresher>;
  /** Refresh when less than this is left (5 minutes). */
  marginMs?: number;
  /** Marks the channel (and tells its administrators) when a refresh is refused for good. */
  reauthorization: Pick<ChannelReauthorization, 'require'>;
}

type TokenColumns = Pick<ChannelEmail, 'provider_secrets_ciphertext' | 'provider_config'>;

const reauthError = (channel: ChannelEmail) =>
  new MailboxError(`${channel.email} must be reconnected by an administrator (its sign-in is no longer valid)`, 'reauth');

/** Email channels on the refreshing token store: tokens encrypted in the row, the expiry in `provider_config.token_expires_at`. */
function channelTokenTable(deps: OAuthTokenServiceDeps): TokenTableAdapter<ChannelEmail> {
  return {
    key: (channel) => String(channel.id),
    reload: (channel) => ChannelEmail.findByPk(channel.id),
    tokens: (channel) => ({ ciphertext: channel.provider_secrets_ciphertext, expiresAt: String(channel.provider_config?.token_expires_at ?? '') || null }),
    blocked: (channel) => (channel.reauthorization_required_at ? reauthError(channel) : undefined),
    unusable: (channel, reason) => (reason === 'gone' ? new MailboxError(`Email channel ${channel.id} no longer exists`, 'permanent') : reauthError(channel)),
    refresh: (channel, refreshToken) => {
      const refresher = deps.refreshers[channel.provider];
      if (!refresher) throw new MailboxError(`No OAuth client for provider "${channel.provider}"`, 'permanent');
      return refresher.refresh(refreshToken);
    },
    save: async (channel, tokens, ciphertext) => {
      await channel.update({ provider_secrets_ciphertext: ciphertext, provider_config: { ...channel.provider_config, token_expires_at: tokens.expiresAt.toISOString() } });
    },
    adopt: (target, fresh) => target.set({ provider_secrets_ciphertext: fresh.provider_secrets_ciphertext, provider_config: fresh.provider_config }, { raw: true }),
    requireReauthorization: async (channel, err) => {
      await deps.reauthorization.require(channel.id, `the sign-in of ${channel.email} is no longer valid (${err.code})`);
      return new MailboxError(`The sign-in of ${channel.email} is no longer valid (${err.code}); an administrator must reconnect the inbox`, 'reauth', { cause: err });
    },
    refreshFailed: (channel, err) => {
      if (err instanceof MailboxError) return err;
      if (err instanceof OAuthGrantError) return new MailboxError(`Refreshing the sign-in of ${channel.email} failed: ${err.code}`, 'permanent', { cause: err });
      return new MailboxError(`Refreshing the sign-in of ${channel.email} failed: ${(err as Error)?.message ?? 'unknown error'}`, 'transient', { cause: err });
    },
  };
}

/**
 * Fresh access tokens for OAuth email channels: the core's refreshing token store over the channel
 * row. `invalid_grant` marks the channel `reauthorization_required_at` (telling its administrators)
 * and throws MailboxError('reauth').
 */
export class OAuthTokenService {
  private readonly store: RefreshingTokenStore<ChannelEmail>;

  constructor(deps: OAuthTokenServiceDeps) {
    this.store = new RefreshingTokenStore({
      redis: deps.redis, lockPrefix: `${deps.prefix}:oauth-refresh`, secrets: deps.secrets, logger: deps.logger, marginMs: deps.marginMs,
      table: channelTokenTable(deps),
    });
  }

  /** The columns that store a token set, merged into the channel's existing provider_config. */
  columns(providerConfig: Record<string, unknown> | undefined, tokens: OAuthTokens): TokenColumns {
    return {
      provider_secrets_ciphertext: this.store.encrypt(tokens),
      provider_config: { ...providerConfig, token_expires_at: tokens.expiresAt.toISOString() },
    };
  }

  accessToken(channel: ChannelEmail, opts: { force?: boolean } = {}): Promise<string> {
    return this.store.accessToken(channel, opts);
  }
}
