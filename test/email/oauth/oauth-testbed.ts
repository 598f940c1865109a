// One sandbox and one LeadChat runtime configured for it (Microsoft authority, Google endpoints,
// Dovecot IMAP/SMTP), as an installation pointed at the sandbox would be — through config only.
import supertest from 'supertest';
import { BINDING_COOKIE } from '../../../server/src/api/oauth-handshake/browser-binding.js';
import type { Runtime } from '../../../server/src/runtime.js';
import type { ChannelEmail } from '../../../server/src/models/index.js';
import { startSecondRuntime } from '../../support/factories.js';
import { startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';

export const FRONTEND_URL = 'http://127.0.0.1:3000';

export interface OAuthTestbed {
  sb: TestSandbox;
  rt: Runtime;
  /** The administrator's browser: keeps cookies, so the sign-in it starts can finish in it. */
  api: supertest.Agent;
  /** Frees a mailbox (channel + inbox) that another test of this run may have connected. */
  disconnect(email: string): Promise<void>;
  close(): Promise<void>;
}

export async function startOAuthTestbed(): Promise<OAuthTestbed> {
  const sb = await startTestSandbox();
  const { world } = sb;
  const app = world.microsoft.apps[0]!;
  const rt = await startSecondRuntime({
    FRONTEND_URL,
    MICROSOFT_CLIENT_ID: app.clientId,
    MICROSOFT_CLIENT_SECRET: app.clientSecret,
    MICROSOFT_AUTHORITY: world.microsoft.authority,
    MICROSOFT_IMAP_HOST: world.imap.host,
    MICROSOFT_IMAP_PORT: String(world.imap.port),
    MICROSOFT_SMTP_HOST: world.smtp.host,
    MICROSOFT_SMTP_PORT: String(world.smtp.port),
    GOOGLE_CLIENT_ID: world.google.clientId,
    GOOGLE_CLIENT_SECRET: world.google.clientSecret,
    GOOGLE_AUTHORIZE_URL: world.google.authorizeUrl,
    GOOGLE_TOKEN_URL: world.google.tokenUrl,
    GOOGLE_GMAIL_BASE_URL: world.google.gmailBaseUrl,
    GOOGLE_IMAP_HOST: world.imap.host,
    // Google's IMAP on the implicit-TLS port, Microsoft's on the STARTTLS one: both TLS modes are used.
    GOOGLE_IMAP_PORT: String(world.imap.tlsPort),
    GOOGLE_IMAP_TLS: 'implicit',
    GOOGLE_SMTP_HOST: world.smtp.host,
    GOOGLE_SMTP_PORT: String(world.smtp.port),
  });
  return {
    sb, rt, api: supertest.agent(rt.app),
    async disconnect(email) {
      const channel = await rt.models.ChannelEmail.findOne({ where: { email } });
      if (!channel) return;
      await rt.models.Inbox.destroy({ where: { channel_id: channel.id } });
      await channel.destroy();
    },
    async close() {
      await rt.close();
      await sb.close();
    },
  };
}

/**
 * Opens an authorization URL and posts the provider's sign-in + consent form (the sandbox's Entra or
 * Google page); returns the form post's answer, its redirect not followed.
 */
export async function postSignInForm(url: string, login: string, password: string, decision = 'accept'): Promise<Response> {
  const page = await (await fetch(url)).text();
  const requestId = page.match(/name="request" value="([^"]+)"/)?.[1];
  const action = page.match(/<form method="post" action="([^"]+)"/)?.[1];
  if (!requestId || !action) throw new Error(`no sign-in form at ${url}: ${page.slice(0, 300)}`);
  return fetch(new URL(action.replace(/&#38;/g, '&'), url), {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request: requestId, login, password, decision }).toString(),
  });
}

/** Opens an authorization URL and posts the provider's sign-in + consent form; returns where it redirects. */
export async function consent(url: string, login: string, password: string, decision = 'accept'): Promise<URL> {
  const res = await postSignInForm(url, login, password, decision);
  const location = res.headers.get('location');
  if (!location) throw new Error(`sign-in did not redirect (${res.status}): ${(await res.text()).slice(0, 300)}`);
  return new URL(location);
}

/** The browser binding a sign-in's start set in its cookie, for states a test signs itself. */
export function bindingOf(started: { headers: Record<string, unknown> }): string {
  const cookies = [started.headers['set-cookie'] ?? []].flat() as string[];
  const value = cookies.map((c) => c.match(new RegExp(`^${BINDING_COOKIE}=([^;]+)`))?.[1]).find(Boolean);
  if (!value) throw new Error(`the start set no ${BINDING_COOKIE} cookie`);
  return value;
}

/** The path + query of a callback URL, to replay against the app under test. */
export const pathOf = (url: URL) => `${url.pathname}${url.search}`;

/** What an OAuth channel stores, decrypted (only tests look inside). */
export function storedTokens(rt: Runtime, channel: ChannelEmail): { access_token: string; refresh_token: string } {
  return rt.secrets.decryptJson(channel.provider_secrets_ciphertext!);
}
