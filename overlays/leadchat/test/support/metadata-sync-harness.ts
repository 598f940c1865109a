// One sandbox and one LeadChat runtime (its own Redis prefix, workers on) configured for the
// sandbox's Microsoft 365 tenant, for the metadata sync tests: tenant users connect through the
// real consent flow as helpdesk users of one account, syncs run as the real bull jobs, and the tests
// read what they produced through the API and the event rows.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import { controlFetch, eventually, startTestSandbox, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { createAccount, createAgent, startSecondRuntime, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import { clearRedisPrefix } from '../../../../test/support/runtime.js';
import type { SourceStatus } from '../../server/metadata-sync/contracts.js';
import { InteractionEvent, MicrosoftAccount, SyncState, type MicrosoftFeatures } from '../../server/metadata-sync/metadata-sync.model.js';
import { connectMicrosoft, sandboxEnv } from './metadata-connect.js';

type Runtime = Awaited<ReturnType<typeof startSecondRuntime>>;

export const ALICE = 'alice@contoso.test';
export const BOB = 'bob@contoso.test';
export const DANA = 'dana@contoso.test';
export const JANE = 'jane@example.test';
export const SUPPORT = 'support@contoso.test';
export const METADATA_QUEUES = ['metadata_sync.microsoft_mail', 'metadata_sync.microsoft_calendar'];

/** The overlay's tests run only in the overlay pass of `npm test`. */
export function overlayEnabled(): boolean {
  return (process.env.EXTENSIONS ?? 'leadchat').split(',').map((s) => s.trim()).includes('leadchat');
}

export interface BulkMessage {
  from: { name?: string; address: string };
  to: { name?: string; address: string }[];
  cc?: { name?: string; address: string }[];
  bcc?: { name?: string; address: string }[];
  subject: string;
  date: string;
  headers?: Record<string, string>;
}

export interface MetadataSyncHarness {
  sb: TestSandbox;
  rt: Runtime;
  account: TestAccount;
  /** The helpdesk user (an agent of the account) who connects the tenant user's mailbox. */
  member(upn: string): Promise<TestUser>;
  api(): supertest.Agent;
  /** Authorization → consent page (form post) → callback; the callback queues the first sync. */
  connect(upn: string, features: MicrosoftFeatures): Promise<MicrosoftAccount>;
  connection(upn: string): Promise<MicrosoftAccount>;
  addSharedMailbox(upn: string, email: string, includeCalendar?: boolean): Promise<void>;
  /** POST /integrations/microsoft/sync as the user, then waits for the queues to drain. */
  sync(upn: string): Promise<void>;
  /** Resolves once no metadata sync job of the account waits, runs or (unless told otherwise) is delayed. */
  settle(opts?: { timeoutMs?: number; delayed?: boolean }): Promise<void>;
  sources(upn: string): Promise<SourceStatus[]>;
  card(upn: string): Promise<{ connection: { status: string; last_error: string | null; sources: SourceStatus[] } | null; circuits: { name: string; state: string }[] }>;
  events(where: Record<string, unknown>): Promise<InteractionEvent[]>;
  state(mailbox: string, source: SyncState['source']): Promise<SyncState>;
  control(method: string, path: string, body?: unknown): Promise<unknown>;
  bulk(mailbox: string, folder: 'INBOX' | 'Sent Items', messages: BulkMessage[]): Promise<void>;
  /** A second process on the same Redis prefix and database, its workers on (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startMetadataSyncHarness(): Promise<MetadataSyncHarness> {
  const sb = await startTestSandbox();
  const env = { ...sandboxEnv(sb), REDIS_PREFIX: `leadchat-test-msync-${randomUUID().slice(0, 8)}` };
  const start = async (): Promise<Runtime> => {
    const runtime = await startSecondRuntime(env);
    // The worker role as `npm start` runs it: jobs, schedules and background workers (their stop hooks too).
    await runtime.startWorkers();
    return runtime;
  };
  let rt = await start();
  const account = await createAccount();
  const members = new Map<string, Promise<TestUser>>();
  const member = (upn: string): Promise<TestUser> => {
    let m = members.get(upn);
    if (!m) {
      m = createAgent(account, upn.split('@')[0]!);
      members.set(upn, m);
    }
    return m;
  };
  const base = `/api/v1/accounts/${account.id}/integrations`;
  const as = async (upn: string) => ({ token: (await member(upn)).token, http: supertest.agent(rt.app) });

  const h: MetadataSyncHarness = {
    sb,
    get rt() { return rt; },
    account,
    member,
    api: () => supertest.agent(rt.app),
    async connect(upn, features) {
      return connectMicrosoft({ ...rt, sb, http: () => supertest.agent(rt.app), browser: supertest.agent(rt.app) }, { account, user: await member(upn), login: upn, features, loginHint: upn });
    },
    async connection(upn) {
      const user = await member(upn);
      return (await MicrosoftAccount.findOne({ where: { account_id: account.id, user_id: user.id } }))!;
    },
    async addSharedMailbox(upn, email, includeCalendar = false) {
      const { token, http } = await as(upn);
      const res = await http.post(`${base}/microsoft/shared_mailboxes`).set('api_access_token', token).send({ email, include_calendar: includeCalendar });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    },
    async sync(upn) {
      const { token, http } = await as(upn);
      const res = await http.post(`${base}/microsoft/sync`).set('api_access_token', token);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      await h.settle();
    },
    async settle({ timeoutMs = 30_000, delayed = true } = {}) {
      // Only this account's jobs: the daily fan-out also queues other test files' leftover connections.
      const busy = async () => {
        const out: string[] = [];
        for (const id of METADATA_QUEUES) {
          const jobs = (await rt.queues.queue(id).getJobs(['waiting', 'active', ...(delayed ? ['delayed' as const] : [])]))
            .filter((j) => j && Number((j.data as { accountId?: number }).accountId) === account.id);
          if (jobs.length) out.push(`${id}: ${jobs.map((j) => `${j.id} (${j.failedReason ?? 'no failure'})`).join(', ')}`);
        }
        return out;
      };
      const deadline = Date.now() + timeoutMs;
      for (let left = await busy(); left.length; left = await busy()) {
        if (Date.now() > deadline) throw new Error(`metadata sync jobs still busy after ${timeoutMs} ms: ${left.join('; ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async sources(upn) {
      return (await h.card(upn)).connection?.sources ?? [];
    },
    async card(upn) {
      const { token, http } = await as(upn);
      const res = await http.get(`${base}/metadata_sync`).set('api_access_token', token);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body.microsoft;
    },
    events: (where) => InteractionEvent.findAll({ where: { account_id: account.id, ...where }, order: [['occurred_at', 'ASC'], ['counterpart_email', 'ASC']] }),
    async state(mailbox, source) {
      return (await SyncState.findOne({ where: { account_id: account.id, provider: 'microsoft', mailbox, source } }))!;
    },
    async control(method, path, body) {
      const { status, json } = await controlFetch(sb, method, path, body);
      expect(status, `${method} ${path}: ${JSON.stringify(json)}`).to.be.lessThan(300);
      return json;
    },
    async bulk(mailbox, folder, messages) {
      for (let i = 0; i < messages.length; i += 5000) await h.control('POST', '/mail/bulk', { mailbox, folder, messages: messages.slice(i, i + 5000) });
    },
    async restart() {
      await rt.close();
      rt = await start();
    },
    async close() {
      await rt.close();
      await clearRedisPrefix(rt.config);
      await sb.close();
    },
  };
  return h;
}
