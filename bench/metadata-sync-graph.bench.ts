// The Graph mail metadata backfill benchmark (issue 7), on the sandbox: 20,000 messages in Alice's
// mailbox (16,000 Inbox + 4,000 Sent Items), the sandbox's per-mailbox request-rate limit switched on,
// Alice connected through the consent page, and the backfill run by the real job (LeadChat with the
// overlay, workers running) until both folder streams have completed their first round. It reports
// requests per message, wall time, messages and events per second, the best rate the limit allows
// and the ratio to it, and RSS. It measures and reports; it never fails on speed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import supertest from 'supertest';
import { startSandbox, type RunningSandbox } from '../sandbox/src/index.js';
import type { Config } from '../server/src/config.js';
import { createRuntime, type Runtime } from '../server/src/runtime.js';
import { InteractionEvent, SyncState } from '../overlays/leadchat/server/metadata-sync/metadata-sync.model.js';
import { MAIL_PAGE_SIZE } from '../overlays/leadchat/server/metadata-sync/sync/microsoft/outlook-mail.sync.js';
import { consent } from '../test/email/oauth/oauth-testbed.js';
import { controlFetch } from '../test/sandbox/helpers.js';
import { clearRedisPrefix, resetTestDatabase } from '../test/support/runtime.js';
import { benchConfig, writeResults } from './bench-runtime.js';

const INBOX = Number(process.env.BENCH_METADATA_INBOX ?? 16_000);
const SENT = Number(process.env.BENCH_METADATA_SENT ?? 4_000);
/** The sandbox's sustained request rate per app × mailbox (token bucket) and its burst. */
const LIMITS = { requestsPerSecond: Number(process.env.BENCH_GRAPH_RPS ?? 5), burst: Number(process.env.BENCH_GRAPH_BURST ?? 5) };
const ALICE = 'alice@contoso.test';
const FRONTEND_URL = 'http://127.0.0.1:3000';
const PLATFORM_TOKEN = 'bench-platform-token-0123456789abcdef';
const BULK_CHUNK = 5_000;
const RESULTS = path.join(import.meta.dirname, 'results', 'metadata-sync-graph.json');

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const benchStarted = performance.now();
const log = (s: string) => console.log(`[bench] ${round((performance.now() - benchStarted) / 1000)} s: ${s}`);

interface Address { name?: string; address: string }
interface Bulk { from: Address; to: Address[]; cc?: Address[]; bcc?: Address[]; subject: string; date: string; headers?: Record<string, string> }

/**
 * Customer mail over the last 20 months: inbound from 2,000 correspondents (every 10th a newsletter,
 * every 7th with a Cc), outbound to one of them (every 5th with a Cc, every 9th with a Bcc).
 */
function corpus(): { inbox: Bulk[]; sent: Bulk[] } {
  const me = { name: 'Alice Archer', address: ALICE };
  const span = 600 * 24 * 3600_000;
  const at = (i: number, n: number) => new Date(Date.now() - Math.floor(((i + 0.5) / n) * span)).toISOString();
  const person = (i: number): Address => ({ name: `Customer ${i % 2000}`, address: `c${i % 2000}@customer.test` });
  const inbox = Array.from({ length: INBOX }, (_, i): Bulk => ({
    from: person(i), to: [me], ...(i % 7 === 0 ? { cc: [person(i + 1)] } : {}), subject: `Question ${i}`, date: at(i, INBOX),
    ...(i % 10 === 0 ? { headers: { 'List-Unsubscribe': '<mailto:unsubscribe@customer.test>' } } : {}),
  }));
  const sent = Array.from({ length: SENT }, (_, i): Bulk => ({
    from: me, to: [person(i * 3)], ...(i % 5 === 0 ? { cc: [person(i * 3 + 1)] } : {}), ...(i % 9 === 0 ? { bcc: [person(i * 3 + 2)] } : {}),
    subject: `Answer ${i}`, date: at(i, SENT),
  }));
  return { inbox, sent };
}

