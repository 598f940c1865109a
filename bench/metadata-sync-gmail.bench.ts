// The Gmail metadata backfill benchmark (issue 7), on the sandbox with its per-user Gmail quota on: one
// LeadChat runtime with the overlay registered and workers running, Gina's mailbox seeded with N
// messages, Gina connected through Google's consent page (the callback queues the sync), and the real
// `google_mail` job backfilling. The quota is set to the same units per minute in the sandbox and in
// LeadChat (GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE). Gmail's bucket holds one minute of units and starts
// full, so the first minute's worth goes as fast as the machine can; the ratio is measured after that
// burst (from when Google charges no faster than the quota's rate), while the bucket is empty and the
// quota alone sets the pace:
//   best rate    = unitsPerMinute / 60 units/s (messages/s = that / units per message, list calls amortised)
//   steady ratio = units/s Google charged in the steady phase / best rate   (goal ≥ 0.9)
// It measures and reports; it never fails on speed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { startSandbox, type RunningSandbox } from '../sandbox/src/index.js';
import type { Config } from '../server/src/config.js';
import { createRuntime, type Runtime } from '../server/src/runtime.js';
import { GMAIL_UNIT_COSTS } from '../overlays/leadchat/server/metadata-sync/sync/google/gmail-quota.js';
import { GMAIL_PAGE_SIZE } from '../overlays/leadchat/server/metadata-sync/sync/google/gmail-metadata.client.js';
import { InteractionEvent, SyncState } from '../overlays/leadchat/server/metadata-sync/metadata-sync.model.js';
import { googleSandboxEnv, walkConnect, type MetadataRuntime } from '../overlays/leadchat/test/support/metadata-connect.js';
import { controlFetch } from '../test/sandbox/helpers.js';
import { clearRedisPrefix, resetTestDatabase } from '../test/support/runtime.js';
import { benchConfig, writeResults } from './bench-runtime.js';

const MESSAGES = Number(process.env.BENCH_GMAIL_MESSAGES ?? 6000);
const UNITS_PER_MINUTE = Number(process.env.BENCH_GMAIL_UNITS_PER_MINUTE ?? 60_000);
const SEED_BATCH = 2000;
const SAMPLE_MS = 250;
const TIMEOUT_MS = 20 * 60_000;
const GINA = 'gina@fabrikam.test';
const FRONTEND_URL = 'http://127.0.0.1:3000';
const RESULTS = path.join(import.meta.dirname, 'results', 'metadata-sync-gmail.json');
const DAY = 24 * 3600_000;

interface QuotaReport { unitsPerMinute: number; unitsUsed: number; throttled: number; requests: Record<string, number> }
interface Sample { at: number; units: number; processed: number }

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const benchStarted = performance.now();
const log = (s: string) => console.log(`[bench] ${round((performance.now() - benchStarted) / 1000, 1)} s: ${s}`);

async function control<T>(sb: RunningSandbox, method: string, urlPath: string, body?: unknown): Promise<T> {
  const { status, json } = await controlFetch(sb, method, urlPath, body);
  if (status >= 300) throw new Error(`${method} ${urlPath} answered ${status}: ${JSON.stringify(json)}`);
  return json as T;
}

/** The bench's own database and Redis prefix, the overlay on, Google pointed at the sandbox. */
function gmailBenchConfig(runDir: string, sb: RunningSandbox): Config {
  const base = benchConfig(runDir);
  const db = new URL(base.DATABASE_URL);
  db.pathname += '_metadata_gmail';
  return {
    ...base,
    DATABASE_URL: db.toString(),
    REDIS_PREFIX: 'leadchat-bench-metadata-gmail',
    LOG_LEVEL: 'error',
    EXTENSIONS: [...new Set([...base.EXTENSIONS, 'leadchat'])],
    FRONTEND_URL,
    ...googleSandboxEnv(sb),
  };
}

/** N messages over the last 23 months: two in three received (one in ten a newsletter), one in three sent. */
async function seedMailbox(sb: RunningSandbox): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < MESSAGES; start += SEED_BATCH) {
    const messages = Array.from({ length: Math.min(SEED_BATCH, MESSAGES - start) }, (_, k) => {
      const i = start + k;
      const at = now - Math.floor((i / MESSAGES) * 700 * DAY) - 60_000;
      const person = { name: `Contact ${i % 997}`, address: `contact${i % 997}@bench.test` };
      return i % 3 === 2
        ? { from: GINA, to: [person], cc: i % 9 === 2 ? [`cc${i % 101}@bench.test`] : [], subject: `Re: thread ${i}`, labelIds: ['SENT'], at }
        : { from: person, to: [GINA], subject: `Thread ${i}`, labelIds: ['INBOX'], at, ...(i % 10 === 0 ? { headers: { 'List-Unsubscribe': '<mailto:leave@bench.test>' } } : {}) };
    });
    await control(sb, 'POST', '/google/messages', { messages, record: false });
  }
}

async function startApp(runDir: string, sb: RunningSandbox): Promise<Runtime> {
  const config = gmailBenchConfig(runDir, sb);
  await resetTestDatabase(config.DATABASE_URL);
  await clearRedisPrefix(config);
  // Read once when the sync engine is created, as in production.
  process.env.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE = String(UNITS_PER_MINUTE);
  const rt = await createRuntime(config);
  await rt.migrate();
  await rt.startWorkers();
  return rt;
}

