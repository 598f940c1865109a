import type { Config } from '../../../config.js';
import { OAuthGrantError, type OAuthClient, type OAuthIdentity, type OAuthTokens } from './oauth-client.js';
import { OpenIdProvider } from './openid-provider.js';

/** Full Gmail access (IMAP and SMTP need `https://mail.google.com/`), plus the OIDC scopes. */
export const GOOGLE_MAIL_SCOPES = ['https://mail.google.com/', 'openid', 'email', 'profile'];

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  id_token?: string;
  error?: string;
  error_description?: string;
}

/**
 * Google sign-in with the plain OAuth endpoints from config (no Google SDK needed for three calls).
 * The mailbox address comes from Gmail's `users.getProfile` — exactly the IMAP login — and, when
 * Google returns an id_token (it does whenever `openid` is granted), that token is verified against
 * the keys of the issuer's discovery document (the authorize URL's origin, accounts.google.com).
 */
export class GoogleOAuthClient implements OAuthClient {
  readonly id = 'google';
  private readonly openId: OpenIdProvider;

  constructor(private readonly config: Config) {
    this.openId = new OpenIdProvider(`${new URL(config.GOOGLE_AUTHORIZE_URL).origin}/.well-known/openid-configuration`);
  }

  missingConfig(): string[] {
    return [['GOOGLE_CLIENT_ID', this.config.GOOGLE_CLIENT_ID], ['GOOGLE_CLIENT_SECRET', this.config.GOOGLE_CLIENT_SECRET]]
      .filter(([, v]) => !v)
      .map(([k]) => k as string);
  }

  async authorizationUrl(req: { redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): Promise<string> {
    const url = new URL(this.config.GOOGLE_AUTHORIZE_URL);
    const params: Record<string, string | undefined> = {
      client_id: this.config.GOOGLE_CLIENT_ID,
      redirect_uri: req.redirectUri,
      response_type: 'code',
      scope: GOOGLE_MAIL_SCOPES.join(' '),
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

  async exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ tokens: OAuthTokens; identity: OAuthIdentity }> {
    const body = await this.token({ grant_type: 'authorization_code', code: req.code, redirect_uri: req.redirectUri, code_verifier: req.codeVerifier });
    if (!body.refresh_token) throw new OAuthGrantError('no_refresh_token', 'Google did not issue a refresh token (offline access was not granted)');
    const tokens = this.tokens(body, body.refresh_token);
    const identity = await this.profile(tokens.accessToken);
    if (body.id_token) {
      const claims = await this.openId.verifyIdToken(body.id_token, { audience: this.config.GOOGLE_CLIENT_ID!, nonce: req.nonce });
      if (String(claims.email ?? '').toLowerCase() !== identity.email) {
        throw new OAuthGrantError('identity_mismatch', 'The Google id_token names another account than the Gmail profile');
      }
    }
    return { tokens, identity };
  }

  async refresh(refreshToken: string): Promise<OAuthTokens> {
    const body = await this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
    return this.tokens(body, body.refresh_token ?? refreshToken);
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
    throw new Error(`Google token endpoint answered ${res.status}`);
  }

  private async profile(accessToken: string): Promise<OAuthIdentity> {
    const res = await fetch(`${this.config.GOOGLE_GMAIL_BASE_URL}/users/me/profile`, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) throw new OAuthGrantError('profile_unavailable', `Gmail did not return the mailbox profile (${res.status}); was Gmail access granted?`);
    const { emailAddress } = (await res.json()) as { emailAddress?: string };
    if (!emailAddress) throw new OAuthGrantError('no_email', 'The Google account has no Gmail address');
    return { email: emailAddress.toLowerCase() };
  }
}
