// What the control API's GET /world returns and `npm run sandbox` prints: every endpoint, account and
// secret a product configuration needs to point at the sandbox.
import type { World } from './world/world.js';
import type { SandboxPorts } from './ports.js';
import { seedGoogle, seedLeadMail, GOOGLE_DOMAIN, CONSUMERS_TENANT_ID } from './world/seed.js';

export interface WorldInfo {
  controlUrl: string;
  caCertPath: string;
  imap: { host: string; port: number; tlsPort: number; authMechanisms: string[] };
  smtp: { host: string; port: number; security: 'starttls'; authMechanisms: string[] };
  lmtp: { host: string; port: number };
  microsoft: {
    tenantId: string;
    tenantDomain: string;
    /** For msal-node's knownAuthorities. */
    authorityHost: string;
    authority: string;
    /** Graph client's baseUrl (the client appends /v1.0); its customHosts needs graphHost. */
    graphBaseUrl: string;
    graphHost: string;
    adminConsentUrl: string;
    apps: { clientId: string; clientSecret: string; displayName: string; requiredRoles: string[] }[];
    /** Personal Microsoft accounts (e.g. pat@outlook.test) sign in through /common or /consumers only. */
    consumersTenantId: string;
    users: { id: string; upn: string; displayName: string; password: string; isAdmin: boolean; personal: boolean }[];
    sharedMailboxes: { id: string; upn: string; displayName: string; fullAccess: string[]; sendAs: string[]; messageCopyForSentAsEnabled: boolean }[];
  };
  plainMailboxes: { address: string; displayName: string; password: string }[];
  leadmail: { baseUrl: string; apiKey: string; verifiedDomains: string[] };
  google: {
    authorizeUrl: string;
    tokenUrl: string;
    gmailBaseUrl: string;
    calendarBaseUrl: string;
    clientId: string;
    clientSecret: string;
    domain: string;
    users: { id: string; email: string; name: string; password: string }[];
  };
}

export function worldInfo(world: World, ports: SandboxPorts, caCertPath: string): WorldInfo {
  const host = '127.0.0.1';
  const httpsBase = `https://localhost:${ports.https}`;
  const authority = `${httpsBase}/${world.tenant.id}`;
  return {
    controlUrl: `http://${host}:${ports.control}`,
    caCertPath,
    imap: { host, port: ports.imap, tlsPort: ports.imaps, authMechanisms: ['PLAIN', 'LOGIN', 'XOAUTH2'] },
    smtp: { host, port: ports.smtp, security: 'starttls', authMechanisms: ['XOAUTH2', 'PLAIN', 'LOGIN'] },
    lmtp: { host, port: ports.lmtp },
    microsoft: {
      tenantId: world.tenant.id,
      tenantDomain: world.tenant.domain,
      authorityHost: `localhost:${ports.https}`,
      authority,
      graphBaseUrl: httpsBase,
      graphHost: 'localhost',
      adminConsentUrl: `${authority}/v2.0/adminconsent`,
      apps: world.apps.map((a) => ({ clientId: a.clientId, clientSecret: a.clientSecret, displayName: a.displayName, requiredRoles: [...a.requiredRoles] })),
      consumersTenantId: CONSUMERS_TENANT_ID,
      users: world.users.map((u) => ({ id: u.id, upn: u.upn, displayName: u.displayName, password: u.password, isAdmin: u.isAdmin, personal: u.personal ?? false })),
      sharedMailboxes: world.sharedMailboxes.map((m) => ({ ...m, fullAccess: [...m.fullAccess], sendAs: [...m.sendAs] })),
    },
    plainMailboxes: world.plainMailboxes.map((m) => ({ ...m })),
    leadmail: { baseUrl: `${httpsBase}/leadmail`, apiKey: seedLeadMail.apiKey, verifiedDomains: [...seedLeadMail.verifiedDomains] },
    google: {
      authorizeUrl: `${httpsBase}/google/o/oauth2/v2/auth`,
      tokenUrl: `${httpsBase}/google/token`,
      gmailBaseUrl: `${httpsBase}/google/gmail/v1`,
      calendarBaseUrl: `${httpsBase}/google/calendar/v3`,
      clientId: seedGoogle.client.clientId,
      clientSecret: seedGoogle.client.clientSecret,
      domain: GOOGLE_DOMAIN,
      users: seedGoogle.users.map((u) => ({ ...u })),
    },
  };
}
