import { OAuthGrantError, withRedisLock, type ExtensionContext, type OAuthTokens } from '../../../../../server/src/extensions/index.js';
import { ReauthorizationRequired, type Connection, type ConnectionTokens } from '../contracts.js';
import { GoogleAccount, MicrosoftAccount, type Provider } from '../models.js';
import type { GoogleConnectClient } from './google-connect.client.js';
import type { MicrosoftConnectClient } from './microsoft-connect.client.js';
import { asRow, providerLabel as label, providerOf } from './connection-row.js';
import { withoutTraceId } from './consent-problems.js';

/** What `tokens_ciphertext` holds, encrypted with the installation's SecretBox. */
export interface StoredTokens {
  access_token: string;
  refresh_token: string;
}

const MARGIN_MS = 5 * 60_000;
const LOCK = { leaseMs: 30_000, waitMs: 35_000 };

export interface ConnectionTokensDeps {
  ctx: Pick<ExtensionContext, 'redis' | 'config' | 'secrets' | 'logger'>;
  microsoft: Pick<MicrosoftConnectClient, 'refresh'>;
  google: Pick<GoogleConnectClient, 'refresh'>;
}

/**
 * Fresh access tokens for metadata-sync connections. Tokens live encrypted in the connection row with
 * `token_expires_at`; one with less than 5 minutes left (or any, when `force`d after a 401) is
 * refreshed. Refreshes of one connection run once per process (a shared promise) and once across
 * processes (a Redis lock, then the row is read again: another process may have refreshed already) —
 * Microsoft rotates refresh tokens and answers `invalid_grant` to a reused one. `invalid_grant`
 * marks the connection `reauthorization_required` (with `revoked_at`: when the provider refused the
 * grant; a reconnect clears both) and throws ReauthorizationRequired.
 */
export class MetadataConnectionTokens implements ConnectionTokens {
  private readonly inFlight = new Map<string, Promise<Connection>>();

  constructor(private readonly deps: ConnectionTokensDeps) {}

  /** The columns that store a token set. */
  columns(tokens: OAuthTokens): Pick<Connection, 'tokens_ciphertext' | 'token_expires_at'> {
    const stored: StoredTokens = { access_token: tokens.accessToken, refresh_token: tokens.refreshToken };
    return { tokens_ciphertext: this.deps.ctx.secrets.encryptJson(stored), token_expires_at: tokens.expiresAt };
  }

  /** The stored token set, decrypted (disconnect revokes the refresh token). */
  stored(connection: Connection): StoredTokens | null {
    return connection.tokens_ciphertext ? this.deps.ctx.secrets.decryptJson<StoredTokens>(connection.tokens_ciphertext) : null;
  }

  async accessToken(connection: Connection, opts: { force?: boolean } = {}): Promise<string> {
    const provider = providerOf(connection);
    if (connection.status === 'reauthorization_required') throw this.reauthError(provider, connection);
    if (!opts.force) {
      const usable = this.usableToken(connection);
      if (usable) return usable;
    }
    const key = `${provider}:${connection.id}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.refreshExclusively(provider, connection.id, opts.force ? connection.tokens_ciphertext : null).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const current = await pending;
    asRow(connection).set({ tokens_ciphertext: current.tokens_ciphertext, token_expires_at: current.token_expires_at, scopes: current.scopes }, { raw: true });
    return this.stored(current)!.access_token;
  }

  /** `refused`: the ciphertext whose access token the API refused; a row holding another one was refreshed meanwhile. */
  private refreshExclusively(provider: Provider, id: number, refused: string | null): Promise<Connection> {
    const { redis, config } = this.deps.ctx;
    return withRedisLock(redis, `${config.REDIS_PREFIX}:metadata-sync:token-refresh:${provider}:${id}`, LOCK, async () => {
      const row: Connection | null = provider === 'microsoft' ? await MicrosoftAccount.findByPk(id) : await GoogleAccount.findByPk(id);
      if (!row) throw new ReauthorizationRequired(provider, id, `The ${label(provider)} connection ${id} no longer exists`);
      if (row.status === 'reauthorization_required') throw this.reauthError(provider, row);
      if (this.usableToken(row) && row.tokens_ciphertext !== refused) return row;
      const stored = this.stored(row);
      if (!stored) throw await this.requireReauthorization(provider, row, 'no tokens are stored');
      let tokens: OAuthTokens;
      try {
        tokens = provider === 'microsoft'
          ? await this.deps.microsoft.refresh(stored.refresh_token, row.scopes)
          : await this.deps.google.refresh(stored.refresh_token);
      } catch (err) {
        if (err instanceof OAuthGrantError && err.code === 'invalid_grant') throw await this.requireReauthorization(provider, row, err.message);
        throw err;
      }
      await asRow(row).update(this.columns(tokens));
      this.deps.ctx.logger.info({ provider, connectionId: id, expiresAt: tokens.expiresAt }, 'metadata sync token refreshed');
      return row;
    });
  }

  private async requireReauthorization(provider: Provider, row: Connection, reason: string): Promise<ReauthorizationRequired> {
    const message = `The ${label(provider)} sign-in of ${row.email} is no longer valid (the access was revoked, the password changed or the sign-in expired); reconnect to resume syncing. Details: ${withoutTraceId(reason).trim()}`;
    await asRow(row).update({ status: 'reauthorization_required', last_error: message, revoked_at: new Date() });
    this.deps.ctx.logger.warn({ provider, connectionId: row.id }, 'metadata sync connection needs reauthorization');
    return new ReauthorizationRequired(provider, row.id, message);
  }

  private reauthError(provider: Provider, connection: Connection): ReauthorizationRequired {
    return new ReauthorizationRequired(provider, connection.id, connection.last_error ?? `${connection.email} must be reconnected: its ${label(provider)} sign-in is no longer valid`);
  }

  private usableToken(connection: Connection): string | undefined {
    const expiresAt = connection.token_expires_at ? new Date(connection.token_expires_at).getTime() : 0;
    if (!connection.tokens_ciphertext || !(expiresAt - Date.now() > MARGIN_MS)) return undefined;
    return this.stored(connection)?.access_token;
  }
}
