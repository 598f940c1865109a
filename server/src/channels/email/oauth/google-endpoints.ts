import type { Config } from '../../../config.js';
import { OAuthGrantError, type OAuthTokens } from './oauth-client.js';

export type GoogleEndpointsConfig = Pick<Config, 'GOOGLE_CLIENT_ID' | 'GOOGLE_CLIENT_SECRET' | 'GOOGLE_AUTHORIZE_URL' | 'GOOGLE_TOKEN_URL'>;

/** What Google's token endpoint answers (`scope` lists everything granted so far). */
export interface GoogleTokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  id_token?: string;
  scope?: string;
  error?: string;
  error_description?: string;
}

/**
 * Google's OAuth 2.0 endpoints from config, over plain fetch (a handful of calls need no SDK): the
 * authorization URL (offline access, incremental consent, PKCE S256), the token endpoint, refresh
 * (Google keeps the refresh token unless it sends a new one) and revocation at the token URL's sibling
 * `revoke` (oauth2.googleapis.com/revoke; config has no variable of its own for it).
 */
export class GoogleOAuthEndpoints {
  constructor(private readonly config: GoogleEndpointsConfig) {}

  missingConfig(): string[] {
    return (['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'] as const).filter((k) => !this.config[k]);
  }

  authorizationUrl(req: { scopes: readonly string[]; redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): string {
    const url = new URL(this.config.GOOGLE_AUTHORIZE_URL);
    const params: Record<string, string | undefined> = {
      client_id: this.config.GOOGLE_CLIENT_ID,
      redirect_uri: req.redirectUri,
      response_type: 'code',
      scope: req.scopes.join(' '),
      access_type: 'offline',
      prompt: 'consent',
      include_granted_scopes: 'true',
      state: req.state,
      nonce: req.nonce,
      code_challenge: req.codeChallenge,
      code_challenge_method: 'S256',
      login_hint: req.loginHint,
    };
    for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
    return url.toString();
  }

  /** Redeems an authorization code; the caller decides what it needs from the answer (refresh token, id_token). */
  exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string }): Promise<GoogleTokenResponse> {
    return this.token({ grant_type: 'authorization_code', code: req.code, redirect_uri: req.redirectUri, code_verifier: req.codeVerifier });
  }

  async refresh(refreshToken: string): Promise<OAuthTokens> {
    const body = await this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
    return this.tokens(body, body.refresh_token ?? refreshToken);
  }

  /** Revokes the grant behind a token (a refresh token revokes the whole grant); false when Google no longer knew it. */
  async revoke(token: string): Promise<boolean> {
    const res = await fetch(new URL('revoke', this.config.GOOGLE_TOKEN_URL), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
      signal: AbortSignal.timeout(15_000),
    });
    if (res.ok) return true;
    if (res.status === 400) return false;
    throw new Error(`Google's revoke endpoint answered ${res.status}`);
  }

  tokens(body: GoogleTokenResponse, refreshToken: string): OAuthTokens {
    if (!body.access_token) throw new OAuthGrantError('invalid_response', 'Google answered without an access token');
    return { accessToken: body.access_token, refreshToken, expiresAt: new Date(Date.now() + (body.expires_in ?? 3600) * 1000) };
  }

  private async token(params: Record<string, string>): Promise<GoogleTokenResponse> {
    const res = await fetch(this.config.GOOGLE_TOKEN_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...params, client_id: this.config.GOOGLE_CLIENT_ID!, client_secret: this.config.GOOGLE_CLIENT_SECRET! }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => ({}))) as GoogleTokenResponse;
    if (res.ok) return body;
    if (body.error && res.status < 500) throw new OAuthGrantError(body.error, body.error_description || body.error);
    throw new Error(`Google's token endpoint answered ${res.status}`);
  }
}
