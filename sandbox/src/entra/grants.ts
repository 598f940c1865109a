// Authorization codes and refresh tokens. Refresh tokens rotate: redeeming one retires it, and a
// retired or revoked one answers invalid_grant, which is what the product's re-auth path must handle.
import crypto from 'node:crypto';

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  userId: string;
  resource: string;
  permissions: string[];
  oidc: Set<string>;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  nonce: string | undefined;
  expiresAt: number;
}

export interface RefreshGrant {
  clientId: string;
  userId: string;
  state: 'active' | 'rotated' | 'revoked';
  expiresAt: number;
}

const CODE_LIFETIME_MS = 10 * 60 * 1000;
// Entra's refresh tokens live 90 days (sliding); nothing in a test run comes near it.
const REFRESH_LIFETIME_MS = 90 * 24 * 3600 * 1000;

const opaque = (prefix: string): string => `${prefix}.${crypto.randomBytes(32).toString('base64url')}`;

export class Grants {
  private codes = new Map<string, AuthCode>();
  private refresh = new Map<string, RefreshGrant>();

  reset(): void {
    this.codes.clear();
    this.refresh.clear();
  }

  issueCode(code: Omit<AuthCode, 'expiresAt'>): string {
    const value = opaque('0.sandbox-code');
    this.codes.set(value, { ...code, expiresAt: Date.now() + CODE_LIFETIME_MS });
    return value;
  }

  /** Codes are single use: a second redemption fails like Entra's AADSTS54005. */
  redeemCode(value: string): AuthCode | 'unknown' | 'expired' {
    const code = this.codes.get(value);
    if (!code) return 'unknown';
    this.codes.delete(value);
    return code.expiresAt < Date.now() ? 'expired' : code;
  }

  issueRefreshToken(clientId: string, userId: string): string {
    const value = opaque('1.sandbox-rt');
    this.refresh.set(value, { clientId, userId, state: 'active', expiresAt: Date.now() + REFRESH_LIFETIME_MS });
    return value;
  }

  /** Returns the grant and retires the token (rotation); the caller issues the successor. */
  redeemRefreshToken(value: string): RefreshGrant | 'unknown' | 'rotated' | 'revoked' | 'expired' {
    const grant = this.refresh.get(value);
    if (!grant) return 'unknown';
    if (grant.state !== 'active') return grant.state;
    if (grant.expiresAt < Date.now()) return 'expired';
    grant.state = 'rotated';
    return grant;
  }

  /** Revokes one token, or every token of a user (optionally for one app); returns how many. */
  revoke(filter: { token?: string; userId?: string; clientId?: string }): number {
    let n = 0;
    for (const [value, grant] of this.refresh) {
      const hit = filter.token ? value === filter.token
        : grant.userId === filter.userId && (!filter.clientId || grant.clientId === filter.clientId);
      if (hit && grant.state === 'active') {
        grant.state = 'revoked';
        n += 1;
      }
    }
    return n;
  }
}
