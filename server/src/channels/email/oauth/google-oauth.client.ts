import type { Config } from '../../../config.js';
import { OAuthGrantError, type OAuthClient, type OAuthIdentity, type OAuthTokens } from './oauth-client.js';
import { GoogleOAuthEndpoints } from './google-endpoints.js';
import { OpenIdProvider } from './openid-provider.js';

/** Full Gmail access (IMAP and SMTP need `https://mail.google.com/`), plus the OIDC scopes. */
export const GOOGLE_MAIL_SCOPES = ['https://mail.google.com/', 'openid', 'email', 'profile'];

/**
 * Google sign-in with the plain OAuth endpoints from config (no Google SDK needed for three calls).
 * The mailbox address comes from Gmail's `users.getProfile` — exactly the IMAP login — and, when
 * Google returns an id_token (it does whenever `openid` is granted), that token is verified against
 * the keys of the issuer's discovery document (the authorize URL's origin, accounts.google.com).
 */
export class GoogleOAuthClient implements OAuthClient {
  readonly id = 'google';
  private readonly openId: OpenIdProvider;
  private readonly endpoints: GoogleOAuthEndpoints;

  constructor(private readonly config: Config) {
    this.openId = new OpenIdProvider(`${new URL(config.GOOGLE_AUTHORIZE_URL).origin}/.well-known/openid-configuration`);
    this.endpoints = new GoogleOAuthEndpoints(config);
  }

  missingConfig(): string[] {
    return this.endpoints.missingConfig();
  }

  async authorizationUrl(req: { redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): Promise<string> {
    return this.endpoints.authorizationUrl({ ...req, scopes: GOOGLE_MAIL_SCOPES });
  }

  async exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ tokens: OAuthTokens; identity: OAuthIdentity }> {
    const body = await this.endpoints.exchangeCode(req);
    if (!body.refresh_token) throw new OAuthGrantError('no_refresh_token', 'Google did not issue a refresh token (offline access was not granted)');
    const tokens = this.endpoints.tokens(body, body.refresh_token);
    const identity = await this.profile(tokens.accessToken);
    if (body.id_token) {
      const claims = await this.openId.verifyIdToken(body.id_token, { audience: this.config.GOOGLE_CLIENT_ID!, nonce: req.nonce });
      if (String(claims.email ?? '').toLowerCase() !== identity.email) {
        throw new OAuthGrantError('identity_mismatch', 'The Google id_token names another account than the Gmail profile');
      }
    }
    return { tokens, identity };
  }

  refresh(refreshToken: string): Promise<OAuthTokens> {
    return this.endpoints.refresh(refreshToken);
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
