// The API at scale (issue 18): 100,000 conversations (~3 messages each), 20,000 contacts and 5 inboxes,
// seeded in SQL (multi-row INSERT … SELECT generate_series), served by the real app (`server/src/main.ts`,
// ROLE=web) in its own process on its own database. Each scenario is driven open-loop at a constant
// rate: a request is sent on schedule whether or not the previous ones have answered, and its latency
// counts from when it was due, so a saturated server shows as growing latency rather than as a lower
// rate (closed-loop tools such as autocannon wait for a free connection and hide that). The CPU the
// app process and its Postgres backends used during each run is read from /proc.
// It measures and reports; it never fails on speed.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { writeResults } from './bench-runtime.js';

const DB_URL = process.env.BENCH_API_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leadchat_bench_api';
const PORT = Number(process.env.BENCH_API_PORT ?? 3918);
const CONVERSATIONS = Number(process.env.BENCH_API_CONVERSATIONS ?? 100_000);
const CONTACTS = Number(process.env.BENCH_API_CONTACTS ?? 20_000);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const RATES = (process.env.BENCH_API_RATES ?? '50,100,200').split(',').map(Number);
const SEARCH_RATES = (process.env.BENCH_API_SEARCH_RATES ?? '10,20,50').split(',').map(Number);
const PLATFORM_TOKEN = 'bench-platform-token-0123456789abcdef';
const RESULTS = process.env.BENCH_API_RESULTS ?? path.join(import.meta.dirname, 'results', 'api.json');
/** Sequential requests per scenario for the CPU-per-request figures. */
const SEQUENTIAL = Number(process.env.BENCH_API_SEQUENTIAL ?? 200);
/** `true`: keep the database seeded by an earlier run (same knobs) instead of seeding again — for iterating on the app. */
const REUSE = process.env.BENCH_API_REUSE === 'true';
/** Extra node options for the app process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
const APP_NODE_OPTIONS = (process.env.BENCH_API_APP_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
/** Requests still unanswered after this count as timeouts. */
const TIMEOUT_MS = 10_000;

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = performance.now();
const log = (s: string) => console.log(`[bench:api] ${round((performance.now() - started) / 1000)} s: ${s}`);
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

