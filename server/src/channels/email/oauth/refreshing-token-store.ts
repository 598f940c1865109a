import type { Redis } from 'ioredis';
import type { SecretBox } from '../../../lib/crypto.js';
import type { Logger } from '../../../lib/logger.js';
import { withRedisLock } from '../../../lib/redis-lock.js';
import { OAuthGrantError, type OAuthTokens } from './oauth-client.js';

/** What a token table keeps encrypted: the access token and the refresh token. */
export interface StoredOAuthSecrets {
  access_token: string;
  refresh_token: string;
}

/** A row's token columns as the store reads them. */
export interface TokenColumnsView {
  ciphertext: string | null | undefined;
  expiresAt: Date | string | null | undefined;
}

/**
 * How one table keeps its tokens: the store knows when and how to refresh, the adapter knows the
 * columns, how to ask the provider, and what "reconnect needed" means for its rows.
 */
export interface TokenTableAdapter<Row> {
  /** Names the row in the lock key and the per-process map (unique within the store's lock prefix). */
  key(row: Row): string;
  /** The row read again from the database (under the lock); null when it is gone. */
  reload(row: Row): Promise<Row | null>;
  tokens(row: Row): TokenColumnsView;
  /** The error for a row already waiting for reauthorization, or undefined when it may be refreshed. */
  blocked(row: Row): Error | undefined;
  /** The error for a row deleted meanwhile (the caller's instance is passed), or one without stored tokens. */
  unusable(row: Row, reason: 'gone' | 'no_tokens'): Error | Promise<Error>;
  refresh(row: Row, refreshToken: string): Promise<OAuthTokens>;
  /** Saves a refreshed token set (`ciphertext` is the encrypted StoredOAuthSecrets). */
  save(row: Row, tokens: OAuthTokens, ciphertext: string): Promise<void>;
  /** Copies the refreshed columns into the caller's instance of the row. */
  adopt(target: Row, fresh: Row): void;
  /** The provider refused the refresh token for good: mark the row and return the error to throw. */
  requireReauthorization(row: Row, err: OAuthGrantError): Promise<Error>;
  /** Any other refresh failure, mapped to the table's error kind (default: rethrown as is). */
  refreshFailed?(row: Row, err: unknown): Error;
}

export interface RefreshingTokenStoreDeps<Row> {
  redis: Redis;
  /** Full Redis key prefix of the refresh locks; the adapter's key is appended. */
  lockPrefix: string;
  secrets: SecretBox;
  logger: Logger;
  table: TokenTableAdapter<Row>;
  /** Refresh when less than this is left (5 minutes). */
  marginMs?: number;
}

/** A refresh is one token request; the lease bounds how long a crashed refresher blocks the others. */
const REFRESH_LOCK = { leaseMs: 30_000, waitMs: 35_000 };

/**
 * Fresh access tokens kept encrypted in a table row (Chatwoot's RefreshOauthTokenService, for any
 * table through an adapter). A token with less than 5 minutes left — or any, when `force`d after the
 * API refused it — is refreshed; refreshes of one row are serialised within the process (one promise
 * per row) and across web and worker processes (a Redis lock, after which the row is re-read: another
 * process may have refreshed already). That matters because Microsoft rotates refresh tokens and
 * answers `invalid_grant` to a reused one. A rotated refresh token is saved; `invalid_grant` goes to
 * the adapter, which marks the row for reauthorization.
 */
export class RefreshingTokenStore<Row> {
  private readonly inFlight = new Map<string, Promise<Row>>();
  private readonly marginMs: number;

  constructor(private readonly deps: RefreshingTokenStoreDeps<Row>) {
    this.marginMs = deps.marginMs ?? 5 * 60_000;
  }

  /** The ciphertext that stores a token set. */
  encrypt(tokens: OAuthTokens): string {
    const secrets: StoredOAuthSecrets = { access_token: tokens.accessToken, refresh_token: tokens.refreshToken };
    return this.deps.secrets.encryptJson(secrets);
  }

  /** The row's token set, decrypted; null when none is stored. */
  stored(row: Row): StoredOAuthSecrets | null {
    const { ciphertext } = this.deps.table.tokens(row);
    return ciphertext ? this.deps.secrets.decryptJson<StoredOAuthSecrets>(ciphertext) : null;
  }

  async accessToken(row: Row, opts: { force?: boolean } = {}): Promise<string> {
    const { table } = this.deps;
    const blocked = table.blocked(row);
    if (blocked) throw blocked;
    if (!opts.force) {
      const usable = this.usableToken(row);
      if (usable) return usable;
    }
    const key = table.key(row);
    let pending = this.inFlight.get(key);
    if (!pending) {
      const refused = opts.force ? table.tokens(row).ciphertext ?? null : null;
      pending = this.refreshExclusively(row, key, refused).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const current = await pending;
    table.adopt(row, current);
    const stored = this.stored(current);
    if (!stored) throw await table.unusable(current, 'no_tokens');
    return stored.access_token;
  }

  /** `refused`: the ciphertext whose access token the API refused; a row holding another one was refreshed meanwhile. */
  private refreshExclusively(row: Row, key: string, refused: string | null): Promise<Row> {
    const { table, redis, lockPrefix, logger } = this.deps;
    return withRedisLock(redis, `${lockPrefix}:${key}`, REFRESH_LOCK, async () => {
      const current = await table.reload(row);
      if (!current) throw await table.unusable(row, 'gone');
      const blocked = table.blocked(current);
      if (blocked) throw blocked;
      if (this.usableToken(current) && table.tokens(current).ciphertext !== refused) return current;
      const stored = this.stored(current);
      if (!stored) throw await table.unusable(current, 'no_tokens');
      let tokens: OAuthTokens;
      try {
        tokens = await table.refresh(current, stored.refresh_token);
      } catch (err) {
        if (err instanceof OAuthGrantError && err.code === 'invalid_grant') throw await table.requireReauthorization(current, err);
        throw table.refreshFailed ? table.refreshFailed(current, err) : err;
      }
      await table.save(current, tokens, this.encrypt(tokens));
      logger.info({ key, expiresAt: tokens.expiresAt }, 'oauth token refreshed');
      return current;
    });
  }

  private usableToken(row: Row): string | undefined {
    const { ciphertext, expiresAt } = this.deps.table.tokens(row);
    const expires = expiresAt ? new Date(expiresAt).getTime() : NaN;
    if (!ciphertext || !(expires - Date.now() > this.marginMs)) return undefined;
    return this.stored(row)?.access_token;
  }
}