function metadataConfig(runDir: string, sb: RunningSandbox): Config {
  const base = benchConfig(runDir);
  const db = new URL(base.DATABASE_URL);
  db.pathname += '_metadata_sync';
  const app = sb.world.microsoft.apps[0]!;
  return {
    ...base,
    DATABASE_URL: db.toString(),
    REDIS_PREFIX: 'leadchat-bench-metadata-sync',
    LOG_LEVEL: 'error',
    EXTENSIONS: [...new Set([...base.EXTENSIONS, 'leadchat'])],
    FRONTEND_URL,
    MICROSOFT_CLIENT_ID: app.clientId,
    MICROSOFT_CLIENT_SECRET: app.clientSecret,
    MICROSOFT_AUTHORITY: `https://${sb.world.microsoft.authorityHost}/organizations`,
    env: { ...base.env, MICROSOFT_GRAPH_BASE_URL: sb.world.microsoft.graphBaseUrl },
  };
}

async function control<T>(sb: RunningSandbox, method: string, urlPath: string, body?: unknown): Promise<T> {
  const { status, json } = await controlFetch(sb, method, urlPath, body);
  if (status >= 300) throw new Error(`${method} ${urlPath}: ${status} ${JSON.stringify(json)}`);
  return json as T;
}

/** Alice's helpdesk user connects her mailbox (mail only) through the consent page; the callback queues the backfill. */
async function connectAlice(rt: Runtime, sb: RunningSandbox): Promise<{ accountId: number }> {
  // One cookie jar, as Alice's browser: the callback is only accepted where the sign-in started.
  const api = supertest.agent(rt.app);
  const platform = async (p: string, body: object) => (await api.post(`/platform/api/v1${p}`).set('api_access_token', PLATFORM_TOKEN).send(body).expect(200)).body;
  const account = await platform('/accounts', { name: 'Bench metadata sync' });
  const user = await platform('/users', { name: 'Alice Archer', email: `bench.alice.${Date.now()}@example.test` });
  await platform(`/accounts/${account.id}/account_users`, { user_id: user.id, role: 'agent' });
  const started = await api.post(`/api/v1/accounts/${account.id}/integrations/microsoft/authorization`)
    .set('api_access_token', user.access_token).send({ features: { mail: true }, login_hint: ALICE });
  if (started.status !== 200) throw new Error(`authorization failed: ${started.status} ${JSON.stringify(started.body)}`);
  const back = await consent(started.body.url, ALICE, sb.world.microsoft.users.find((u) => u.upn === ALICE)!.password);
  const done = await api.get(`${back.pathname}${back.search}`);
  if (done.status !== 302 || !/connected=microsoft/.test(done.headers.location ?? '')) throw new Error(`callback failed: ${done.status} ${done.headers.location}`);
  return { accountId: account.id };
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0];
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadchat-bench-msync-'));
  fs.chmodSync(runDir, 0o755); // Dovecot's unprivileged processes walk into the sandbox folder below it
  const sandbox = await startSandbox({ runtimeDir: path.join(runDir, 'sandbox'), logger: pino({ name: 'sandbox', level: 'error' }) });
  let rt: Runtime | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => (cleaning ??= (async () => {
    if (rt) {
      await rt.close();
      await clearRedisPrefix(rt.config);
    }
    await sandbox.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  try {
    const { inbox, sent } = corpus();
    log(`seeding ${ALICE}: ${inbox.length} Inbox + ${sent.length} Sent Items messages`);
    for (const [folder, messages] of [['INBOX', inbox], ['Sent Items', sent]] as const) {
      for (let i = 0; i < messages.length; i += BULK_CHUNK) await control(sandbox, 'POST', '/mail/bulk', { mailbox: ALICE, folder, messages: messages.slice(i, i + BULK_CHUNK) });
    }
    const config = metadataConfig(runDir, sandbox);
    await resetTestDatabase(config.DATABASE_URL);
    rt = await createRuntime(config);
    await rt.migrate();
    await rt.startWorkers();
    await control(sandbox, 'POST', '/graph/limits', LIMITS);
    await control(sandbox, 'POST', '/graph/requests/reset');
    log(`limits ${JSON.stringify(LIMITS)}; connecting and backfilling`);

    let rssMax = process.memoryUsage().rss;
    const rssSampler = setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage().rss); }, 250);
    const rssStart = process.memoryUsage().rss;
    const t0 = performance.now();
    const { accountId } = await connectAlice(rt, sandbox);
    let states: SyncState[] = [];
    for (;;) {
      states = await SyncState.findAll({ where: { account_id: accountId, provider: 'microsoft', mailbox: ALICE } });
      if (states.length === 2 && states.every((s) => s.backfill_completed_at)) break;
      const failed = states.find((s) => s.status === 'error');
      if (failed) throw new Error(`backfill failed: ${failed.error}`);
      await sleep(100);
    }
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(rssSampler);

    const requests = await control<{ total: number; byStatus: Record<string, number>; byMailbox: Record<string, number> }>(sandbox, 'GET', '/graph/requests');
    const ok = Object.entries(requests.byStatus).filter(([s]) => s.startsWith('2')).reduce((n, [, c]) => n + c, 0);
    const throttled = requests.byStatus['429'] ?? 0;
    const messages = states.reduce((n, s) => n + Number(s.progress.processed ?? 0), 0);
    const events = await InteractionEvent.count({ where: { account_id: accountId } });
    const okPerMessage = ok / messages;
    const messagesPerSecond = messages / seconds;
    const bestMessagesPerSecond = LIMITS.requestsPerSecond / okPerMessage;
    const results = {
      benchmark: 'metadata-sync-graph',
      date: new Date().toISOString(),
      machine: {
        cpus: os.availableParallelism(), cpu_model: os.cpus()[0]?.model ?? 'unknown', total_memory_gb: round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}`,
        load_average_1m: { at_start: round(loadAtStart, 2), at_end: round(os.loadavg()[0], 2) },
      },
      parameters: {
        setup: 'one Node process: the sandbox (Entra and Graph in-process, Dovecot as child processes) and LeadChat (overlay registered, workers running, LOG_LEVEL=error)',
        mailbox: ALICE, seeded: { inbox: inbox.length, sent_items: sent.length },
        graph_limits: { ...LIMITS, what: 'token bucket per app × mailbox: requestsPerSecond refill, burst capacity; beyond it 429 with Retry-After (whole seconds)' },
        page_size: MAIL_PAGE_SIZE,
        timing: 'from the start of the connect flow (authorization, consent page, callback — which queues the backfill job) until both folder streams (Inbox, Sent Items) have completed their first delta round',
      },
      goals: { requests_per_message: 0.02, ratio_to_best_rate: 0.9 },
      messages,
      events,
      requests: { total: requests.total, ok_2xx: ok, throttled_429: throttled, other: requests.total - ok - throttled, by_status: requests.byStatus },
      requests_per_message: round(requests.total / messages, 4),
      ok_requests_per_message: round(okPerMessage, 4),
      wall_seconds: round(seconds, 2),
      messages_per_second: round(messagesPerSecond),
      events_per_second: round(events / seconds),
      best_messages_per_second: round(bestMessagesPerSecond),
      ratio_to_best_rate: round(messagesPerSecond / bestMessagesPerSecond, 3),
      rss_mb: { at_start: round(rssStart / 2 ** 20), max: round(rssMax / 2 ** 20) },
      total_seconds: round((performance.now() - benchStarted) / 1000),
    };
    writeResults(RESULTS, results);
    console.table({
      messages: { value: messages, goal: '' },
      events: { value: events, goal: '' },
      'requests (2xx / 429)': { value: `${ok} / ${throttled}`, goal: '' },
      'requests per message': { value: results.requests_per_message, goal: '<= 0.02' },
      'wall time (s)': { value: results.wall_seconds, goal: '' },
      'messages/s (events/s)': { value: `${results.messages_per_second} (${results.events_per_second})`, goal: '' },
      'best messages/s the limit allows': { value: results.best_messages_per_second, goal: '' },
      'ratio to best': { value: results.ratio_to_best_rate, goal: '>= 0.9' },
      'RSS max (MB)': { value: results.rss_mb.max, goal: '' },
    });
    console.log(`\nwritten to ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await cleanUp();
  }
}

await main();
