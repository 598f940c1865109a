import type { Redis } from 'ioredis';
import type { SecretBox } from '../../../lib/crypto.js';
import { MailboxError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import { withRedisLock } from '../../../lib/redis-lock.js';
import { ChannelEmail } from '../../../models/index.js';
import { OAuthGrantError, type OAuthTokens, type TokenRefresher } from './oauth-client.js';
import type { ChannelReauthorization } from '../reauthorization.js';

/** What `provider_secrets_ciphertext` holds (encrypted) for an OAuth channel. */
export interface StoredOAuthSecrets {
  access_token: string;
  refresh_token: string;
}

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

/** A refresh is one token request; the lease bounds how long a crashed refresher blocks the others. */
const REFRESH_LOCK = { leaseMs: 30_000, waitMs: 35_000 };

/**
 * Fresh access tokens for OAuth channels (Chatwoot's RefreshOauthTokenService). Tokens live
 * encrypted in the channel row, the expiry in `provider_config.token_expires_at`. A token with less
 * than 5 minutes left is refreshed; refreshes of one channel are serialised within the process
 * (one promise per channel) and across web and worker processes (a Redis lock, after which the row is
 * re-read: another process may have refreshed already). That matters because Microsoft rotates
 * refresh tokens and answers `invalid_grant` to a reused one. A rotated refresh token is saved;
 * `invalid_grant` marks the channel `reauthorization_required_at` and throws MailboxError('reauth').
 */
export class OAuthTokenService {
  private readonly inFlight = new Map<number, Promise<ChannelEmail>>();
  private readonly marginMs: number;

  constructor(private readonly deps: OAuthTokenServiceDeps) {
    this.marginMs = deps.marginMs ?? 5 * 60_000;
  }

  /** The columns that store a token set, merged into the channel's existing provider_config. */
  columns(providerConfig: Record<string, unknown> | undefined, tokens: OAuthTokens): TokenColumns {
    const secrets: StoredOAuthSecrets = { access_token: tokens.accessToken, refresh_token: tokens.refreshToken };
    return {
      provider_secrets_ciphertext: this.deps.secrets.encryptJson(secrets),
      provider_config: { ...providerConfig, token_expires_at: tokens.expiresAt.toISOString() },
    };
  }

  async accessToken(channel: ChannelEmail): Promise<string> {
    if (channel.reauthorization_required_at) throw this.reauthError(channel);
    const usable = this.usableToken(channel);
    if (usable) return usable;
    let pending = this.inFlight.get(channel.id);
    if (!pending) {
      pending = this.refreshExclusively(channel.id).finally(() => this.inFlight.delete(channel.id));
      this.inFlight.set(channel.id, pending);
    }
    const current = await pending;
    channel.set({ provider_secrets_ciphertext: current.provider_secrets_ciphertext, provider_config: current.provider_config }, { raw: true });
    return this.usableToken(current) ?? this.stored(current).access_token;
  }

  private async refreshExclusively(channelId: number): Promise<ChannelEmail> {
    return withRedisLock(this.deps.redis, `${this.deps.prefix}:oauth-refresh:${channelId}`, REFRESH_LOCK, async () => {
      const row = await ChannelEmail.findByPk(channelId);
      if (!row) throw new MailboxError(`Email channel ${channelId} no longer exists`, 'permanent');
      if (row.reauthorization_required_at) throw this.reauthError(row);
      if (this.usableToken(row)) return row;
      const refresher = this.deps.refreshers[row.provider];
      if (!refresher) throw new MailboxError(`No OAuth client for provider "${row.provider}"`, 'permanent');
      let tokens: OAuthTokens;
      try {
        tokens = await refresher.refresh(this.stored(row).refresh_token);
      } catch (err) {
        throw await this.refreshFailure(row, err);
      }
      await row.update(this.columns(row.provider_config, tokens));
      this.deps.logger.info({ channelId, provider: row.provider, expiresAt: tokens.expiresAt }, 'oauth token refreshed');
      return row;
    });
  }

  private async refreshFailure(row: ChannelEmail, err: unknown): Promise<MailboxError> {
    if (err instanceof OAuthGrantError && err.code === 'invalid_grant') {
      await this.deps.reauthorization.require(row.id, `the sign-in of ${row.email} is no longer valid (${err.code})`);
      return new MailboxError(`The sign-in of ${row.email} is no longer valid (${err.code}); an administrator must reconnect the inbox`, 'reauth', { cause: err });
    }
    if (err instanceof OAuthGrantError) return new MailboxError(`Refreshing the sign-in of ${row.email} failed: ${err.code}`, 'permanent', { cause: err });
    return new MailboxError(`Refreshing the sign-in of ${row.email} failed: ${(err as Error)?.message ?? 'unknown error'}`, 'transient', { cause: err });
  }

  private usableToken(channel: ChannelEmail): string | undefined {
    const expiresAt = Date.parse(String(channel.provider_config?.token_expires_at ?? ''));
    if (!channel.provider_secrets_ciphertext || !(expiresAt - Date.now() > this.marginMs)) return undefined;
    return this.stored(channel).access_token;
  }

  private stored(channel: ChannelEmail): StoredOAuthSecrets {
    if (!channel.provider_secrets_ciphertext) throw this.reauthError(channel);
    return this.deps.secrets.decryptJson<StoredOAuthSecrets>(channel.provider_secrets_ciphertext);
  }

  private reauthError(channel: ChannelEmail): MailboxError {
    return new MailboxError(`${channel.email} must be reconnected by an administrator (its sign-in is no longer valid)`, 'reauth');
  }
}