async function createAccount(rt: Runtime): Promise<{ id: number; admin: { id: number; email: string; token: string } }> {
  const api = supertest(rt.app);
  const platform = (p: string, body: object) => api.post(`/platform/api/v1${p}`).set('api_access_token', rt.config.PLATFORM_API_TOKEN!).send(body).expect(200);
  const account = (await platform('/accounts', { name: 'Bench Gmail' })).body;
  const admin = (await platform('/users', { name: 'Bench Admin', email: `bench.admin.gmail.${Date.now()}@example.test` })).body;
  await platform(`/accounts/${account.id}/account_users`, { user_id: admin.id, role: 'administrator' });
  return { id: account.id, admin: { id: admin.id, email: admin.email, token: admin.access_token } };
}

async function main(): Promise<void> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadchat-bench-gmail-'));
  const sb = await startSandbox({ runtimeDir: runDir });
  let rt: Runtime | undefined;
  try {
    rt = await startApp(runDir, sb);
    await control(sb, 'POST', '/google/quota', { unitsPerMinute: UNITS_PER_MINUTE, enabled: true });
    log(`seeding ${MESSAGES} Gmail messages`);
    await seedMailbox(sb);
    await control(sb, 'POST', '/google/quota/reset-usage');
    const account = await createAccount(rt);
    // What the consent walk uses of a test runtime: the app over HTTP, the user's browser (its cookies) and the sandbox's users.
    const runtime = rt;
    const app = { sb, http: () => supertest.agent(runtime.app), browser: supertest.agent(runtime.app) } as unknown as MetadataRuntime;

    log(`connecting ${GINA} (the callback queues the backfill); quota ${UNITS_PER_MINUTE} units/min`);
    let peakRss = process.memoryUsage().rss;
    const started = performance.now();
    const landed = await walkConnect(app, 'google', { account, login: GINA, features: { mail: true } });
    if (landed.searchParams.get('connected') !== 'google') throw new Error(`connect failed: ${landed.search}`);

    const samples: Sample[] = [];
    let state: SyncState | null = null;
    for (;;) {
      const quota = await control<QuotaReport>(sb, 'GET', '/google/quota');
      state = await SyncState.findOne({ where: { account_id: account.id, provider: 'google', source: 'gmail' } });
      samples.push({ at: performance.now(), units: quota.unitsUsed, processed: Number((state?.progress as { processed?: number } | undefined)?.processed ?? 0) });
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (state?.backfill_completed_at) break;
      if (state?.status === 'error') throw new Error(`the sync failed: ${state.error}`);
      if (performance.now() - started > TIMEOUT_MS) throw new Error('the backfill did not finish in time');
      await sleep(SAMPLE_MS);
    }
    const finished = performance.now();
    const quota = await control<QuotaReport>(sb, 'GET', '/google/quota');
    const events = await InteractionEvent.count({ where: { account_id: account.id, source: 'google_mail' } });
    const processed = Number((state.progress as { processed?: number }).processed ?? 0);

    const unitsPerSecond = UNITS_PER_MINUTE / 60;
    const listCalls = Math.ceil(MESSAGES / GMAIL_PAGE_SIZE) + 1;
    const unitsPerMessage = GMAIL_UNIT_COSTS['users.messages.get'] + (listCalls * GMAIL_UNIT_COSTS['users.messages.list'] + GMAIL_UNIT_COSTS['users.getProfile']) / MESSAGES;
    const wallSeconds = (finished - started) / 1000;
    // The burst is over (the bucket is empty) from the first sample after which Google charged no faster
    // than the quota's rate over the next two seconds; the steady phase runs from there to the end.
    const horizon = Math.round(2000 / SAMPLE_MS);
    const steadyFrom = samples.find((s, i) => {
      const later = samples[i + horizon];
      return later !== undefined && (later.units - s.units) / ((later.at - s.at) / 1000) <= 1.1 * unitsPerSecond;
    });
    const steady = steadyFrom && finished - steadyFrom.at > 5_000
      ? { seconds: (finished - steadyFrom.at) / 1000, units: quota.unitsUsed - steadyFrom.units }
      : null;
    const steadyUnitsPerSecond = steady ? steady.units / steady.seconds : null;
    // However fast the calls: the bucket's first minute, then the rest at the quota's rate.
    const bestWall = Math.max(0, quota.unitsUsed - UNITS_PER_MINUTE) / unitsPerSecond;
    const result = {
      at: new Date().toISOString(),
      messages: processed,
      messages_seeded: MESSAGES,
      events,
      units_per_minute: UNITS_PER_MINUTE,
      units_used: quota.unitsUsed,
      requests: quota.requests,
      throttled_429: quota.throttled,
      wall_seconds: round(wallSeconds),
      messages_per_second: round(processed / wallSeconds),
      units_per_message: round(unitsPerMessage, 3),
      best_messages_per_second: round(unitsPerSecond / unitsPerMessage),
      best_wall_seconds_with_full_bucket: round(bestWall),
      wall_ratio: round(bestWall / wallSeconds, 3),
      steady: steady ? {
        seconds: round(steady.seconds),
        units_per_second: round(steadyUnitsPerSecond!),
        messages_per_second: round(steadyUnitsPerSecond! / unitsPerMessage),
        ratio: round(steadyUnitsPerSecond! / unitsPerSecond, 3),
      } : null,
      goal: { steady_ratio_at_least: 0.9 },
      rss_mb_peak: round(peakRss / 2 ** 20, 1),
      notes: 'Sandbox Gmail with its per-user token bucket (capacity one minute of units, starting full); LeadChat configured with the same units per minute.',
    };
    writeResults(RESULTS, result);
    console.table({
      messages: result.messages, events: result.events, units: result.units_used, '429s': result.throttled_429, 'wall s': result.wall_seconds,
      'msg/s': result.messages_per_second, 'best msg/s': result.best_messages_per_second, 'steady ratio': result.steady?.ratio ?? 'n/a',
      'wall ratio': result.wall_ratio, 'RSS MB': result.rss_mb_peak,
    });
    log(`results in ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await rt?.close();
    await sb.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

await main();
