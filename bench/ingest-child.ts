// One real-path backfill in a process of its own, so its peak RSS belongs to this mailbox size alone:
// a LeadChat runtime, a new account with an IMAP inbox (backfill 30 days) created over the HTTP API,
// then the registered `email.fetch` job processor run as a worker would until every message is in.
// Started by imap-ingest.bench.ts with `node --import tsx`; the result goes back over IPC.
import fs from 'node:fs';
import path from 'node:path';
import type { Job } from 'bull';
import { createRuntime } from '../server/src/runtime.js';
import type { FetchOutcome } from '../server/src/channels/email/receive/imap.fetcher.js';
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
  cpu_profile?: CpuSummary;
}

const MAX_ROUNDS = 5;
const PARSE_SAMPLE = 300;
const PARSE_PASSES = 3;

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
      parse_only_ms_per_message: await parseOnly(path.join(rt.config.STORAGE_DIR!, 'raw')),
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
