// The mailboxes benchmark (issue 18): N IMAP inboxes (default 300) on the sandbox's real Dovecot, held
// first by one worker process, then spread over three; it measures RSS per held mailbox, IDLE
// connections per worker, new mail -> message latency, and the take-over time after `kill -9` of one
// worker, and checks that no mail is lost or stored twice. It measures and reports; it never fails on speed.
//
// Every inbox logs in as info@example.test (the sandbox has no 300 users), so one APPEND is new mail in
// every mailbox at once: the latency is that of a burst of N fetches, the worst case for a worker.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { pino } from 'pino';
import { QueryTypes } from 'sequelize';
import { startSandbox } from '../sandbox/src/index.js';
import { createRuntime } from '../server/src/runtime.js';
import { clearRedisPrefix, resetTestDatabase } from '../test/support/runtime.js';
import { benchConfig, createImapInbox, writeResults, type ImapTarget } from './bench-runtime.js';

const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 300);
const LEASE_MS = Number(process.env.BENCH_LEASE_MS ?? 10_000);
const MAILS_PER_PHASE = 3;
const RESULTS = path.join(import.meta.dirname, 'results', 'mailboxes.json');
const log = (s: string) => console.log(`[bench] ${s}`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

interface WorkerState { watching: number[]; idling: number; rss: number; bootRss: number }

class Worker {
  readonly state: WorkerState = { watching: [], idling: 0, rss: 0, bootRss: 0 };
  readonly child: ChildProcess;
  constructor(runDir: string) {
    this.child = fork(path.join(import.meta.dirname, 'mailbox-worker.ts'), [runDir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, IMAP_MAILBOX_LEASE_MS: String(LEASE_MS) } });
    this.child.on('message', (m: { type: string; rss: number; watching?: number[]; idling?: number }) => {
      if (m.type === 'booted') log(`worker ${this.child.pid} booted`);
      if (m.type === 'booted') this.state.bootRss = m.rss;
      else Object.assign(this.state, { watching: m.watching, idling: m.idling, rss: m.rss });
    });
  }
}

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs: number, progress?: () => string): Promise<number> {
  const started = Date.now();
  let reported = started;
  while (!(await fn())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    if (progress && Date.now() - reported > 10_000) {
      reported = Date.now();
      log(`${what}: ${progress()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function main(): Promise<void> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadchat-bench-'));
  fs.chmodSync(runDir, 0o755);
  const sandbox = await startSandbox({ runtimeDir: path.join(runDir, 'sandbox'), logger: pino({ name: 'sandbox', level: 'error' }) });
  const config = benchConfig(runDir);
  const workers: Worker[] = [];
  try {
    const mailbox = sandbox.world.plainMailboxes.find((m) => m.address === 'info@example.test')!;
    const imap: ImapTarget = { host: sandbox.world.imap.host, port: sandbox.world.imap.port, user: mailbox.address, pass: mailbox.password };
    await resetTestDatabase(config.DATABASE_URL);
    await clearRedisPrefix(config);
    const rt = await createRuntime(config);
    await rt.migrate();
    /** A short session of its own for each use: the bench waits minutes between them. */
    const withClient = async <T>(fn: (client: ImapFlow) => Promise<T>): Promise<T> => {
      const client = new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user: imap.user, pass: imap.pass }, logger: false, disableAutoIdle: true });
      client.on('error', (err: Error) => log(`IMAP session error: ${err.message}`));
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.logout().catch(() => client.close());
      }
    };
    await withClient(async (client) => {
      const lock = await client.getMailboxLock('INBOX');
      if (client.mailbox && client.mailbox.exists) await client.messageDelete('1:*');
      lock.release();
    });

    log(`creating ${MAILBOXES} inboxes`);
    const inboxes: { inboxId: number; channelId: number }[] = [];
    for (let i = 0; i < MAILBOXES; i++) inboxes.push(await createImapInbox(rt, imap, { backfillDays: 0, label: `mbx${i}` }));
    const channelIds = inboxes.map((i) => i.channelId);
    const appended: string[] = [];

    /** APPENDs one mail and returns, per inbox, how long until its message existed. */
    const newMail = async (): Promise<number[]> => {
      const subject = `bench ${randomUUID()}`;
      const sentAt = new Date();
      await withClient((client) => client.append('INBOX', `From: Jane <jane@example.test>\r\nTo: info@example.test\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@example.test>\r\nDate: ${sentAt.toUTCString()}\r\n\r\nhello\r\n`));
      appended.push(subject);
      const arrived = async () => (await rt.sequelize.query<{ latency_ms: number }>(
        `SELECT EXTRACT(EPOCH FROM (m.created_at - $2::timestamptz)) * 1000 AS latency_ms FROM messages m WHERE m.content_attributes->'email'->>'subject' = $1`,
        { bind: [subject, sentAt], type: QueryTypes.SELECT },
      ));
      await until(`mail reaches all ${MAILBOXES} inboxes`, async () => (await arrived()).length >= MAILBOXES, 300_000).catch(async (err: Error) => {
        throw new Error(`${err.message} (${(await arrived()).length} did)`);
      });
      return (await arrived()).map((r) => Math.max(0, Number(r.latency_ms)));
    };
    const latency = (samples: number[]) => ({ samples: samples.length, p50_ms: Math.round(percentile(samples, 50)), p95_ms: Math.round(percentile(samples, 95)), max_ms: Math.round(Math.max(...samples)) });
    const phase = async (n: number) => {
      const samples: number[] = [];
      for (let i = 0; i < MAILS_PER_PHASE; i++) {
        samples.push(...(await newMail()));
        await new Promise((r) => setTimeout(r, 1_000));
      }
      return latency(samples);
    };
    const heldOnce = (ws: Worker[]) => {
      const all = ws.flatMap((w) => w.state.watching);
      return all.length === MAILBOXES && new Set(all).size === MAILBOXES && channelIds.every((id) => all.includes(id));
    };

    log('one worker');
    workers.push(new Worker(runDir));
    const holdings = () => `held ${workers.map((w) => `${w.state.watching.length} (${w.state.idling} idle)`).join(', ')}`;
    const oneUp = await until(`one worker holds all ${MAILBOXES}`, () => heldOnce(workers), 300_000, holdings);
    // Every inbox started with "no backfill": its cursor is placed by its first fetch, and mail that
    // arrives before that is, by design, not imported. Measure only once every cursor is in place.
    await until('every inbox has its cursor', async () => Number((await rt.sequelize.query<{ n: string }>('SELECT COUNT(*) AS n FROM email_fetch_cursors', { type: QueryTypes.SELECT }))[0]!.n) === MAILBOXES, 300_000);
    const one = workers[0]!.state;
    const oneWorker = {
      seconds_to_hold_all: round(oneUp / 1000, 1),
      idle_connections: one.idling,
      rss_mb: { before_start: mb(one.bootRss), holding_all: mb(one.rss) },
      rss_kb_per_mailbox: Math.round((one.rss - one.bootRss) / 1024 / MAILBOXES),
      new_mail_latency: await phase(1),
    };
    log(`one worker: ${JSON.stringify(oneWorker)}`);

    log('three workers');
    workers.push(new Worker(runDir), new Worker(runDir));
    const spread = await until('three workers share the mailboxes', () => heldOnce(workers) && workers.every((w) => w.state.watching.length >= Math.floor(MAILBOXES / 3) - 1), 180_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const threeWorkers = {
      seconds_to_rebalance: round(spread / 1000, 1),
      held_per_worker: workers.map((w) => w.state.watching.length),
      idle_connections_per_worker: workers.map((w) => w.state.idling),
      rss_mb_per_worker: workers.map((w) => mb(w.state.rss)),
      new_mail_latency: await phase(3),
    };
    log(`three workers: ${JSON.stringify(threeWorkers)}`);

    log('kill -9 of one worker');
    const victim = workers[0]!;
    const victimHeld = victim.state.watching.length;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    const survivors = workers.slice(1);
    await until('the survivors take the killed worker\'s mailboxes over', () => heldOnce(survivors), LEASE_MS * 4);
    const takeOverMs = Date.now() - killedAt;
    const afterKill = await phase(2);

    // Every APPEND is one message in every inbox: nothing lost, nothing twice.
    const perInbox = await rt.sequelize.query<{ inbox_id: number; n: string; distinct_subjects: string }>(
      `SELECT i.id AS inbox_id, COUNT(m.id) AS n, COUNT(DISTINCT m.content_attributes->'email'->>'subject') AS distinct_subjects
       FROM inboxes i LEFT JOIN messages m ON m.inbox_id = i.id WHERE i.id = ANY($1) GROUP BY i.id`,
      { bind: [inboxes.map((i) => i.inboxId)], type: QueryTypes.SELECT },
    );
    const wrong = perInbox.filter((r) => Number(r.n) !== appended.length || Number(r.distinct_subjects) !== appended.length);
    const results = {
      benchmark: 'mailboxes',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, load_average_1m: round(os.loadavg()[0]!) },
      parameters: {
        mailboxes: MAILBOXES, lease_ms: LEASE_MS, mails_per_phase: MAILS_PER_PHASE,
        imap: 'Dovecot 2.3 (sandbox), STARTTLS on loopback; every inbox logs in as info@example.test, so one APPEND is new mail in all of them at once',
      },
      one_worker: oneWorker,
      three_workers: threeWorkers,
      kill_9: { killed_worker_held: victimHeld, take_over_ms: takeOverMs, goal_ms: 60_000, new_mail_latency_after: afterKill },
      integrity: { mails_appended: appended.length, inboxes: perInbox.length, inboxes_with_wrong_count: wrong.length, lost_or_duplicated: wrong.length > 0 },
    };
    writeResults(RESULTS, results);
    console.log(JSON.stringify(results, null, 2));
    await rt.close();
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
    await sandbox.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
    await resetTestDatabase(config.DATABASE_URL);
    await clearRedisPrefix(config);
  }
}

await main();
