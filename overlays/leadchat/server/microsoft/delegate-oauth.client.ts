import { OAuthGrantError, type MsalApps, type OAuthTokens, type TokenRefresher } from '../../../../server/src/extensions/index.js';

/** The delegate who signed in, from the verified id_token. */
export interface Delegate {
  upn: string;
  oid: string;
  tenantId: string;
}

/**
 * The delegate's authorization-code flow (PKCE S256) for one transport's scope set, on the core's
 * msal app factory — Graph and Outlook are different audiences, so each transport signs in and
 * refreshes for its own scopes.
 */
export class DelegateOAuthClient implements TokenRefresher {
  constructor(private readonly apps: MsalApps, private readonly scopes: readonly string[]) {}

  authorizationUrl(req: { redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): Promise<string> {
    return this.apps.authorizationUrl(this.scopes, { ...req, prompt: 'select_account' });
  }

  async exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ tokens: OAuthTokens; delegate: Delegate }> {
    const { tokens, claims } = await this.apps.exchangeCode(this.scopes, req);
    const upn = String(claims.preferred_username ?? claims.upn ?? claims.email ?? '').toLowerCase();
    if (!upn || !claims.tid || !claims.oid) throw new OAuthGrantError('invalid_id_token', 'The Microsoft sign-in did not say who signed in (preferred_username, oid, tid)');
    return { tokens, delegate: { upn, oid: String(claims.oid), tenantId: String(claims.tid) } };
  }

  refresh(refreshToken: string): Promise<OAuthTokens> {
    return this.apps.refresh(this.scopes, refreshToken);
  }
}
