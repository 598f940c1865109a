import { ConfidentialClientApplication, InteractionRequiredAuthError, LogLevel, ServerError, type AuthenticationResult } from '@azure/msal-node';
import type { JWTPayload } from 'jose';
import type { Config } from '../../../config.js';
import type { Logger } from '../../../lib/logger.js';
import { OAuthGrantError, type OAuthTokens } from './oauth-client.js';
import { OpenIdProvider } from './openid-provider.js';

type MsalConfig = Pick<Config, 'MICROSOFT_CLIENT_ID' | 'MICROSOFT_CLIENT_SECRET' | 'MICROSOFT_AUTHORITY'>;

/** msal adds these to every request itself; a refresh asks for the resource permissions only. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

interface SerializedCache {
  RefreshToken?: Record<string, { secret: string }>;
}

/** A code exchange: the tokens, msal's result (granted scopes) and the verified id_token's claims. */
export interface MsalExchange {
  tokens: OAuthTokens;
  result: AuthenticationResult;
  claims: JWTPayload;
}

/**
 * The one place msal-node applications are built for the installation's Azure app. Delegated sign-in
 * uses the configured authority (`…/organizations` by default, so a multi-tenant app works for any
 * work account; a single-tenant app sets its tenant there). Client credentials need a tenant, so
 * app-only calls use the same host with the tenant id as the last path segment. Every authority is
 * listed in `knownAuthorities` with its metadata fetched once per process, so msal skips Microsoft's
 * instance discovery — the same code path for login.microsoftonline.com and the sandbox.
 *
 * msal-node does not return the refresh token; it keeps it in its token cache. Every exchange
 * therefore runs on a fresh application whose in-memory cache holds that exchange only, and the
 * (possibly rotated) refresh token is read from the cache's serialization — the documented,
 * cross-MSAL cache schema. Tokens then live encrypted in a table row, not in msal's cache, so any web
 * or worker process can refresh them and nothing accumulates in memory.
 */
export class MsalApps {
  private readonly openIds = new Map<string, OpenIdProvider>();
  /** App-only applications are kept per tenant: msal caches their client-credential tokens in memory. */
  private readonly appOnly = new Map<string, Promise<ConfidentialClientApplication>>();

  constructor(private readonly config: MsalConfig, private readonly logger: Logger) {}

  missingConfig(): string[] {
    return (['MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET'] as const).filter((k) => !this.config[k]);
  }

  get clientId(): string {
    return this.config.MICROSOFT_CLIENT_ID!;
  }

  /** The configured authority, or the same host with `tenantId` in place of its tenant segment. */
  authority(tenantId?: string): string {
    const url = new URL(this.config.MICROSOFT_AUTHORITY.replace(/\/+$/, ''));
    if (tenantId) url.pathname = url.pathname.replace(/[^/]*$/, encodeURIComponent(tenantId));
    return url.toString().replace(/\/+$/, '');
  }

  /** Where a tenant administrator grants the app's application permissions (app-only `Mail.Read`). */
  adminConsentUrl(tenantId: string, redirectUri: string): string {
    const url = new URL(`${this.authority(tenantId)}/v2.0/adminconsent`);
    url.searchParams.set('client_id', this.clientId);
    url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
    url.searchParams.set('redirect_uri', redirectUri);
    return url.toString();
  }

  /** Verifies id_tokens issued through the configured authority (signature, issuer, audience, nonce). */
  openId(tenantId?: string): OpenIdProvider {
    return this.openIdFor(this.authority(tenantId));
  }

  /** A fresh delegated application (empty token cache): each code exchange or refresh runs alone. */
  delegated(): Promise<ConfidentialClientApplication> {
    return this.create(this.authority());
  }

  /** The tenant's client-credentials application (kept: msal reuses its token until it expires). */
  forTenant(tenantId: string): Promise<ConfidentialClientApplication> {
    let app = this.appOnly.get(tenantId);
    if (!app) {
      app = this.create(this.authority(tenantId));
      app.catch(() => this.appOnly.delete(tenantId));
      this.appOnly.set(tenantId, app);
    }
    return app;
  }

  /** The auth-code URL (PKCE S256) for `scopes`. */
  async authorizationUrl(scopes: readonly string[], req: { redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string; prompt?: string }): Promise<string> {
    return (await this.delegated()).getAuthCodeUrl({
      scopes: [...scopes],
      redirectUri: req.redirectUri,
      state: req.state,
      nonce: req.nonce,
      codeChallenge: req.codeChallenge,
      codeChallengeMethod: 'S256',
      loginHint: req.loginHint,
      prompt: req.prompt,
    });
  }

  /** Redeems the code; a missing refresh token (offline_access not granted) is refused, the id_token verified. */
  async exchangeCode(scopes: readonly string[], req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }): Promise<MsalExchange> {
    const app = await this.delegated();
    const result = await grantErrors(() =>
      app.acquireTokenByCode({ code: req.code, scopes: [...scopes], redirectUri: req.redirectUri, codeVerifier: req.codeVerifier, nonce: req.nonce }),
    );
    const refreshToken = refreshTokenIn(app);
    if (!refreshToken) throw new OAuthGrantError('no_refresh_token', 'Microsoft did not issue a refresh token (offline_access was not granted)');
    const claims = await this.openId().verifyIdToken(result.idToken, { audience: this.clientId, nonce: req.nonce });
    return { tokens: tokensOf(result, refreshToken), result, claims };
  }

  /** A refresh for the resource permissions among `scopes`; the rotated refresh token when Microsoft issued one. */
  async refresh(scopes: readonly string[], refreshToken: string): Promise<OAuthTokens> {
    const app = await this.delegated();
    const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s));
    const result = await grantErrors(() => app.acquireTokenByRefreshToken({ refreshToken, scopes: resourceScopes, forceCache: true }));
    if (!result) throw new OAuthGrantError('invalid_grant', 'Microsoft returned no token for the refresh token');
    return tokensOf(result, refreshTokenIn(app) ?? refreshToken);
  }

  private async create(authority: string): Promise<ConfidentialClientApplication> {
    const log = this.logger.child({ component: 'msal' });
    const metadata = await this.openIdFor(authority).metadata();
    return new ConfidentialClientApplication({
      auth: {
        clientId: this.clientId,
        clientSecret: this.config.MICROSOFT_CLIENT_SECRET!,
        authority,
        knownAuthorities: [new URL(authority).host],
        authorityMetadata: JSON.stringify(metadata),
      },
      system: {
        loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Warning, loggerCallback: (_level, message) => log.warn(message) },
      },
    });
  }

  private openIdFor(authority: string): OpenIdProvider {
    let provider = this.openIds.get(authority);
    if (!provider) {
      provider = new OpenIdProvider(`${authority}/v2.0/.well-known/openid-configuration`);
      this.openIds.set(authority, provider);
    }
    return provider;
  }
}

function tokensOf(result: AuthenticationResult, refreshToken: string): OAuthTokens {
  return { accessToken: result.accessToken, refreshToken, expiresAt: result.expiresOn ?? new Date(Date.now() + 3600_000) };
}

/** The refresh token of a one-exchange application (msal-node does not return it). */
function refreshTokenIn(app: ConfidentialClientApplication): string | undefined {
  const cache = JSON.parse(app.getTokenCache().serialize()) as SerializedCache;
  return Object.values(cache.RefreshToken ?? {})[0]?.secret;
}

/** msal's server errors carry the OAuth error code (`invalid_grant`, `consent_required`, ...); they become OAuthGrantError, the rest stays as thrown. */
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
