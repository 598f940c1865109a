import { GoogleOAuthEndpoints, OAuthGrantError, OpenIdProvider, type GoogleEndpointsConfig, type OAuthTokens } from '../../../../../server/src/extensions/index.js';

/** Who signed in, from the verified id_token. */
export interface GoogleIdentity {
  sub: string;
  email: string;
}

/**
 * Google sign-in for metadata sync on the core's `GoogleOAuthEndpoints`: the authorization URL for the
 * chosen scopes (incremental consent, offline access, PKCE S256), the code exchange with the id_token
 * verified against the issuer's discovery document (the authorize URL's origin, accounts.google.com)
 * and the granted scopes read back, refresh and revoke.
 */
export class GoogleConnectClient {
  private readonly openId: OpenIdProvider;
  private readonly endpoints: GoogleOAuthEndpoints;

  constructor(private readonly config: GoogleEndpointsConfig) {
    this.openId = new OpenIdProvider(`${new URL(config.GOOGLE_AUTHORIZE_URL).origin}/.well-known/openid-configuration`);
    this.endpoints = new GoogleOAuthEndpoints(config);
  }

  missingConfig(): string[] {
    return this.endpoints.missingConfig();
  }

  authorizationUrl(req: { scopes: string[]; redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): string {
    return this.endpoints.authorizationUrl(req);
  }

  async exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ tokens: OAuthTokens; identity: GoogleIdentity; scopes: string[] }> {
    const body = await this.endpoints.exchangeCode(req);
    if (!body.refresh_token) throw new OAuthGrantError('no_refresh_token', 'Google did not issue a refresh token (offline access was not granted)');
    if (!body.id_token) throw new OAuthGrantError('invalid_id_token', 'Google did not say who signed in (no id_token)');
    const claims = await this.openId.verifyIdToken(body.id_token, { audience: this.config.GOOGLE_CLIENT_ID!, nonce: req.nonce });
    const email = String(claims.email ?? '').toLowerCase();
    if (!claims.sub || !email) throw new OAuthGrantError('invalid_id_token', 'The Google id_token names no account (sub, email)');
    return { tokens: this.endpoints.tokens(body, body.refresh_token), identity: { sub: claims.sub, email }, scopes: (body.scope ?? '').split(/\s+/).filter(Boolean) };
  }

  refresh(refreshToken: string): Promise<OAuthTokens> {
    return this.endpoints.refresh(refreshToken);
  }

  /** Revokes the grant behind a token (a refresh token revokes the whole grant); false when Google no longer knew it. */
  revoke(token: string): Promise<boolean> {
    return this.endpoints.revoke(token);
  }
}
