import { OAuthGrantError, type OAuthTokens } from '../../../../../server/src/extensions/index.js';
import { DelegateOAuthClient, grantErrors, refreshTokenIn, tokensOf } from '../../microsoft/delegate-oauth.client.js';
import type { MsalApps } from '../../microsoft/msal-apps.js';
import { OIDC_SCOPES } from './scopes.js';

/** Who signed in, from the verified id_token. */
export interface MicrosoftIdentity {
  oid: string;
  tenantId: string;
  email: string;
}

/**
 * The Microsoft side of metadata sync over msal-node: the auth-code URL (PKCE S256, login_hint) for
 * the features' Graph delegated permissions, and the code exchange that returns the granted
 * permissions (msal's `result.scopes`, from the token response) and the verified identity. Like the
 * overlay's delegate client, the refresh token is read from the serialized cache of a one-exchange
 * application; refreshes go through that client with the connection's granted permissions.
 */
export class MicrosoftConnectClient {
  constructor(private readonly apps: MsalApps) {}

  missingConfig(): string[] {
    return this.apps.missingConfig();
  }

  authorizationUrl(req: { scopes: string[]; redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): Promise<string> {
    return new DelegateOAuthClient(this.apps, req.scopes).authorizationUrl(req);
  }

  async exchangeCode(req: { code: string; scopes: string[]; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ tokens: OAuthTokens; identity: MicrosoftIdentity; scopes: string[] }> {
    const app = await this.apps.delegated();
    const result = await grantErrors(() => app.acquireTokenByCode({ code: req.code, scopes: req.scopes, redirectUri: req.redirectUri, codeVerifier: req.codeVerifier, nonce: req.nonce }));
    const refreshToken = refreshTokenIn(app);
    if (!refreshToken) throw new OAuthGrantError('no_refresh_token', 'Microsoft did not issue a refresh token (offline_access was not granted)');
    const claims = await this.apps.openId().verifyIdToken(result.idToken, { audience: this.apps.clientId, nonce: req.nonce });
    const email = String(claims.preferred_username ?? claims.email ?? claims.upn ?? '').toLowerCase();
    if (!email || !claims.tid || !claims.oid) throw new OAuthGrantError('invalid_id_token', 'The Microsoft sign-in did not say who signed in (preferred_username, oid, tid)');
    return {
      tokens: tokensOf(result, refreshToken),
      identity: { oid: String(claims.oid), tenantId: String(claims.tid), email },
      scopes: grantedPermissions(result.scopes),
    };
  }

  /** A refresh asks for the permissions the connection was granted (Entra refuses more). */
  refresh(refreshToken: string, granted: readonly string[]): Promise<OAuthTokens> {
    return new DelegateOAuthClient(this.apps, granted).refresh(refreshToken);
  }
}

/** Graph permissions by short name, without the OIDC scopes Entra echoes. */
function grantedPermissions(scopes: string[]): string[] {
  return [...new Set(scopes.map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, '')).filter((s) => !OIDC_SCOPES.has(s.toLowerCase())))];
}
