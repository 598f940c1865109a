import type { MsalApps } from '../../../../../server/src/extensions/index.js';
import { GRAPH_RESOURCE, OIDC_SCOPES } from './scopes.js';

/**
 * Where a tenant administrator approves the app's delegated Graph permissions for the whole
 * organization (`/{tenant}/v2.0/adminconsent`, scopes as full URLs). `tenant` is the connection's
 * tenant id, the signing-in user's domain, or else the configured authority's own (`organizations`).
 * Microsoft sends the administrator back to `redirectUri` with `state` (the helpdesk account id).
 */
export function adminConsentUrl(apps: MsalApps, opts: { tenant?: string; scopes: readonly string[]; redirectUri: string; accountId: number }): string {
  const url = new URL(`${apps.authority(opts.tenant)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', apps.clientId);
  url.searchParams.set('scope', opts.scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase())).map((s) => `${GRAPH_RESOURCE}/${s}`).join(' '));
  url.searchParams.set('redirect_uri', opts.redirectUri);
  url.searchParams.set('state', String(opts.accountId));
  return url.toString();
}

/** The tenant to ask: an address's domain names its tenant for Entra (contoso.com → the Contoso tenant). */
export const tenantOfAddress = (email?: string): string | undefined => email?.split('@')[1]?.toLowerCase() || undefined;
