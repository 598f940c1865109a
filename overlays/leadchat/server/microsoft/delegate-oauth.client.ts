import { InteractionRequiredAuthError, ServerError, type AuthenticationResult, type ConfidentialClientApplication } from '@azure/msal-node';
import { OAuthGrantError, type OAuthTokens, type TokenRefresher } from '../../../../server/src/extensions/index.js';
import type { MsalApps } from './msal-apps.js';

/** The delegate who signed in, from the verified id_token. */
export interface Delegate {
  upn: string;
  oid: string;
  tenantId: string;
}

/** msal adds these to every request itself; a refresh asks for the resource permissions only. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

interface SerializedCache {
  RefreshToken?: Record<string, { secret: string }>;
}

/**
 * The delegate's authorization-code flow (PKCE S256) for one transport's scope set — Graph and Outlook
 * are different audiences, so each transport signs in and refreshes for its own scopes. Like the
 * core's `microsoft` client, the (possibly rotated) refresh token is read from msal's serialized
 * cache of a one-exchange application, since msal-node does not return it.
 */
export class DelegateOAuthClient implements TokenRefresher {
  constructor(private readonly apps: MsalApps, private readonly scopes: readonly string[]) {}

  async authorizationUrl(req: { redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): Promise<string> {
    return (await this.apps.delegated()).getAuthCodeUrl({
      scopes: [...this.scopes],
      redirectUri: req.redirectUri,
      state: req.state,
      nonce: req.nonce,
      codeChallenge: req.codeChallenge,
      codeChallengeMethod: 'S256',
      loginHint: req.loginHint,
      prompt: 'select_account',
    });
  }

  async exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<{ tokens: OAuthTokens; delegate: Delegate }> {
    const app = await this.apps.delegated();
    const result = await grantErrors(() =>
      app.acquireTokenByCode({ code: req.code, scopes: [...this.scopes], redirectUri: req.redirectUri, codeVerifier: req.codeVerifier, nonce: req.nonce }),
    );
    const refreshToken = refreshTokenIn(app);
    if (!refreshToken) throw new OAuthGrantError('no_refresh_token', 'Microsoft did not issue a refresh token (offline_access was not granted)');
    const claims = await this.apps.openId().verifyIdToken(result.idToken, { audience: this.apps.clientId, nonce: req.nonce });
    const upn = String(claims.preferred_username ?? claims.upn ?? claims.email ?? '').toLowerCase();
    if (!upn || !claims.tid || !claims.oid) throw new OAuthGrantError('invalid_id_token', 'The Microsoft sign-in did not say who signed in (preferred_username, oid, tid)');
    return { tokens: tokensOf(result, refreshToken), delegate: { upn, oid: String(claims.oid), tenantId: String(claims.tid) } };
  }

  async refresh(refreshToken: string): Promise<OAuthTokens> {
    const app = await this.apps.delegated();
    const scopes = this.scopes.filter((s) => !OIDC_SCOPES.has(s));
    const result = await grantErrors(() => app.acquireTokenByRefreshToken({ refreshToken, scopes, forceCache: true }));
    if (!result) throw new OAuthGrantError('invalid_grant', 'Microsoft returned no token for the refresh token');
    return tokensOf(result, refreshTokenIn(app) ?? refreshToken);
  }
}

export function tokensOf(result: AuthenticationResult, refreshToken: string): OAuthTokens {
  return { accessToken: result.accessToken, refreshToken, expiresAt: result.expiresOn ?? new Date(Date.now() + 3600_000) };
}

/** The refresh token of a one-exchange application (msal-node does not return it). */
export function refreshTokenIn(app: ConfidentialClientApplication): string | undefined {
  const cache = JSON.parse(app.getTokenCache().serialize()) as SerializedCache;
  return Object.values(cache.RefreshToken ?? {})[0]?.secret;
}

/** msal's server errors carry the OAuth error code (`invalid_grant`, `consent_required`, ...); the rest stays as thrown. */
export async function grantErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err instanceof ServerError || err instanceof InteractionRequiredAuthError) && err.errorCode) {
      throw new OAuthGrantError(err.errorCode, err.errorMessage || err.errorCode, { cause: err });
    }
    throw err;
  }
}
