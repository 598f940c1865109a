import { RefreshingTokenStore, type ExtensionContext, type OAuthTokens, type StoredOAuthSecrets, type TokenTableAdapter } from '../../../../../server/src/extensions/index.js';
import { ReauthorizationRequired, type Connection, type ConnectionTokens } from '../contracts.js';
import { GoogleAccount, MicrosoftAccount } from '../metadata-sync.model.js';
import type { GoogleConnectClient } from './google-connect.client.js';
import type { MicrosoftConnectClient } from './microsoft-connect.client.js';
import { asRow, providerLabel as label, providerOf } from './connection-row.js';
import { withoutTraceId } from './consent-problems.js';

export interface ConnectionTokensDeps {
  ctx: Pick<ExtensionContext, 'redis' | 'config' | 'secrets' | 'logger'>;
  microsoft: Pick<MicrosoftConnectClient, 'refresh'>;
  google: Pick<GoogleConnectClient, 'refresh'>;
}

const reauthError = (connection: Connection) => {
  const provider = providerOf(connection);
  return new ReauthorizationRequired(provider, connection.id, connection.last_error ?? `${connection.email} must be reconnected: its ${label(provider)} sign-in is no longer valid`);
};

/** Both connection tables on the core's refreshing token store. */
function connectionTokenTable(deps: ConnectionTokensDeps): TokenTableAdapter<Connection> {
  const { logger } = deps.ctx;
  const requireReauthorization = async (row: Connection, reason: string) => {
    const provider = providerOf(row);
    const message = `The ${label(provider)} sign-in of ${row.email} is no longer valid (the access was revoked, the password changed or the sign-in expired); reconnect to resume syncing. Details: ${withoutTraceId(reason).trim()}`;
    await asRow(row).update({ status: 'reauthorization_required', last_error: message, revoked_at: new Date() });
    logger.warn({ provider, connectionId: row.id }, 'metadata sync connection needs reauthorization');
    return new ReauthorizationRequired(provider, row.id, message);
  };
  return {
    key: (connection) => `${providerOf(connection)}:${connection.id}`,
    reload: (connection): Promise<Connection | null> => (providerOf(connection) === 'microsoft' ? MicrosoftAccount.findByPk(connection.id) : GoogleAccount.findByPk(connection.id)),
    tokens: (connection) => ({ ciphertext: connection.tokens_ciphertext, expiresAt: connection.token_expires_at }),
    blocked: (connection) => (connection.status === 'reauthorization_required' ? reauthError(connection) : undefined),
    unusable: (connection, reason) => (reason === 'gone'
      ? new ReauthorizationRequired(providerOf(connection), connection.id, `The ${label(providerOf(connection))} connection ${connection.id} no longer exists`)
      : requireReauthorization(connection, 'no tokens are stored')),
    refresh: (connection, refreshToken) => (providerOf(connection) === 'microsoft'
      ? deps.microsoft.refresh(refreshToken, connection.scopes)
      : deps.google.refresh(refreshToken)),
    save: async (connection, tokens, ciphertext) => {
      await asRow(connection).update({ tokens_ciphertext: ciphertext, token_expires_at: tokens.expiresAt });
    },
    adopt: (target, fresh) => asRow(target).set({ tokens_ciphertext: fresh.tokens_ciphertext, token_expires_at: fresh.token_expires_at, scopes: fresh.scopes }, { raw: true }),
    requireReauthorization: (connection, err) => requireReauthorization(connection, err.message),
  };
}

/**
 * Fresh access tokens for metadata-sync connections: the core's refreshing token store over the
 * connection rows (`tokens_ciphertext`, `token_expires_at`). `invalid_grant` marks the connection
 * `reauthorization_required` (with `revoked_at`: when the provider refused the grant; a reconnect
 * clears both) and throws ReauthorizationRequired.
 */
export class MetadataConnectionTokens implements ConnectionTokens {
  private readonly store: RefreshingTokenStore<Connection>;

  constructor(deps: ConnectionTokensDeps) {
    const { redis, config, secrets, logger } = deps.ctx;
    this.store = new RefreshingTokenStore({
      redis, lockPrefix: `${config.REDIS_PREFIX}:metadata-sync:token-refresh`, secrets, logger: logger.child({ component: 'metadata-sync.tokens' }),
      table: connectionTokenTable(deps),
    });
  }

  /** The columns that store a token set. */
  columns(tokens: OAuthTokens): Pick<Connection, 'tokens_ciphertext' | 'token_expires_at'> {
    return { tokens_ciphertext: this.store.encrypt(tokens), token_expires_at: tokens.expiresAt };
  }

  /** The stored token set, decrypted (disconnect revokes the refresh token). */
  stored(connection: Connection): StoredOAuthSecrets | null {
    return this.store.stored(connection);
  }

  accessToken(connection: Connection, opts: { force?: boolean } = {}): Promise<string> {
    return this.store.accessToken(connection, opts);
  }
}
