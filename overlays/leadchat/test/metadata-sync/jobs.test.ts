// The sync jobs: one job per kind × mailbox (dedupe by job id), a lease that keeps a second run of
// the same stream out, the daily fan-out over eligible connections only, and the circuits listed.
import { expect } from 'chai';
import type { Job, Queue } from 'bull';
import { eventually } from '../../../../test/sandbox/helpers.js';
import { ALICE, BOB, DANA, overlayEnabled, startMetadataSyncHarness, type MetadataSyncHarness } from '../support/metadata-sync-harness.js';

const MAIL = 'metadata_sync.microsoft_mail';

/** Results of the jobs a queue completes from now on (of one helpdesk account, when given). */
function results(queue: Queue, accountId?: number): { list: unknown[]; stop(): void } {
  const list: unknown[] = [];
  const onCompleted = (job: Job<{ accountId?: number }>, result: unknown) => {
    if (accountId === undefined || Number(job.data.accountId) === accountId) list.push(typeof result === 'string' ? JSON.parse(result) : result);
  };
  queue.on('completed', onCompleted);
  return { list, stop: () => queue.off('completed', onCompleted) };
}

describe('metadata sync: jobs', function () {
  this.timeout(60_000);
  let h: MetadataSyncHarness;

  before(async function () {
    if (!overlayEnabled()) this.skip();
    h = await startMetadataSyncHarness();
    await h.connect(ALICE, { mail: true });
    await h.connect(DANA, { mail: true, calendar: true });
    await h.connect(BOB, { mail: true, calendar: true });
    await h.settle();
  });
  after(async () => { await h?.close(); });

  it('a sync asked for twice while queued runs once', async () => {
    const alice = await h.member(ALICE);
    const done = results(h.rt.queues.queue(MAIL), h.account.id);
    const path = `/api/v1/accounts/${h.account.id}/integrations/microsoft/sync`;
    await Promise.all([1, 2, 3].map(() => h.api().post(path).set('api_access_token', alice.token).expect(202)));
    await h.settle();
    done.stop();
    expect(done.list.filter((r) => (r as { status: string }).status === 'synced')).to.have.length(1);
  });

  it('a second job for a stream that is being synced skips it (the lease), and the first one finishes', async () => {
    const alice = await h.member(ALICE);
    await h.control('POST', '/faults', { path: '/mailFolders.*inbox.*messages\\/delta/', delayMs: 1500, count: 1 });
    const done = results(h.rt.queues.queue(MAIL), h.account.id);
    await h.api().post(`/api/v1/accounts/${h.account.id}/integrations/microsoft/sync`).set('api_access_token', alice.token).expect(202);
    await eventually(async () => (await h.state(ALICE, 'mail:inbox')).status === 'running', 20_000);
    await h.rt.queues.enqueue(MAIL, { accountId: h.account.id, mailbox: ALICE, shared: false }, { jobId: 'a-stale-duplicate' });
    await h.settle();
    done.stop();
    expect(done.list.map((r) => (r as { status: string }).status).sort()).to.deep.equal(['skipped', 'synced']);
    expect(done.list.find((r) => (r as { status: string }).status === 'skipped')).to.deep.include({ reason: 'another worker is syncing this mailbox' });
  });

  it('the daily fan-out queues one job per eligible mailbox and kind: feature on, scope granted, connection active', async () => {
    const dana = await h.connection(DANA);
    await dana.update({ scopes: dana.scopes.filter((s) => s !== 'Calendars.ReadBasic') });
    await (await h.connection(BOB)).update({ status: 'reauthorization_required' });
    const fanOut = results(h.rt.queues.queue('metadata_sync.fan_out'));
    const mail = results(h.rt.queues.queue(MAIL), h.account.id);
    const calendar = results(h.rt.queues.queue('metadata_sync.microsoft_calendar'), h.account.id);
    await h.rt.queues.enqueue('metadata_sync.fan_out', {});
    await eventually(async () => fanOut.list.length === 1, 20_000);
    await h.settle();
    for (const r of [fanOut, mail, calendar]) r.stop();
    // The fan-out covers every helpdesk account; this account's jobs: Alice's and Dana's mail only.
    expect(fanOut.list[0]).to.have.nested.property('queued.microsoft_mail').that.is.at.least(2);
    expect(mail.list).to.have.length(2);
    expect(calendar.list).to.have.length(0);
  });

  it('lists one circuit breaker per provider × kind with its state', async () => {
    const card = await h.card(ALICE);
    expect(card.circuits.filter((c) => c.name.startsWith('ms_graph')).map((c) => [c.name, c.state]).sort()).to.deep.equal([['ms_graph_calendar', 'closed'], ['ms_graph_mail', 'closed']]);
  });
});
