import type { WorldInfo } from '../sandbox/src/world-info.js';

/**
 * The product's settings for a tenant, LeadMail and Google, filled from the sandbox's world. IMAP goes
 * to the implicit-TLS port, so the TLS mode goes with it: the product never guesses it from a port
 * number that is not 993.
 */
export function productEnv(world: WorldInfo): NodeJS.ProcessEnv {
  const app = world.microsoft.apps[0];
  return {
    NODE_EXTRA_CA_CERTS: world.caCertPath,
    MICROSOFT_CLIENT_ID: app.clientId,
    MICROSOFT_CLIENT_SECRET: app.clientSecret,
    MICROSOFT_AUTHORITY: world.microsoft.authority,
    MICROSOFT_GRAPH_BASE_URL: world.microsoft.graphBaseUrl,
    MICROSOFT_IMAP_HOST: world.imap.host,
    MICROSOFT_IMAP_PORT: String(world.imap.tlsPort),
    MICROSOFT_IMAP_TLS: 'implicit',
    MICROSOFT_SMTP_HOST: world.smtp.host,
    MICROSOFT_SMTP_PORT: String(world.smtp.port),
    MICROSOFT_SMTP_TLS: world.smtp.security,
    LEADMAIL_BASE_URL: world.leadmail.baseUrl,
    LEADMAIL_API_KEY: world.leadmail.apiKey,
    // The sandbox's LeadMail refuses senders outside its verified domains; an operator's own choice stands.
    MAILER_SENDER_EMAIL: process.env.MAILER_SENDER_EMAIL ?? `LeadChat <notifications@${world.leadmail.verifiedDomains[0]}>`,
    GOOGLE_CLIENT_ID: world.google.clientId,
    GOOGLE_CLIENT_SECRET: world.google.clientSecret,
    GOOGLE_AUTHORIZE_URL: world.google.authorizeUrl,
    GOOGLE_TOKEN_URL: world.google.tokenUrl,
    GOOGLE_GMAIL_BASE_URL: world.google.gmailBaseUrl,
    GOOGLE_CALENDAR_BASE_URL: world.google.calendarBaseUrl,
  };
}
