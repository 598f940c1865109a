/** A token set as the token service stores it (encrypted) for a channel. */
export interface OAuthTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/** Who signed in: the mailbox the channel will open. */
export interface OAuthIdentity {
  email: string;
}

/** The part of an OAuth client the token service needs; an overlay's token store implements the same. */
export interface TokenRefresher {
  /** New tokens for a refresh token; the old refresh token is kept when the provider does not rotate it. */
  refresh(refreshToken: string): Promise<OAuthTokens>;
}

/**
 * One identity provider's authorization-code flow (PKCE, S256) for a user's own mailbox. The core's
 * `microsoft` (msal-node) and `google` clients implement it; the flow routes and the token service
 * only talk to this interface.
 */
export interface OAuthClient extends TokenRefresher {
  /** The channel provider id this client signs in for. */
  id: string;
  /** Names of the environment variables still missing; empty when the provider can be used. */
  missingConfig(): string[];
  authorizationUrl(req: { redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): Promise<string>;
  /** Redeems the code and verifies who signed in (id_token or the provider's profile). */
  exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ tokens: OAuthTokens; identity: OAuthIdentity }>;
}

/**
 * The identity provider answered with an OAuth error (`invalid_grant`, `invalid_client`, ...); anything
 * else (network, 5xx) is thrown as it came.
 */
export class OAuthGrantError extends Error {
  constructor(readonly code: string, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'OAuthGrantError';
  }
}
