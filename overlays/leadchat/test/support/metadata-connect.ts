// Metadata sync connections made the way a user makes them: over HTTP, through the sandbox's real
// sign-in and consent pages, ending in the product's own callback. For the metadata-sync tests.
//
//   const sb = await startTestSandbox();
//   const rt = await startMetadataRuntime(sb, { workers: true });   // env: extra config overrides
//   const account = await createAccount();                           // test/support/factories.ts
//   const ms = await connectMicrosoft(rt, { account, login: 'alice@contoso.test', features: { mail: true, calendar: true } });
//   const g  = await connectGoogle(rt, { account, login: 'gina@fabrikam.test', features: { mail: true } });
//   ...
//   await rt.close(); await sb.close();
//
// connectMicrosoft(rt, { account, user?, login, password?, features?, loginHint? }): Promise<MicrosoftAccount>
// connectGoogle(rt, { account, user?, login, password?, features? }): Promise<GoogleAccount>
//   `user` (default account.admin) is the helpdesk user who connects; `login` the provider account
//   signing in (its password is looked up in the sandbox's world unless given); `features` default to
//   mail + calendar. Both return the connection row and throw when the callback does not redirect to
//   `?connected=<provider>`. The lower-level steps (authorize, consentAt, callback) are exported too.
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import type { GoogleFeatures, MicrosoftFeatures, Provider } from '../../server/metadata-sync/metadata-sync.model.js';
import { GoogleAccount, MicrosoftAccount, type SyncState } from '../../server/metadata-sync/metadata-sync.model.js';
import { startSecondRuntime, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import { clearRedisPrefix } from '../../../../test/support/runtime.js';
import { eventually, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { postSignInForm } from '../../../../test/email/oauth/oauth-testbed.js';

/** Entra and the Google stand-in accept loopback redirect URIs only. */
export const METADATA_FRONTEND_URL = 'http://127.0.0.1:3000';

type Runtime = Awaited<ReturnType<typeof startSecondRuntime>>;
/** `browser` is the user's browser: it starts the sign-ins and, keeping their cookie, finishes them. */
export type MetadataRuntime = Runtime & { sb: TestSandbox; http: () => supertest.Agent; browser: supertest.Agent };

/** Google's sign-in, token, Gmail and Calendar endpoints pointed at the sandbox's Google stand-in. */
export function googleSandboxEnv(sb: Pick<TestSandbox, 'world'>) {
  const { google } = sb.world;
  return {
    GOOGLE_CLIENT_ID: google.clientId,
    GOOGLE_CLIENT_SECRET: google.clientSecret,
    GOOGLE_AUTHORIZE_URL: google.authorizeUrl,
    GOOGLE_TOKEN_URL: google.tokenUrl,
    GOOGLE_GMAIL_BASE_URL: google.gmailBaseUrl,
    GOOGLE_CALENDAR_BASE_URL: google.calendarBaseUrl,
  };
}

/** The Microsoft app (tenant `organizations`) and Graph pointed at the sandbox's Entra ID, plus Google's. */
export function providersSandboxEnv(sb: Pick<TestSandbox, 'world'>) {
  const { microsoft } = sb.world;
  const app = microsoft.apps[0]!;
  return {
    MICROSOFT_CLIENT_ID: app.clientId,
    MICROSOFT_CLIENT_SECRET: app.clientSecret,
    MICROSOFT_AUTHORITY: `https://${microsoft.authorityHost}/organizations`,
    MICROSOFT_GRAPH_BASE_URL: microsoft.graphBaseUrl,
    ...googleSandboxEnv(sb),
  };
}

/** The configuration an installation pointed at the sandbox uses for both providers. */
export function sandboxEnv(sb: TestSandbox): NodeJS.ProcessEnv {
  return { FRONTEND_URL: METADATA_FRONTEND_URL, ...providersSandboxEnv(sb) };
}

/** A LeadChat process on the shared test database with its own Redis prefix; `workers` runs its bull jobs. */
export async function startMetadataRuntime(sb: TestSandbox, opts: { workers?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<MetadataRuntime> {
  const rt = await startSecondRuntime({ REDIS_PREFIX: `leadchat-test-metadata-${randomUUID().slice(0, 8)}`, ...sandboxEnv(sb), ...opts.env });
  if (opts.workers) rt.queues.startWorkers();
  return {
    ...rt,
    sb,
    http: () => supertest.agent(rt.app),
    browser: supertest.agent(rt.app),
    async close() {
      await rt.close();
      await clearRedisPrefix(rt.config);
    },
  };
}

/** `POST …/integrations/:provider/authorization` as a helpdesk user, in the user's browser unless another one is given. */
export async function authorize(rt: MetadataRuntime, account: TestAccount, user: TestUser, provider: Provider, body: Record<string, unknown>, browser = rt.browser) {
  const res = await browser.post(`/api/v1/accounts/${account.id}/integrations/${provider}/authorization`).set('api_access_token', user.token).send(body);
  return { status: res.status, headers: res.headers, body: res.body as { url: string; error?: { code: string; message: string; fields: { path: string; message: string }[] } } };
}

/**
 * Opens an authorization (or admin-consent) URL and posts the sandbox's sign-in + consent form; returns
 * where it redirects. On a "Need admin approval" page it returns to the application, as the user would.
 */
export async function consentAt(url: string, login: string, password: string, decision = 'accept'): Promise<URL> {
  const res = await postSignInForm(url, login, password, decision);
  const location = res.headers.get('location');
  if (location) return new URL(location);
  const answer = await res.text();
  // Entra's "Need admin approval" page: the user can only return to the application.
  if (answer.includes('id="need-admin-approval"')) return leaveAdminApprovalPage(answer, url);
  throw new Error(`sign-in did not redirect (${res.status}): ${answer.slice(0, 400)}`);
}

async function leaveAdminApprovalPage(page: string, url: string): Promise<URL> {
  const requestId = page.match(/name="request" value="([^"]+)"/)?.[1];
  const action = page.match(/<form method="post" action="([^"]+)"/)?.[1];
  const decision = page.match(/name="decision" value="([^"]+)"/)?.[1] ?? 'cancel';
  if (!requestId || !action) throw new Error(`no way back on the admin approval page: ${page.slice(0, 300)}`);
  const res = await fetch(new URL(action.replace(/&#38;/g, '&'), url), {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request: requestId, decision }).toString(),
  });
  const location = res.headers.get('location');
  if (!location) throw new Error(`the admin approval page did not redirect (${res.status})`);
  return new URL(location);
}

/** Replays the provider's redirect against the app (its path and query) in the user's browser unless another one is given. */
export async function callback(rt: MetadataRuntime, url: URL, browser = rt.browser): Promise<{ status: number; location?: URL; text: string }> {
  const res = await browser.get(`${url.pathname}${url.search}`);
  return { status: res.status, location: res.headers.location ? new URL(res.headers.location) : undefined, text: res.text };
}

export function passwordOf(sb: TestSandbox, provider: Provider, login: string): string {
  const users: { password: string; upn?: string; email?: string }[] = provider === 'microsoft' ? sb.world.microsoft.users : sb.world.google.users;
  const user = users.find((u) => (u.upn ?? u.email)?.toLowerCase() === login.toLowerCase());
  if (!user) throw new Error(`the sandbox has no ${provider} user ${login}`);
  return user.password;
}

interface ConnectOptions<F> {
  account: TestAccount;
  user?: TestUser;
  login: string;
  password?: string;
  features?: F;
  loginHint?: string;
}

/** Authorization → consent form post → callback; returns the callback's redirect (throws unless it is a 302). */
export async function walkConnect(rt: MetadataRuntime, provider: Provider, opts: ConnectOptions<Record<string, boolean>>, decision = 'accept'): Promise<URL> {
  const user = opts.user ?? opts.account.admin;
  const started = await authorize(rt, opts.account, user, provider, { features: opts.features ?? { mail: true, calendar: true }, ...(opts.loginHint ? { login_hint: opts.loginHint } : {}) });
  if (started.status !== 200) throw new Error(`authorization answered ${started.status}: ${JSON.stringify(started.body)}`);
  const back = await consentAt(started.body.url, opts.login, opts.password ?? passwordOf(rt.sb, provider, opts.login), decision);
  const res = await callback(rt, back);
  if (res.status !== 302 || !res.location) throw new Error(`the ${provider} callback answered ${res.status}: ${res.text.slice(0, 300)}`);
  return res.location;
}

async function connect(rt: MetadataRuntime, provider: Provider, opts: ConnectOptions<Record<string, boolean>>) {
  const landed = await walkConnect(rt, provider, opts);
  if (landed.searchParams.get('connected') !== provider) {
    throw new Error(`connecting ${provider} failed: ${landed.searchParams.get('error')}: ${landed.searchParams.get('message')}`);
  }
  const where = { account_id: opts.account.id, user_id: (opts.user ?? opts.account.admin).id };
  return provider === 'microsoft' ? MicrosoftAccount.findOne({ where }) : GoogleAccount.findOne({ where });
}

export async function connectMicrosoft(rt: MetadataRuntime, opts: ConnectOptions<MicrosoftFeatures>): Promise<MicrosoftAccount> {
  return (await connect(rt, 'microsoft', opts as ConnectOptions<Record<string, boolean>>)) as MicrosoftAccount;
}

export async function connectGoogle(rt: MetadataRuntime, opts: Omit<ConnectOptions<GoogleFeatures>, 'loginHint'>): Promise<GoogleAccount> {
  return (await connect(rt, 'google', opts as ConnectOptions<Record<string, boolean>>)) as GoogleAccount;
}

/**
 * One Google sync round started through the API (`POST …/integrations/google/sync` as the account's
 * administrator), waited for until `state()` (the source's sync state row) is idle with a newer
 * last_synced_at, or in error (then the round's error fails the caller's assertion). The job of the
 * previous round may still be on its way out of the queue (a second request with its id is then
 * ignored), so the request is repeated while nothing has started.
 */
export async function googleSyncRound(rt: MetadataRuntime, account: TestAccount, state: () => Promise<SyncState | null>, timeoutMs = 60_000): Promise<SyncState> {
  const since = new Date();
  let kicked = 0;
  return eventually(async () => {
    const s = await state();
    if (s?.status === 'error') return s;
    if (s?.status === 'idle' && s.last_synced_at && s.last_synced_at >= since) return s;
    if (s?.status !== 'running' && Date.now() - kicked > 1500) {
      kicked = Date.now();
      await rt.http().post(`/api/v1/accounts/${account.id}/integrations/google/sync`).set('api_access_token', account.admin.token).expect(202);
    }
    return undefined;
  }, timeoutMs);
}
