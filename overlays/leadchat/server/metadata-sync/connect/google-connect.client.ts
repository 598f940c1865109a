import { OAuthGrantError, OpenIdProvider, type ExtensionContext, type OAuthTokens } from '../../../../../server/src/extensions/index.js';

type GoogleConfig = Pick<ExtensionContext['config'], 'GOOGLE_CLIENT_ID' | 'GOOGLE_CLIENT_SECRET' | 'GOOGLE_AUTHORIZE_URL' | 'GOOGLE_TOKEN_URL'>;

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  id_token?: string;
  scope?: string;
  error?: string;
  error_description?: string;
}

/** Who signed in, from the verified id_token. */
export interface GoogleIdentity {
  sub: string;
  email: string;
}

/**
 * Google's OAuth endpoints for metadata sync, over plain fetch (three calls need no SDK): the
 * authorization URL with incremental consent (`include_granted_scopes`), offline access and PKCE S256;
 * the code exchange with the id_token verified against the issuer's discovery document (the
 * authorize URL's origin, accounts.google.com); refresh (Google keeps the refresh token); and revoke,
 * whose URL is the token URL's sibling `revoke` (oauth2.googleapis.com/revoke — config has no own
 * variable for it).
 */
export class GoogleConnectClient {
  private readonly openId: OpenIdProvider;

  constructor(private readonly config: GoogleConfig) {
    this.openId = new OpenIdProvider(`${new URL(config.GOOGLE_AUTHORIZE_URL).origin}/.well-known/openid-configuration`);
  }

  missingConfig(): string[] {
    return (['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'] as const).filter((k) => !this.config[k]);
  }

  authorizationUrl(req: { scopes: string[]; redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): string {
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

  async exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ tokens: OAuthTokens; identity: GoogleIdentity; scopes: string[] }> {
    const body = await this.token({ grant_type: 'authorization_code', code: req.code, redirect_uri: req.redirectUri, code_verifier: req.codeVerifier });
    if (!body.refresh_token) throw new OAuthGrantError('no_refresh_token', 'Google did not issue a refresh token (offline access was not granted)');
    if (!body.id_token) throw new OAuthGrantError('invalid_id_token', 'Google did not say who signed in (no id_token)');
    const claims = await this.openId.verifyIdToken(body.id_token, { audience: this.config.GOOGLE_CLIENT_ID!, nonce: req.nonce });
    const email = String(claims.email ?? '').toLowerCase();
    if (!claims.sub || !email) throw new OAuthGrantError('invalid_id_token', 'The Google id_token names no account (sub, email)');
    return { tokens: this.tokens(body, body.refresh_token), identity: { sub: claims.sub, email }, scopes: (body.scope ?? '').split(/\s+/).filter(Boolean) };
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

  private tokens(body: TokenResponse, refreshToken: string): OAuthTokens {
    if (!body.access_token) throw new OAuthGrantError('invalid_response', 'Google answered without an access token');
    return { accessToken: body.access_token, refreshToken, expiresAt: new Date(Date.now() + (body.expires_in ?? 3600) * 1000) };
  }

  private async token(params: Record<string, string>): Promise<TokenResponse> {
    const res = await fetch(this.config.GOOGLE_TOKEN_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...params, client_id: this.config.GOOGLE_CLIENT_ID!, client_secret: this.config.GOOGLE_CLIENT_SECRET! }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => ({}))) as TokenResponse;
    if (res.ok) return body;
    if (body.error && res.status < 500) throw new OAuthGrantError(body.error, body.error_description || body.error);
    throw new Error(`Google's token endpoint answered ${res.status}`);
  }
}
