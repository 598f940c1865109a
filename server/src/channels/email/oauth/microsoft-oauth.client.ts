import type { Config } from '../../../config.js';
import type { Logger } from '../../../lib/logger.js';
import { MsalApps } from './msal-apps.js';
import { OAuthGrantError, type OAuthClient, type OAuthTokens } from './oauth-client.js';

/** Outlook's IMAP and SMTP permissions; `offline_access` for a refresh token, the OIDC ones for the id_token. */
export const MICROSOFT_MAIL_SCOPES = [
  'offline_access',
  'https://outlook.office.com/IMAP.AccessAsUser.All',
  'https://outlook.office.com/SMTP.Send',
  'openid',
  'profile',
  'email',
];

/**
 * Microsoft 365 sign-in for the core's `microsoft` mailbox, on the msal app factory (the authority
 * only from config, no instance discovery: the same code path for login.microsoftonline.com and the
 * sandbox, which is trusted via NODE_EXTRA_CA_CERTS).
 */
export class MicrosoftOAuthClient implements OAuthClient {
  readonly id = 'microsoft';
  private readonly apps: MsalApps;

  constructor(config: Config, logger: Logger) {
    this.apps = new MsalApps(config, logger);
  }

  missingConfig(): string[] {
    return this.apps.missingConfig();
  }

  authorizationUrl(req: { redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string }): Promise<string> {
    return this.apps.authorizationUrl(MICROSOFT_MAIL_SCOPES, req);
  }

  async exchangeCode(req: { code: string; redirectUri: string; codeVerifier: string; nonce: string }) {
    const { tokens, claims } = await this.apps.exchangeCode(MICROSOFT_MAIL_SCOPES, req);
    const email = String(claims.email ?? claims.preferred_username ?? '').toLowerCase();
    if (!email) throw new OAuthGrantError('no_email', 'The Microsoft account has no email address');
    return { tokens, identity: { email } };
  }

  refresh(refreshToken: string): Promise<OAuthTokens> {
    return this.apps.refresh(MICROSOFT_MAIL_SCOPES, refreshToken);
  }
}
