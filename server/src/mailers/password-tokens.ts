import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { randomToken, sha256 } from '../lib/crypto.js';

export type TokenPurpose = 'invitation' | 'password_reset';

/** An invitation waits for a week; a reset link is good for two hours (Devise allows six). */
export const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = { invitation: 7 * 24 * 3600_000, password_reset: 2 * 3600_000 };

/**
 * Single-use links for setting a password, stored as SHA-256 digests with an expiry. A new token
 * replaces the user's unused ones of the same purpose, so only the latest email works.
 */
export class PasswordTokens {
  constructor(private readonly sequelize: Sequelize) {}

  async issue(userId: number, purpose: TokenPurpose): Promise<string> {
    const token = randomToken(32);
    await this.sequelize.transaction(async (transaction) => {
      await this.revoke(userId, purpose, transaction);
      await this.sequelize.query(
        'INSERT INTO password_tokens (user_id, purpose, token_digest, expires_at) VALUES (:userId, :purpose, :digest, :expiresAt)',
        { replacements: { userId, purpose, digest: sha256(token), expiresAt: new Date(Date.now() + TOKEN_LIFETIME_MS[purpose]) }, transaction },
      );
    });
    return token;
  }

  /** Kills the user's unused links of one purpose (a resent invitation replaces the old link at once). */
  async revoke(userId: number, purpose: TokenPurpose, transaction?: Transaction): Promise<void> {
    await this.sequelize.query('DELETE FROM password_tokens WHERE user_id = :userId AND purpose = :purpose AND used_at IS NULL', { replacements: { userId, purpose }, transaction });
  }

  /**
   * Uses a token up in one statement, so two requests racing with the same link cannot both succeed.
   * Null when it is unknown, used or expired. Other unused tokens of the user die with it.
   */
  async consume(token: string, transaction: Transaction): Promise<{ userId: number; purpose: TokenPurpose } | null> {
    const [row] = await this.sequelize.query<{ user_id: number; purpose: TokenPurpose }>(
      'UPDATE password_tokens SET used_at = now() WHERE token_digest = :digest AND used_at IS NULL AND expires_at > now() RETURNING user_id, purpose',
      { replacements: { digest: sha256(token) }, type: QueryTypes.SELECT, transaction },
    );
    if (!row) return null;
    await this.sequelize.query('DELETE FROM password_tokens WHERE user_id = :userId AND used_at IS NULL', { replacements: { userId: row.user_id }, transaction });
    return { userId: row.user_id, purpose: row.purpose };
  }
}