function request(method: string, urlPath: string, token?: string, body?: object): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : undefined;
    const req = http.request(
      { host: '127.0.0.1', port: PORT, method, path: urlPath, agent, timeout: TIMEOUT_MS, headers: { ...(token ? { api_access_token: token } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

async function json(method: string, urlPath: string, token?: string, body?: object): Promise<any> {
  const res = await request(method, urlPath, token, body);
  if (res.status !== 200) throw new Error(`${method} ${urlPath}: ${res.status} ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body);
}

/** utime + stime of a process in clock ticks (100 per second on Linux), 0 when it is gone. */
function cpuTicks(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

async function backendPids(db: pg.Client): Promise<number[]> {
  const { rows } = await db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  return rows.map((r) => r.pid as number);
}

interface RunResult {
  rate: number; sent: number; ok: number; errors: number; p50_ms: number; p95_ms: number; p99_ms: number; max_ms: number;
  app_cpu_pct: number; postgres_cpu_pct: number;
  /** The machine's 1-minute load average after the run: on a shared 2-core machine, the share of the cores others took. */
  loadavg: number;
}

/** `rate` requests a second for SECONDS, each due at its slot; latency from the slot to the answer. */
async function openLoop(db: pg.Client, app: ChildProcess, rate: number, next: (i: number) => string, token: string): Promise<RunResult> {
  const total = Math.round(rate * SECONDS);
  const latencies: number[] = [];
  let errors = 0;
  const pgBefore = new Map((await backendPids(db)).map((pid) => [pid, cpuTicks(pid)]));
  const appBefore = cpuTicks(app.pid!);
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      request('GET', next(i), token).then(
        (res) => {
          if (res.status === 200) latencies.push(performance.now() - due);
          else errors++;
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(inFlight);
  const wall = (performance.now() - t0) / 1000;
  const pgAfter = await backendPids(db);
  const pgTicks = pgAfter.reduce((sum, pid) => sum + Math.max(0, cpuTicks(pid) - (pgBefore.get(pid) ?? 0)), 0);
  const ticksPerSecond = 100;
  const s = latencies.sort((a, b) => a - b);
  const pct = (p: number) => (s.length ? round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]) : NaN);
  return {
    rate, sent: total, ok: s.length, errors, p50_ms: pct(0.5), p95_ms: pct(0.95), p99_ms: pct(0.99), max_ms: s.length ? round(s.at(-1)!) : NaN,
    app_cpu_pct: round(((cpuTicks(app.pid!) - appBefore) / ticksPerSecond / wall) * 100),
    postgres_cpu_pct: round((pgTicks / ticksPerSecond / wall) * 100),
    loadavg: round(os.loadavg()[0], 2),
  };
}

interface CostResult {
  requests: number;
  /** CPU of the app process per request (ms), requests sent one at a time, so queueing plays no part. */
  app_cpu_ms: number;
  /** CPU of its Postgres backends per request (ms). */
  postgres_cpu_ms: number;
  /** Mean latency of one request alone (ms). */
  mean_ms: number;
}

/** What one request costs, independent of the machine's load: `n` requests one after another. */
async function costPerRequest(db: pg.Client, app: ChildProcess, n: number, next: (i: number) => string, token: string): Promise<CostResult> {
  const pgBefore = new Map((await backendPids(db)).map((pid) => [pid, cpuTicks(pid)]));
  const appBefore = cpuTicks(app.pid!);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await request('GET', next(i), token);
    if (res.status !== 200) throw new Error(`${next(i)}: ${res.status} ${res.body.slice(0, 300)}`);
  }
  const wall = performance.now() - t0;
  const appTicks = cpuTicks(app.pid!) - appBefore;
  const pgTicks = (await backendPids(db)).reduce((sum, pid) => sum + Math.max(0, cpuTicks(pid) - (pgBefore.get(pid) ?? 0)), 0);
  return { requests: n, app_cpu_ms: round((appTicks * 10) / n, 2), postgres_cpu_ms: round((pgTicks * 10) / n, 2), mean_ms: round(wall / n, 2) };
}

async function resetDatabase(): Promise<void> {
  const url = new URL(DB_URL);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
}

function startApp(): ChildProcess {
  const child = spawn(process.execPath, [...APP_NODE_OPTIONS, '--import', 'tsx', 'server/src/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: {
      ...process.env, NODE_ENV: 'test', ROLE: 'web', PORT: String(PORT), HOST: '127.0.0.1', DATABASE_URL: DB_URL, REDIS_PREFIX: 'leadchat-bench-api',
      PLATFORM_API_TOKEN: PLATFORM_TOKEN, LOG_LEVEL: 'warn', SEED_DEMO: 'false', STORAGE_DIR: path.join(os.tmpdir(), 'leadchat-bench-api-storage'),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

async function waitForApp(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      await request('GET', '/api/v1/profile');
      return;
    } catch {
      await sleep(500);
    }
  }
  throw new Error('the app did not start');
}

/** The account, its administrator and 5 inboxes through the API; contacts, conversations and messages in SQL. */
const LABELS = ['billing', 'vip', 'bug', 'refund', 'shipping', 'feature', 'partner', 'legal', 'spam', 'press'];

async function seed(db: pg.Client): Promise<{ accountId: number; token: string; teams: number[] }> {
  const platform = (p: string, body: object) => json('POST', `/platform/api/v1${p}`, PLATFORM_TOKEN, body);
  const account = await platform('/accounts', { name: 'Bench API' });
  const admin = await platform('/users', { name: 'Bench Admin', email: `bench.admin.${Date.now()}@example.test` });
  await platform(`/accounts/${account.id}/account_users`, { user_id: admin.id, role: 'administrator' });
  const agents: number[] = [admin.id];
  for (let i = 1; i <= 3; i++) {
    const agentUser = await platform('/users', { name: `Bench Agent ${i}`, email: `bench.agent${i}.${Date.now()}@example.test` });
    await platform(`/accounts/${account.id}/account_users`, { user_id: agentUser.id, role: 'agent' });
    agents.push(agentUser.id);
  }
  const inboxes: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const email = `support${i}.${Date.now()}@example.test`;
    const inbox = await json('POST', `/api/v1/accounts/${account.id}/inboxes`, admin.access_token, {
      name: `Inbox ${i}`,
      channel: { type: 'email', email, imap_enabled: false, smtp_enabled: false },
    });
    inboxes.push(inbox.id);
  }
  const params = { account: account.id, inboxes: `{${inboxes.join(',')}}`, agents: `{${agents.join(',')}}` };
  const t = performance.now();
  await db.query(
    `INSERT INTO contacts (account_id, name, email, additional_attributes, custom_attributes, blocked, last_activity_at, created_at, updated_at)
     SELECT $1, 'Customer ' || (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Ken','Linus','Margaret'])[1 + g % 8] || ' ' || g,
            'customer' || g || '@domain' || (g % 97) || '.test', '{}', '{}', false,
            CASE WHEN g % 10 = 0 THEN NULL ELSE now() - g * interval '3 minutes' END, now() - g * interval '5 minutes', now()
       FROM generate_series(1, $2::int) g`,
    [params.account, CONTACTS],
  );
  await db.query(
    `INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, created_at, updated_at)
     SELECT id, ($2::bigint[])[1 + id % 5], email, now(), now() FROM contacts WHERE account_id = $1`,
    [params.account, params.inboxes],
  );
  await db.query(
    `INSERT INTO conversations (account_id, inbox_id, contact_id, contact_inbox_id, display_id, uuid, status, assignee_id, additional_attributes,
                                custom_attributes, last_activity_at, waiting_since, created_at, updated_at)
     SELECT $1, ci.inbox_id, ci.contact_id, ci.id, g, gen_random_uuid(),
            (ARRAY['open','open','resolved','resolved','pending','snoozed','open','resolved','open','resolved'])[1 + (g * 7) % 10],
            CASE WHEN g % 3 = 0 THEN NULL ELSE ($2::bigint[])[1 + g % 4] END,
            jsonb_build_object('mail_subject', (ARRAY['Order','Delivery','Login problem','Refund','Question','Account','Billing question','Password'])[1 + g % 8] || ' #' || g),
            '{}', now() - g * interval '13 seconds', now() - g * interval '13 seconds', now() - g * interval '13 seconds', now()
       FROM generate_series(1, $3::int) g
       JOIN LATERAL (SELECT id, contact_id, inbox_id FROM contact_inboxes WHERE contact_id = (SELECT min(id) FROM contacts WHERE account_id = $1) + (g % $4::int)) ci ON true`,
    [params.account, params.agents, CONVERSATIONS, CONTACTS],
  );
  await db.query('UPDATE accounts SET last_conversation_display_id = $2 WHERE id = $1', [params.account, CONVERSATIONS]);
  // ~25 words a message from a small vocabulary; about 1 conversation in 20 mentions an invoice.
  await db.query(
    `WITH words AS (SELECT ARRAY['hello','thanks','order','package','shipping','delivery','week','please','help','account','password','reset',
                                 'payment','card','refund','receipt','label','return','address','status','update','today','tomorrow','support',
                                 'question','issue','problem','login','email','phone','again','still','waiting','answer','soon','regards'] AS w)
     INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, content_type, content_attributes, private, status, sender_type, sender_id, created_at, updated_at)
     SELECT c.account_id, c.inbox_id, c.id, CASE k WHEN 2 THEN 'outgoing' ELSE 'incoming' END,
            array_to_string(ARRAY(SELECT words.w[1 + ((c.id * 31 + k * 17 + i * 7) % 36)] FROM generate_series(1, 25) i), ' ')
              || CASE WHEN (c.id + k) % 60 = 0 THEN ' about the invoice for order ' || c.display_id ELSE '' END,
            'text', '{}', false, 'sent', CASE k WHEN 2 THEN 'User' ELSE 'Contact' END, CASE k WHEN 2 THEN $2::bigint ELSE c.contact_id END,
            c.last_activity_at - (3 - k) * interval '1 minute', now()
       FROM conversations c CROSS JOIN generate_series(1, 3) k CROSS JOIN words
      WHERE c.account_id = $1`,
    [params.account, admin.id],
  );
  // Triage: 5 teams and 10 labels through the API; 80 % of conversations on a team, 0–3 labels each.
  const teams: number[] = [];
  for (const name of ['Tier 1', 'Tier 2', 'Sales', 'Billing', 'Legal']) teams.push((await json('POST', `/api/v1/accounts/${account.id}/teams`, admin.access_token, { name })).id);
  for (const title of LABELS) await json('POST', `/api/v1/accounts/${account.id}/labels`, admin.access_token, { title });
  await db.query(
    `UPDATE conversations c
        SET team_id = CASE WHEN c.display_id % 5 = 0 THEN NULL ELSE ($2::bigint[])[1 + (c.display_id / 5) % 5] END,
            label_list = ARRAY(SELECT DISTINCT ($3::varchar[])[1 + ((c.display_id * 7 + k * 3) % 10)] FROM generate_series(1, c.display_id % 4) k)::varchar[]
      WHERE c.account_id = $1`,
    [params.account, `{${teams.join(',')}}`, `{${LABELS.join(',')}}`],
  );
  log(`seeded ${CONTACTS} contacts, ${CONVERSATIONS} conversations, ${CONVERSATIONS * 3} messages in ${round((performance.now() - t) / 1000)} s`);
  await db.query('VACUUM ANALYZE contacts, contact_inboxes, conversations, messages, conversation_counts, conversation_label_counts');
  return { accountId: account.id, token: admin.access_token, teams };
}

/** The account and admin token a previous run seeded (BENCH_API_REUSE). */
async function seeded(db: pg.Client): Promise<{ accountId: number; token: string; teams: number[] }> {
  const { rows } = await db.query(
    `SELECT au.account_id, au.user_id FROM account_users au JOIN accounts a ON a.id = au.account_id
      WHERE a.name = 'Bench API' AND au.role = 'administrator' ORDER BY au.account_id DESC LIMIT 1`,
  );
  if (!rows[0]) throw new Error('BENCH_API_REUSE: nothing seeded yet; run once without it');
  const admin = await json('GET', `/platform/api/v1/users/${rows[0].user_id}`, PLATFORM_TOKEN);
  const teams = await db.query('SELECT id FROM teams WHERE account_id = $1 ORDER BY id', [rows[0].account_id]);
  return { accountId: Number(rows[0].account_id), token: admin.access_token, teams: teams.rows.map((r) => Number(r.id)) };
}

async function main(): Promise<void> {
  if (!REUSE) await resetDatabase();
  const app = startApp();
  const stopApp = () => app.exitCode === null && app.kill('SIGTERM');
  process.on('exit', stopApp);
  try {
    await waitForApp();
    const db = new pg.Client({ connectionString: DB_URL });
    await db.connect();
    const { accountId, token, teams } = REUSE ? await seeded(db) : await seed(db);
    const base = `/api/v1/accounts/${accountId}`;

    // The cursor of page 200, walked once through the cursors the API answers.
    let cursor: string | undefined;
    const walk = performance.now();
    for (let page = 1; page < 200; page++) {
      const body = await json('GET', `${base}/conversations?status=open${cursor ? `&cursor=${cursor}` : ''}`, token);
      cursor = body.data.meta.next_cursor;
    }
    log(`walked 199 pages by cursor in ${round((performance.now() - walk) / 1000)} s`);
    const scenarios: { name: string; path: (i: number) => string; rates: number[] }[] = [
      { name: 'list page 1 (status=open)', path: () => `${base}/conversations?status=open`, rates: RATES },
      { name: 'list page 200 (status=open)', path: () => `${base}/conversations?status=open&page=200`, rates: RATES },
      { name: 'list by cursor at page 200', path: () => `${base}/conversations?status=open&cursor=${cursor}`, rates: RATES },
      { name: 'meta (status=open)', path: () => `${base}/conversations/meta?status=open`, rates: RATES },
      {
        name: 'labels[] + team_id (status=open)',
        path: (i) => `${base}/conversations?status=open&team_id=${teams[i % teams.length]}&labels[]=${LABELS[Math.floor(i / teams.length) % 5]}`,
        rates: RATES,
      },
      { name: 'messages of a conversation', path: (i) => `${base}/conversations/${1 + ((i * 7919) % CONVERSATIONS)}/messages`, rates: RATES },
      { name: 'contacts page 50', path: () => `${base}/contacts?page=50`, rates: RATES },
      { name: 'search q=invoice (status=open)', path: () => `${base}/conversations?q=invoice`, rates: SEARCH_RATES },
      { name: 'search q=ada (contact name, status=all)', path: () => `${base}/conversations?status=all&q=ada`, rates: SEARCH_RATES },
    ];
    const only = process.env.BENCH_API_ONLY;
    if (only) scenarios.splice(0, scenarios.length, ...scenarios.filter((s) => s.name.includes(only)));
    const results: { scenario: string; cost: CostResult; runs: RunResult[] }[] = [];
    for (const scenario of scenarios) {
      for (let i = 0; i < 20; i++) await request('GET', scenario.path(i), token).catch(() => undefined); // warm-up
      const cost = await costPerRequest(db, app, SEQUENTIAL, scenario.path, token);
      log(`${scenario.name}: app ${cost.app_cpu_ms} ms + pg ${cost.postgres_cpu_ms} ms CPU per request (${cost.mean_ms} ms alone)`);
      const runs: RunResult[] = [];
      for (const rate of scenario.rates) {
        const run = await openLoop(db, app, rate, scenario.path, token);
        runs.push(run);
        log(`${scenario.name} @ ${rate}/s: p50 ${run.p50_ms} p95 ${run.p95_ms} p99 ${run.p99_ms} ms, ${run.errors} errors, app ${run.app_cpu_pct}% pg ${run.postgres_cpu_pct}% CPU`);
        await sleep(1000);
      }
      results.push({ scenario: scenario.name, cost, runs });
    }
    await db.end();
    writeResults(RESULTS, {
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg_at_end: os.loadavg().map((l) => round(l, 2)) },
      seeded: { conversations: CONVERSATIONS, messages: CONVERSATIONS * 3, contacts: CONTACTS, inboxes: 5 },
      seconds_per_run: SECONDS,
      note: 'open-loop constant rate; latency from each request\'s due time; CPU % of one core (app process, and its Postgres backends)',
      results,
    });
    console.table(results.flatMap((r) => r.runs.map((run) => ({ scenario: r.scenario, ...run }))));
    log(`results in ${RESULTS}`);
  } finally {
    stopApp();
  }
}

await main();
