// One real-path backfill in a process of its own, so its peak RSS belongs to this mailbox size alone:
// a LeadChat runtime, a new account with an IMAP inbox (backfill 30 days) created over the HTTP API,
// then the registered `email.fetch` job processor run as a worker would until every message is in.
// Started by imap-ingest.bench.ts with `node --import tsx`; the result goes back over IPC.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job } from 'bull';
import { QueryTypes } from 'sequelize';
import { createRuntime } from '../server/src/runtime.js';
import type { FetchOutcome } from '../server/src/channels/email/receive/imap-fetcher.js';
import { parseEmail } from '../server/src/channels/email/receive/parsed-email.js';
import { benchConfig, createImapInbox, type ImapTarget } from './bench-runtime.js';
import { startCpuProfile, type CpuSummary } from './cpu-profile.js';
import { instrumentStages, type StageReport } from './ingest-stages.js';

export interface ChildInput {
  runDir: string;
  imap: ImapTarget;
  expected: number;
  label: string;
  /** Profile the fetch window's CPU (a separate run: the profiler slows it and costs memory). */
  profile?: boolean;
}

export interface ChildResult {
  label: string;
  messages: number;
  /** Threading and contacts at a glance: about 80% of the corpus starts a thread, about a quarter as many customers. */
  conversations: number;
  contacts: number;
  attachments: number;
  counts: FetchOutcome['counts'];
  fetch_rounds: number;
  seconds: number;
  messages_per_second: number;
  /** process.resourceUsage().maxRSS over the child's whole life (start-up included), in MB. */
  peak_rss_mb: number;
  /** The child's own CPU (user + system) per message; the rest of the wall time is waiting on Postgres, Dovecot or disk. */
  cpu_ms_per_message: number;
  stages: StageReport;
  /** mailparser alone (parseEmail) over stored raw MIME, CPU ms, measured after the run. */
  parse_only_ms_per_message: number;
  /** mailparser alone over every raw MIME the run stored (the same messages), one thread, wall clock. */
  parse_only: { messages: number; seconds: number; messages_per_second: number; cpu_ms_per_message: number };
  /** Postgres alone: the run's messages inserted again as plain multi-row INSERTs into a table shaped like `messages`. */
  insert_only: { messages: number; rows_per_statement: number; seconds: number; messages_per_second: number };
  cpu_profile?: CpuSummary;
  /** The machine's 1-minute load average when the backfill started and ended (other engineers' work). */
  load_average_1m: { at_start: number; at_end: number };
}

const MAX_ROUNDS = 5;
const PARSE_SAMPLE = 300;
const PARSE_PASSES = 3;
/** Rows per INSERT of the insert-only leg: the real path's default batch (EMAIL_INGEST_BATCH). */
const INSERT_ROWS = 50;

async function main(input: ChildInput): Promise<ChildResult> {
  const rt = await createRuntime(benchConfig(input.runDir));
  try {
    await rt.migrate();
    const inbox = await createImapInbox(rt, input.imap, { backfillDays: 30, label: input.label });
    const job = rt.registries.jobs.get('email.fetch');
    if (!job) throw new Error('email.fetch is not registered');
    const stages = instrumentStages(rt);

    const counts: FetchOutcome['counts'] = { created: 0, duplicate: 0, rejected: 0, failed: 0, filed: 0 };
    const profiler = input.profile ? await startCpuProfile() : null;
    const loadAtStart = os.loadavg()[0];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let rounds = 0;
    let stored = 0;
    while (rounds < MAX_ROUNDS) {
      rounds++;
      const data = { channelId: inbox.channelId, force: true };
      const outcome = (await job.process(data as never, { id: `bench-${input.label}-${rounds}`, data } as unknown as Job<never>)) as FetchOutcome;
      if (outcome.status !== 'fetched') throw new Error(`fetch ${outcome.status}: ${outcome.reason}`);
      for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += outcome.counts[k];
      stored = counts.created + counts.duplicate + counts.rejected;
      if (stored >= input.expected) break;
    }
    const wallMs = performance.now() - started;
    const loadAtEnd = os.loadavg()[0];
    const cpu = process.cpuUsage(cpuBefore);
    const cpuProfile = await profiler?.stop(stored);
    const stageReport = stages.report(stored, wallMs); // before the counting queries below
    const { Message, Conversation, Contact, Attachment } = rt.models;
    const messages = await Message.count({ where: { inbox_id: inbox.inboxId } });
    if (messages !== input.expected) throw new Error(`expected ${input.expected} messages, found ${messages} (${JSON.stringify(counts)})`);

    return {
      label: input.label,
      messages,
      conversations: await Conversation.count({ where: { inbox_id: inbox.inboxId } }),
      contacts: await Contact.count({ where: { account_id: inbox.accountId } }),
      attachments: await Attachment.count({ where: { account_id: inbox.accountId } }),
      counts,
      fetch_rounds: rounds,
      seconds: round(wallMs / 1000),
      messages_per_second: round(messages / (wallMs / 1000)),
      peak_rss_mb: round(process.resourceUsage().maxRSS / 1024),
      cpu_ms_per_message: round((cpu.user + cpu.system) / 1000 / messages),
      stages: stageReport,
      load_average_1m: { at_start: round(loadAtStart), at_end: round(loadAtEnd) },
      parse_only_ms_per_message: await parseOnly(path.join(rt.config.STORAGE_DIR!, 'raw')),
      parse_only: await parseAll(path.join(rt.config.STORAGE_DIR!, 'raw')),
      insert_only: await insertOnly(rt, inbox.inboxId),
      ...(cpuProfile ? { cpu_profile: cpuProfile } : {}),
    };
  } finally {
    await rt.close();
  }
}

