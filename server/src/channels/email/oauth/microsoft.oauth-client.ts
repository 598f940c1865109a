import { ConfidentialClientApplication, InteractionRequiredAuthError, LogLevel, ServerError, type AuthenticationResult } from '@azure/msal-node';
import type { Config } from '../../../config.js';
import type { Logger } from '../../../lib/logger.js';
import { OAuthGrantError, type OAuthClient, type OAuthTokens } from './oauth-client.js';
import { OpenIdProvider } from './openid-provider.js';

/** Outlook's IMAP and SMTP permissions; `offline_access` for a refresh token, the OIDC ones for the id_token. */
export const MICROSOFT_MAIL_SCOPES = [
  'offline_access',
  'https://outlook.office.com/IMAP.AccessAsUser.All',
  'https://outlook.office.com/SMTP.Send',
  'openid',
  'profile',
  'email',
];

interface SerializedCache {
  RefreshToken?: Record<string, { secret: string }>;
}

/**
 * Microsoft 365 sign-in through msal-node's ConfidentialClientApplication. The authority comes only
 * from config, listed in `knownAuthorities` so msal skips Microsoft's instance discovery (the same
 * code path for login.microsoftonline.com and the sandbox, which is trusted via NODE_EXTRA_CA_CERTS).
 *
 * msal-node does not return the refresh token; it keeps it in its token cache. Every exchange
 * therefore runs on a fresh application whose in-memory cache holds that exchange only, and the
 * (possibly rotated) refresh token is read from the cache's serialization — the documented,
 * cross-MSAL cache schema. Tokens then live encrypted in the channel row, not in msal's cache, so
 * any web or worker process can refresh them and nothing accumulates in memory.
 */
export class MicrosoftOAuthClient implements OAuthClient {
  readonly id = 'microsoft';
  private readonly openId: OpenIdProvider;

  constructor(private readonly config: Config, private readonly logger: Logger) {
    this.openId = new OpenIdProvider(`${config.MICROSOFT_AUTHORITY.replace(/\/$/, '')}/v2.0/.well-known/openid-configuration`);
  }

  missingConfig(): string[] {
    return [['MICROSOFT_CLIENT_ID', this.config.MICROSOFT_CLIENT_ID], ['MICROSOFT_CLIENT_SECRET', this.config.MICROSOFT_CLIENT_SECRET]]
      .filter(([, v]) => !v)
      .map(([k]) => k as string);
  }

  async authorizationUrl(req: { redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): Promise<string> {
    return (await this.application()).getAuthCodeUrl({
      scopes: MICROSOFT_MAIL_SCOPES,
      redirectUri: req.redirectUri,
      state: req.state,
      nonce: req.nonce,
      codeChallenge: req.codeChallenge,
      codeChallengeMethod: 'S256',
      loginHint: req.loginHint,
    });
  }

  async exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }) {
    const app = await this.application();
    const result = await this.call(() =>
      app.acquireTokenByCode({ code: req.code, scopes: MICROSOFT_MAIL_SCOPES, redirectUri: req.redirectUri, codeVerifier: req.codeVerifier, nonce: req.nonce }),
    );
    const refreshToken = await this.refreshTokenIn(app);
    if (!refreshToken) throw new OAuthGrantError('no_refresh_token', 'Microsoft did not issue a refresh token (offline_access was not granted)');
    const claims = await this.openId.verifyIdToken(result.idToken, { audience: this.config.MICROSOFT_CLIENT_ID!, nonce: req.nonce });
    const email = String(claims.email ?? claims.preferred_username ?? '').toLowerCase();
    if (!email) throw new OAuthGrantError('no_email', 'The Microsoft account has no email address');
    return { tokens: this.tokens(result, refreshToken), identity: { email } };
  }

  async refresh(refreshToken: string): Promise<OAuthTokens> {
    const app = await this.application();
    const scopes = MICROSOFT_MAIL_SCOPES.filter((s) => s.startsWith('https://'));
    const result = await this.call(() => app.acquireTokenByRefreshToken({ refreshToken, scopes, forceCache: true }));
    if (!result) throw new OAuthGrantError('invalid_grant', 'Microsoft returned no token for the refresh token');
    return this.tokens(result, (await this.refreshTokenIn(app)) ?? refreshToken);
  }

  private tokens(result: AuthenticationResult, refreshToken: string): OAuthTokens {
    return { accessToken: result.accessToken, refreshToken, expiresAt: result.expiresOn ?? new Date(Date.now() + 3600_000) };
  }

  private async refreshTokenIn(app: ConfidentialClientApplication): Promise<string | undefined> {
    const cache = JSON.parse(app.getTokenCache().serialize()) as SerializedCache;
    return Object.values(cache.RefreshToken ?? {})[0]?.secret;
  }

  /** A fresh application (empty cache) that reuses the authority metadata this process already fetched. */
  private async application(): Promise<ConfidentialClientApplication> {
    const authority = this.config.MICROSOFT_AUTHORITY;
    const log = this.logger.child({ component: 'msal' });
    return new ConfidentialClientApplication({
      auth: {
        clientId: this.config.MICROSOFT_CLIENT_ID!,
        clientSecret: this.config.MICROSOFT_CLIENT_SECRET!,
        authority,
        knownAuthorities: [new URL(authority).host],
        authorityMetadata: JSON.stringify(await this.openId.metadata()),
      },
      system: {
        loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Warning, loggerCallback: (_level, message) => log.warn(message) },
      },
    });
  }

  /** msal's server errors carry the OAuth error code; they become OAuthGrantError, the rest stays as thrown. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if ((err instanceof ServerError || err instanceof InteractionRequiredAuthError) && err.errorCode) {
        throw new OAuthGrantError(err.errorCode, err.errorMessage || err.errorCode, { cause: err });
      }
      throw err;
    }
  }
}
