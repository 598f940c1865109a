// Where the real-path backfill spends its wall time, measured from outside the product: imapflow's
// commands, the batch ingestion call (`ingestBatch`, one per EMAIL_INGEST_BATCH emails) and, inside
// it, blob storage, SQL and live events. The fetch fetches, keeps and parses the next batch while one
// is written, so `storage` and parsing overlap `ingest` in time: the stages need not add up to the
// total. `ingest.js` is what the batch write spends outside storage, SQL execution and live events:
// waiting for the batch's parses to finish, and building statements and rows (the CPU profile splits
// it by package).
import { ImapFlow } from 'imapflow';
import type { Runtime } from '../server/src/runtime.js';

type Totals = Record<string, { ms: number; calls: number }>;

export interface StageReport {
  /** Milliseconds per message, by stage; `ingest.*` are parts of `ingest` (the batch writes). */
  ms_per_message: Record<string, number>;
  calls_per_message: Record<string, number>;
  sql_queries_per_message: number;
  /** COMMITs plus writes outside a transaction: each one waits for Postgres to flush its WAL to disk. */
  commits_per_message: number;
  /** The statements that took the most time in total (values stripped). */
  top_sql: { statement: string; ms_per_message: number; per_message: number }[];
}

export function instrumentStages(rt: Runtime) {
  const totals: Totals = {};
  const sql = new Map<string, { ms: number; calls: number }>();
  let inIngest = 0;
  let inEvents = 0;
  let commits = 0;
  const add = (stage: string, ms: number) => {
    const t = (totals[stage] ??= { ms: 0, calls: 0 });
    t.ms += ms;
    t.calls++;
  };
  const wrap = <T extends object>(target: T, method: keyof T & string, stage: () => string, around?: (delta: 1 | -1) => void) => {
    const original = target[method] as (...args: unknown[]) => Promise<unknown>;
    (target as Record<string, unknown>)[method] = async function (this: unknown, ...args: unknown[]) {
      const name = stage();
      const start = performance.now();
      around?.(1);
      try {
        return await original.apply(this, args);
      } finally {
        around?.(-1);
        add(name, performance.now() - start);
      }
    };
  };

  for (const cmd of ['connect', 'getMailboxLock', 'search', 'noop', 'logout'] as const) wrap(ImapFlow.prototype, cmd, () => `imap.${cmd}`);
  wrap(rt.api.emailReceive.ingestion, 'ingestBatch', () => 'ingest', (d) => { inIngest += d; });
  wrap(rt.storage, 'put', () => (inIngest ? 'ingest.storage' : 'storage'));
  wrap(rt.storage, 'exists', () => (inIngest ? 'ingest.storage' : 'storage'));
  wrap(rt.events, 'emit', () => (inIngest ? 'ingest.live_events' : 'live_events'), (d) => { inEvents += d; });
  // Sequelize times every statement (Date.now resolution; sums stay unbiased) and hands it to `logging`.
  const options = (rt.sequelize as unknown as { options: { benchmark: boolean; logging: (text: string, ms?: number) => void } }).options;
  options.benchmark = true;
  options.logging = (text, ms) => {
    if (typeof ms !== 'number') return;
    if (!inEvents) add(inIngest ? 'ingest.sql' : 'sql', ms);
    // Sequelize names the connection: `(default)` outside a transaction, the transaction's id inside one.
    if (/^Executed \(default\): (INSERT|UPDATE|DELETE)\b/.test(text) || /^Executed \([^)]*\): COMMIT\b/.test(text)) commits++;
    const statement = normalise(text);
    const s = sql.get(statement) ?? { ms: 0, calls: 0 };
    s.ms += ms;
    s.calls++;
    sql.set(statement, s);
  };

  return {
    report(messages: number, wallMs: number): StageReport {
      const per = (n: number) => round(n / messages);
      const ms: Record<string, number> = { total: per(wallMs) };
      const calls: Record<string, number> = {};
      for (const [stage, t] of Object.entries(totals).sort()) {
        ms[stage] = per(t.ms);
        calls[stage] = per(t.calls);
      }
      const ingestParts = ['ingest.storage', 'ingest.sql', 'ingest.live_events'].reduce((s, k) => s + (totals[k]?.ms ?? 0), 0);
      ms['ingest.js'] = per((totals.ingest?.ms ?? 0) - ingestParts);
      const measured = Object.entries(totals).filter(([k]) => !k.startsWith('ingest.')).reduce((s, [, t]) => s + t.ms, 0);
      ms.unaccounted = per(wallMs - measured);
      const queries = [...sql.values()].reduce((s, q) => s + q.calls, 0);
      return {
        ms_per_message: ms,
        calls_per_message: calls,
        sql_queries_per_message: per(queries),
        commits_per_message: per(commits),
        top_sql: [...sql.entries()]
          .sort((a, b) => b[1].ms - a[1].ms)
          .slice(0, 8)
          .map(([statement, s]) => ({ statement, ms_per_message: per(s.ms), per_message: per(s.calls) })),
      };
    },
  };
}

/** `Executed (default): INSERT INTO "messages" (...) VALUES ($1,...)` -> a short, value-free key. */
function normalise(text: string): string {
  return text
    .replace(/^Executed \([^)]*\): /, '')
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\b\d+\b/g, '?')
    .replace(/\s+/g, ' ')
    .slice(0, 140);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
