import { OAuthGrantError, OIDC_SCOPES, type MsalApps, type OAuthTokens } from '../../../../../server/src/extensions/index.js';

/** Who signed in, from the verified id_token. */
export interface MicrosoftIdentity {
  oid: string;
  tenantId: string;
  email: string;
}

/**
 * The Microsoft side of metadata sync on the core's msal app factory: the auth-code URL (PKCE S256,
 * login_hint) for the features' Graph delegated permissions, and the code exchange that returns the
 * granted permissions (msal's `result.scopes`, from the token response) and the verified identity;
 * refreshes ask for the connection's granted permissions.
 */
export class MicrosoftConnectClient {
  constructor(private readonly apps: MsalApps) {}

  missingConfig(): string[] {
    return this.apps.missingConfig();
  }

  authorizationUrl(req: { scopes: string[]; redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): Promise<string> {
    return this.apps.authorizationUrl(req.scopes, { ...req, prompt: 'select_account' });
  }

  async exchangeCode(req: { code: string; scopes: string[]; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ tokens: OAuthTokens; identity: MicrosoftIdentity; scopes: string[] }> {
    const { tokens, result, claims } = await this.apps.exchangeCode(req.scopes, req);
    const email = String(claims.preferred_username ?? claims.email ?? claims.upn ?? '').toLowerCase();
    if (!email || !claims.tid || !claims.oid) throw new OAuthGrantError('invalid_id_token', 'The Microsoft sign-in did not say who signed in (preferred_username, oid, tid)');
    return { tokens, identity: { oid: String(claims.oid), tenantId: String(claims.tid), email }, scopes: grantedPermissions(result.scopes) };
  }

  /** A refresh asks for the permissions the connection was granted (Entra refuses more). */
  refresh(refreshToken: string, granted: readonly string[]): Promise<OAuthTokens> {
    return this.apps.refresh(granted, refreshToken);
  }
}

/** Graph permissions by short name, without the OIDC scopes Entra echoes. */
function grantedPermissions(scopes: string[]): string[] {
  return [...new Set(scopes.map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, '')).filter((s) => !OIDC_SCOPES.has(s.toLowerCase())))];
}
