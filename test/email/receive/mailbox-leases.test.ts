// Mailboxes spread over workers against Dovecot: every mailbox IDLEd by exactly one worker, a worker
// killed with SIGKILL has its mailboxes taken over once its leases run out, a stopped worker (SIGTERM)
// hands them over at once, a new inbox is announced to the workers through Redis, and beyond its
// connection bound a worker polls. New mail becomes exactly one message per inbox throughout.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { eventually, startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { runtime } from '../../support/runtime.js';
import { JobQueues } from '../../../server/src/jobs/queues.js';
import { Registries } from '../../../server/src/extensions/registries.js';
import { ImapIdleManager } from '../../../server/src/channels/email/receive/imap-idle-manager.js';
import { append, clearInbox, createImapInbox, mime, runFetch, type ReceiveInbox } from './helpers.js';

const LEASE_MS = 1_500;

describe('email receive: mailboxes over workers (leases)', function () {
  this.timeout(60_000);
  let sb: TestSandbox;
  let prefix: string;
  let queues: JobQueues;
  const managers: ImapIdleManager[] = [];
  const children: ChildProcess[] = [];

  before(async () => {
    sb = await startTestSandbox();
    await clearInbox(sb);
    const rt = await runtime();
    prefix = `${rt.config.REDIS_PREFIX}:leases-${randomUUID().slice(0, 8)}`;
    // The fetches every watcher enqueues run here (only email.fetch, under the test's own prefix).
    const registries = new Registries();
    registries.jobs.register(rt.registries.jobs.get('email.fetch')!, 'test');
    registries.seal();
    queues = new JobQueues(rt.config.REDIS_URL, prefix, registries.jobs, registries.schedules, rt.logger);
    queues.startWorkers();
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const m of managers) await m.stop();
    await queues?.close();
    await sb?.close();
  });

  const manager = async (opts: { maxIdle?: number } = {}) => {
    const rt = await runtime();
    const m = new ImapIdleManager({
      registries: rt.registries, queues, health: rt.api.emailReceive.health, redis: rt.redis, prefix, logger: rt.logger,
      leaseMs: LEASE_MS, maxIdle: opts.maxIdle ?? 100, pollEveryMs: 1_000,
    });
    managers.push(m);
    await m.start();
    return m;
  };

  /** A worker process of its own (idle-worker.ts); `held()` is what it last reported holding. */
  const workerProcess = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'idle-worker.ts'), prefix, String(LEASE_MS)], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    children.push(child);
    let held: number[] = [];
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      if (lines.length) held = JSON.parse(lines[lines.length - 1]!) as number[];
    });
    return { child, held: () => held };
  };

  const messages = async (inbox: ReceiveInbox) => (await runtime()).models.Message.count({ where: { inbox_id: inbox.inboxId } });
  /** Every inbox has exactly `n` messages, and still has after a moment (no late duplicate). */
  const eachHas = async (inboxes: ReceiveInbox[], n: number) => {
    await eventually(async () => (await Promise.all(inboxes.map(messages))).every((c) => c >= n), 10_000);
    await new Promise((r) => setTimeout(r, 600));
    expect(await Promise.all(inboxes.map(messages))).to.deep.equal(inboxes.map(() => n));
  };
  const heldOnce = (ids: number[], ...holdings: number[][]) => {
    const all = holdings.flat().filter((id) => ids.includes(id));
    return all.length === ids.length && new Set(all).size === ids.length;
  };

  it('holds each mailbox once across workers, takes a killed worker\'s over after its lease, and a stopped one\'s at once', async () => {
    const inboxes: ReceiveInbox[] = [];
    for (let i = 0; i < 4; i++) inboxes.push(await createImapInbox(sb, { backfillDays: 0 }));
    for (const inbox of inboxes) await runFetch(inbox.channelId); // seeds each cursor at "now"
    const ids = inboxes.map((i) => i.channelId);

    const b = workerProcess();
    await eventually(async () => ids.some((id) => b.held().includes(id)), 20_000);
    const a = await manager();
    // Fair share: both workers hold some, together every mailbox exactly once.
    await eventually(async () => heldOnce(ids, a.watching(), b.held()) && a.watching().some((id) => ids.includes(id)) && b.held().some((id) => ids.includes(id)), 10_000);
    await eventually(async () => ids.filter((id) => a.watching().includes(id)).every((id) => a.idling().includes(id)), 5_000);
    await append(sb, [mime({ subject: 'while both run' })]);
    await eachHas(inboxes, 1);

    // kill -9: its leases are never released; the survivor takes them once they run out.
    const killedAt = Date.now();
    b.child.kill('SIGKILL');
    await eventually(async () => ids.every((id) => a.watching().includes(id)), 10_000);
    const takeOver = Date.now() - killedAt;
    expect(takeOver, 'taken over after the lease ran out').to.be.within(LEASE_MS / 2, LEASE_MS * 3);
    await append(sb, [mime({ subject: 'after the kill' })]);
    await eachHas(inboxes, 2);

    // A worker joins and takes a share; then the first stops (SIGTERM): the newcomer has everything at once.
    const c = await manager({ maxIdle: 2 });
    await eventually(async () => heldOnce(ids, a.watching(), c.watching()) && c.watching().some((id) => ids.includes(id)) && a.watching().some((id) => ids.includes(id)), 10_000);
    const stoppedAt = Date.now();
    await a.stop();
    await eventually(async () => ids.every((id) => c.watching().includes(id)), 5_000);
    expect(Date.now() - stoppedAt, 'handed over without waiting for a lease').to.be.below(LEASE_MS);

    // A new inbox reaches the worker through Redis (the manager does not listen to this process's events).
    const created = await createImapInbox(sb, { backfillDays: 0 });
    const createdAt = Date.now();
    await eventually(async () => c.watching().includes(created.channelId), 5_000);
    expect(Date.now() - createdAt).to.be.below(LEASE_MS / 3 + 1_000);
    await runFetch(created.channelId);

    // Beyond its bound of two IDLE connections the worker polls the rest; their mail still arrives, once.
    expect(c.idling().length).to.be.at.most(2);
    expect([...ids, created.channelId].filter((id) => c.polling().includes(id))).to.have.length.at.least(3);
    await append(sb, [mime({ subject: 'polled too' })]);
    await eachHas(inboxes, 3);
    await eachHas([created], 1);
  });
});