/**
 * mailparser's own cost: CPU time (not wall time, which other work on the machine inflates) of
 * parseEmail over stored raw MIME, the best of a few passes.
 */
async function parseOnly(rawDir: string): Promise<number> {
  const files = fs.readdirSync(rawDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).slice(0, PARSE_SAMPLE);
  const raws = files.map((f) => fs.readFileSync(path.join(f.parentPath, f.name)));
  let best = Infinity;
  for (let pass = 0; pass < PARSE_PASSES; pass++) {
    const before = process.cpuUsage();
    for (const raw of raws) await parseEmail(raw);
    const cpu = process.cpuUsage(before);
    best = Math.min(best, (cpu.user + cpu.system) / 1000 / raws.length);
  }
  return round(best);
}

/** parseEmail over every stored raw MIME once, in order, on this thread: the parse-only ceiling of the same run. */
async function parseAll(rawDir: string): Promise<ChildResult['parse_only']> {
  const files = fs.readdirSync(rawDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  const raws = files.map((f) => fs.readFileSync(path.join(f.parentPath, f.name)));
  const before = process.cpuUsage();
  const started = performance.now();
  for (const raw of raws) await parseEmail(raw);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(before);
  return { messages: raws.length, seconds: round(ms / 1000), messages_per_second: round(raws.length / (ms / 1000)), cpu_ms_per_message: round((cpu.user + cpu.system) / 1000 / raws.length) };
}

/**
 * The database's share alone: the run's messages (their stored columns, content attributes included)
 * inserted again in INSERTs of INSERT_ROWS rows, one transaction each as the real path commits a batch,
 * into a table shaped like `messages` (its defaults, no indexes or triggers), dropped afterwards.
 */
async function insertOnly(rt: Awaited<ReturnType<typeof createRuntime>>, inboxId: number): Promise<ChildResult['insert_only']> {
  const { sequelize } = rt;
  const rows = await sequelize.query<Record<string, unknown>>(
    'SELECT account_id, inbox_id, conversation_id, message_type, content, content_type, content_attributes, private, status, source_id, sender_type, sender_id, created_at, updated_at FROM messages WHERE inbox_id = $1 ORDER BY id',
    { bind: [inboxId], type: QueryTypes.SELECT },
  );
  await sequelize.query('DROP TABLE IF EXISTS bench_insert_only; CREATE TABLE bench_insert_only (LIKE messages INCLUDING DEFAULTS)');
  try {
    const started = performance.now();
    for (let i = 0; i < rows.length; i += INSERT_ROWS) {
      const chunk = rows.slice(i, i + INSERT_ROWS);
      await sequelize.transaction((transaction) => sequelize.query(
        `INSERT INTO bench_insert_only (account_id, inbox_id, conversation_id, message_type, content, content_type, content_attributes, private, status, source_id, sender_type, sender_id, created_at, updated_at)
         SELECT account_id, inbox_id, conversation_id, message_type, content, content_type, content_attributes, private, status, source_id, sender_type, sender_id, created_at, updated_at
         FROM json_populate_recordset(NULL::bench_insert_only, $1::json)`,
        { bind: [JSON.stringify(chunk)], type: QueryTypes.INSERT, transaction },
      ));
    }
    const ms = performance.now() - started;
    return { messages: rows.length, rows_per_statement: INSERT_ROWS, seconds: round(ms / 1000), messages_per_second: round(rows.length / (ms / 1000)) };
  } finally {
    await sequelize.query('DROP TABLE IF EXISTS bench_insert_only');
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main(JSON.parse(process.argv[2]) as ChildInput).then(
  (result) => process.send!(result, () => process.exit(0)),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
