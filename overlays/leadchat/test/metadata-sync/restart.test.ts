// A sync interrupted mid-round — the worker process stopped, or Graph failing after some pages —
// resumes from the page saved with the last written events: nothing lost, nothing twice, and the
// pages already read are not asked for again.
import { expect } from 'chai';
import { eventually } from '../../../../test/sandbox/helpers.js';
import { BOB, DANA, overlayEnabled, startMetadataSyncHarness, type BulkMessage, type MetadataSyncHarness } from '../support/metadata-sync-harness.js';

const PAGE = 100;
const inbound = (owner: string, n: number, tag: string): BulkMessage[] => Array.from({ length: n }, (_, i) => ({
  from: { name: `Sender ${i}`, address: `${tag}${i}@example.test` }, to: [{ address: owner }], subject: `${tag} ${i}`,
  date: new Date(Date.now() - (i + 1) * 3600_000).toISOString(),
}));
const DELTA_INBOX = '/mailFolders.*inbox.*messages\\/delta/';

describe('metadata sync: restart mid-round', function () {
  this.timeout(120_000);
  let h: MetadataSyncHarness;

  before(async function () {
    if (!overlayEnabled()) this.skip();
    h = await startMetadataSyncHarness();
  });
  after(async () => { await h?.close(); });

  async function expectComplete(upn: string, n: number, tag: string): Promise<void> {
    const user = await h.member(upn);
    const events = await h.events({ user_id: user.id, source: 'microsoft_mail' });
    const mine = events.filter((e) => e.subject?.startsWith(`${tag} `));
    expect(mine).to.have.length(n);
    expect(new Set(mine.map((e) => e.remote_id)).size).to.equal(n);
    const state = await h.state(upn, 'mail:inbox');
    expect([state.status, state.page_cursor, state.error]).to.deep.equal(['idle', null, null]);
    expect(state.progress).to.include({ round: 'backfill', processed: n });
  }

  it('a worker stopped mid-round: the next process resumes from page_cursor', async () => {
    await h.bulk(BOB, 'INBOX', inbound(BOB, 1000, 'stop'));
    await h.control('POST', '/faults', { path: DELTA_INBOX, delayMs: 250, count: 1000 });
    await h.connect(BOB, { mail: true });
    await eventually(async () => Number((await h.state(BOB, 'mail:inbox'))?.progress.processed ?? 0) >= 3 * PAGE, 30_000);
    await h.restart();
    const saved = await h.state(BOB, 'mail:inbox');
    const readBefore = Number(saved.progress.processed);
    const sentDone = Boolean((await h.state(BOB, 'mail:sentitems'))?.backfill_completed_at);
    expect(saved.page_cursor, 'the round stopped with its next page saved').to.be.a('string');
    expect(readBefore).to.be.within(3 * PAGE, 9 * PAGE);
    await h.control('DELETE', '/faults');
    await h.control('POST', '/graph/requests/reset');
    await h.settle({ timeoutMs: 60_000 });
    await expectComplete(BOB, 1000, 'stop');
    const requests = (await h.control('GET', '/graph/requests')) as { byMailbox: Record<string, number> };
    // The remaining Inbox pages (the last one carries the deltaLink), plus Sent Items: one incremental
    // request if its round had ended before the restart, its total and its delta otherwise.
    expect(requests.byMailbox[BOB]).to.equal((1000 - readBefore) / PAGE + (sentDone ? 1 : 2));
  });

  it('Graph failing after some pages: the job fails, shows the error, and its retry resumes where it stopped', async () => {
    await h.bulk(DANA, 'INBOX', inbound(DANA, 500, 'fail'));
    await h.control('POST', '/faults', { path: DELTA_INBOX, delayMs: 200, count: 3 });
    await h.connect(DANA, { mail: true });
    await eventually(async () => Number((await h.state(DANA, 'mail:inbox'))?.progress.processed ?? 0) >= PAGE, 30_000);
    await h.control('POST', '/faults', { path: DELTA_INBOX, status: 500, count: 1 });
    await eventually(async () => (await h.state(DANA, 'mail:inbox')).status === 'error', 30_000);
    const failed = await h.state(DANA, 'mail:inbox');
    expect(failed.error).to.match(/500|Injected fault/);
    expect(failed.page_cursor).to.be.a('string');
    await h.settle({ timeoutMs: 60_000 });
    await expectComplete(DANA, 500, 'fail');
  });
});
