// What every benchmark process shares: a configuration of its own (database, Redis prefix, storage in
// the run's temp folder, so a developer's LeadChat and the test suite are never touched), and an
// account with an IMAP inbox created through the HTTP API, as an administrator would.
import fs from 'node:fs';
import path from 'node:path';
import supertest from 'supertest';
import { loadConfig, type Config } from '../server/src/config.js';
import type { Runtime } from '../server/src/runtime.js';

const PLATFORM_TOKEN = 'bench-platform-token-0123456789abcdef';

export interface ImapTarget {
  host: string;
  port: number;
  user: string;
  pass: string;
}

/** Writes a benchmark's results (pretty JSON) to `file` under bench/results/, creating the folder. */
export function writeResults(file: string, results: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

export function benchConfig(runDir: string): Config {
  return loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leadchat_bench',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: process.env.BENCH_REDIS_PREFIX ?? 'leadchat-bench',
    PLATFORM_API_TOKEN: PLATFORM_TOKEN,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    STORAGE_DIR: path.join(runDir, 'storage'),
  });
}

/** A new account, its administrator and an email inbox reading `imap` over STARTTLS (as the tests do). */
export async function createImapInbox(rt: Runtime, imap: ImapTarget, opts: { backfillDays: number; label: string }): Promise<{ accountId: number; inboxId: number; channelId: number }> {
  const api = supertest(rt.app);
  const platform = (p: string, body: object) => api.post(`/platform/api/v1${p}`).set('api_access_token', PLATFORM_TOKEN).send(body).expect(200);
  const account = (await platform('/accounts', { name: `Bench ${opts.label}` })).body;
  const admin = (await platform('/users', { name: 'Bench Admin', email: `bench.admin.${opts.label}.${Date.now()}@example.test` })).body;
  await platform(`/accounts/${account.id}/account_users`, { user_id: admin.id, role: 'administrator' });
  const res = await api
    .post(`/api/v1/accounts/${account.id}/inboxes`)
    .set('api_access_token', admin.access_token)
    .send({
      name: `Bench ${opts.label}`,
      channel: {
        type: 'email', email: `bench.${opts.label}@example.test`, imap_enabled: true, imap_address: imap.host, imap_port: imap.port,
        imap_login: imap.user, imap_password: imap.pass, imap_enable_ssl: false, backfill_days: opts.backfillDays,
      },
    });
  if (res.status !== 200) throw new Error(`inbox create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { accountId: account.id, inboxId: res.body.id, channelId: res.body.channel_id };
}
