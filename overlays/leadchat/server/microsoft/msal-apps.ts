import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { OpenIdProvider, type ExtensionContext } from '../../../../server/src/extensions/index.js';

type MsalConfig = Pick<ExtensionContext['config'], 'MICROSOFT_CLIENT_ID' | 'MICROSOFT_CLIENT_SECRET' | 'MICROSOFT_AUTHORITY'>;

/**
 * msal-node applications for the overlay's Azure app. Delegated sign-in uses the configured authority
 * (`…/organizations` by default, so a multi-tenant app works for any work account; a single-tenant app
 * sets its tenant there). Client credentials need a tenant, so app-only calls use the same host with
 * the delegate's `tid` as the last path segment. Every authority is listed in `knownAuthorities` with
 * its metadata fetched once per process, so msal skips Microsoft's instance discovery — the same code
 * path for login.microsoftonline.com and the sandbox.
 */
export class MsalApps {
  private readonly openIds = new Map<string, OpenIdProvider>();
  /** App-only applications are kept per tenant: msal caches their client-credential tokens in memory. */
  private readonly appOnly = new Map<string, Promise<ConfidentialClientApplication>>();

  constructor(private readonly config: MsalConfig, private readonly logger: ExtensionContext['logger']) {}

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

  /**
   * A fresh delegated application (empty token cache): each code exchange or refresh runs alone, so
   * the refresh token read back from the cache is that exchange's (tokens live in the channel row).
   */
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
