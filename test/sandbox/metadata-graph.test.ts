// The sandbox's Graph side for the metadata sync: the sustained-rate token bucket with Retry-After,
// request counters, bulk seeding through MULTIAPPEND, and message delta as the sync reads it
// (header-only $select, page sizes, replayable nextLinks, $filter on receivedDateTime, Bcc only on
// the sender's copies, partial updates for state-only changes).
import { expect } from 'chai';
import { controlFetch, startTestSandbox, type TestSandbox } from './helpers.js';

type Json = Record<string, unknown>;
interface DeltaPage { value: Json[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string }

const HEADER_SELECT = 'from,toRecipients,ccRecipients,bccRecipients,subject,receivedDateTime,sentDateTime,internetMessageId,conversationId,internetMessageHeaders';
const DAY = 86_400_000;

describe('sandbox: Graph for the metadata sync', function () {
  this.timeout(60_000);
  let sb: TestSandbox;
  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });

  async function graphGet(token: string, url: string, prefer?: string): Promise<{ status: number; headers: Headers; body: Json }> {
    const full = url.startsWith('https://') ? url : `${sb.world.microsoft.graphBaseUrl}/v1.0${url}`;
    const res = await fetch(full, { headers: { authorization: `Bearer ${token}`, ...(prefer ? { Prefer: prefer } : {}) } });
    return { status: res.status, headers: res.headers, body: await res.json() as Json };
  }

  const token = (user: string, scopes = ['Mail.ReadWrite', 'Mail.Read.Shared']): Promise<string> => sb.control.issueToken({ user, scopes });

  describe('throttling and counters', () => {
    afterEach(async () => { await controlFetch(sb, 'POST', '/graph/limits', { requestsPerSecond: null, burst: null }); });

    it('reports and changes the limits; the default has no sustained rate', async () => {
      const initial = await controlFetch(sb, 'GET', '/graph/limits');
      expect(initial.json).to.deep.equal({ concurrency: 4, budgetPer10Min: 10_000, requestsPerSecond: null, burst: null });
      const set = await controlFetch(sb, 'POST', '/graph/limits', { requestsPerSecond: 5 });
      expect(set.json).to.deep.include({ concurrency: 4, requestsPerSecond: 5, burst: 5 });
      expect((await controlFetch(sb, 'POST', '/graph/limits', { requestsPerSecond: 0.5 })).json).to.deep.include({ burst: 1 });
      expect((await controlFetch(sb, 'POST', '/graph/limits', { requestsPerSecond: -1 })).status).to.equal(400);
    });

    it('answers 429 ApplicationThrottled with Retry-After past the token bucket, per (app, mailbox), and a 429 costs no token', async () => {
      await controlFetch(sb, 'POST', '/graph/limits', { requestsPerSecond: 0.5, burst: 2 });
      const alice = await token('alice@contoso.test');
      expect((await graphGet(alice, '/me/mailFolders/inbox')).status).to.equal(200);
      expect((await graphGet(alice, '/me/mailFolders/inbox')).status).to.equal(200);
      const refused = await graphGet(alice, '/me/mailFolders/inbox');
      expect(refused.status).to.equal(429);
      expect((refused.body.error as Json).code).to.equal('ApplicationThrottled');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).to.be.within(1, 2);
      // Another mailbox is another bucket.
      expect((await graphGet(alice, '/users/support@contoso.test/mailFolders/inbox')).status).to.equal(200);
      // Refused calls do not dig the hole deeper: after Retry-After one call fits again.
      expect((await graphGet(alice, '/me/mailFolders/inbox')).status).to.equal(429);
      await new Promise((r) => setTimeout(r, retryAfter * 1000 + 50));
      expect((await graphGet(alice, '/me/mailFolders/inbox')).status).to.equal(200);
    });

    it('counts requests by status and by mailbox, and resets the counters', async () => {
      expect((await controlFetch(sb, 'POST', '/graph/requests/reset')).json).to.deep.equal({ total: 0, byStatus: {}, byMailbox: {} });
      const alice = await token('alice@contoso.test');
      await graphGet(alice, '/me/mailFolders/inbox');
      await graphGet(alice, '/me/mailFolders/sentitems');
      await graphGet(alice, '/users/support@contoso.test/mailFolders/inbox');
      await graphGet('not-a-token', '/me/mailFolders/inbox');
      const counts = (await controlFetch(sb, 'GET', '/graph/requests')).json as { total: number; byStatus: Record<string, number>; byMailbox: Record<string, number> };
      expect(counts).to.deep.equal({ total: 4, byStatus: { 200: 3, 401: 1 }, byMailbox: { 'alice@contoso.test': 2, 'support@contoso.test': 1 } });
    });
  });

  describe('bulk seeding and message delta', () => {
    const base = Date.parse('2025-03-01T10:00:00Z');
    const inbox = Array.from({ length: 25 }, (_, i) => ({
      from: { name: `Customer ${i}`, address: `customer${i}@example.test` },
      to: [{ name: 'Dana Diaz', address: 'dana@contoso.test' }],
      cc: [{ name: 'Jane Customer', address: 'jane@example.test' }],
      bcc: [{ name: 'Hidden', address: 'hidden@example.test' }],
      subject: `Inbox ${i}`, date: new Date(base + i * DAY).toISOString(),
      headers: { 'List-Unsubscribe': `<mailto:unsubscribe-${i}@example.test>` },
    }));

    before(async () => {
      const seeded = await controlFetch(sb, 'POST', '/mail/bulk', { mailbox: 'dana@contoso.test', folder: 'INBOX', messages: inbox });
      expect(seeded).to.deep.equal({ status: 200, json: { appended: 25 } });
      const own = { from: { name: 'Dana Diaz', address: 'dana@contoso.test' }, to: [{ name: 'Jane', address: 'jane@example.test' }], bcc: [{ name: 'Boss', address: 'boss@example.test' }], date: new Date(base + 30 * DAY).toISOString() };
      await controlFetch(sb, 'POST', '/mail/bulk', { mailbox: 'dana@contoso.test', folder: 'INBOX', messages: [{ ...own, subject: 'Note to self' }] });
      await controlFetch(sb, 'POST', '/mail/bulk', { mailbox: 'dana@contoso.test', folder: 'Sent Items', messages: [{ ...own, subject: 'Sent with Bcc' }] });
    });

    it('refuses more than 5000 messages per call and unknown mailboxes', async () => {
      const one = inbox[0];
      expect((await controlFetch(sb, 'POST', '/mail/bulk', { mailbox: 'dana@contoso.test', folder: 'INBOX', messages: Array(5001).fill(one) })).status).to.equal(400);
      expect((await controlFetch(sb, 'POST', '/mail/bulk', { mailbox: 'nobody@contoso.test', folder: 'INBOX', messages: [one] })).status).to.equal(400);
    });

    it('serves a header-only $select on delta: recipients, dates, headers; Bcc only on the sender\'s copies', async () => {
      const dana = await token('dana@contoso.test', ['Mail.ReadBasic']);
      const first = await graphGet(dana, `/me/mailFolders/inbox/messages/delta?$select=${HEADER_SELECT}`, 'odata.maxpagesize=100');
      expect(first.headers.get('preference-applied')).to.equal('odata.maxpagesize=100');
      const items = (first.body as unknown as DeltaPage).value;
      expect(items).to.have.length(26);
      const third = items.find((m) => m.subject === 'Inbox 3') as Json;
      expect(third).to.include({ receivedDateTime: '2025-03-04T10:00:00Z', sentDateTime: '2025-03-04T10:00:00Z' });
      expect(third.from).to.deep.equal({ emailAddress: { name: 'Customer 3', address: 'customer3@example.test' } });
      expect(third.toRecipients).to.deep.equal([{ emailAddress: { name: 'Dana Diaz', address: 'dana@contoso.test' } }]);
      expect(third.ccRecipients).to.deep.equal([{ emailAddress: { name: 'Jane Customer', address: 'jane@example.test' } }]);
      expect(third.bccRecipients, 'received mail never shows Bcc').to.deep.equal([]);
      expect(third.internetMessageId).to.match(/^<bulk-.+@sandbox\.test>$/);
      expect(third.conversationId).to.be.a('string');
      expect(third.internetMessageHeaders).to.deep.include({ name: 'List-Unsubscribe', value: '<mailto:unsubscribe-3@example.test>' });
      expect(third).to.not.have.property('body');
      const own = items.find((m) => m.subject === 'Note to self') as Json;
      expect(own.bccRecipients, 'mail the owner sent keeps Bcc').to.deep.equal([{ emailAddress: { name: 'Boss', address: 'boss@example.test' } }]);
      const sent = (await graphGet(dana, `/me/mailFolders/sentitems/messages/delta?$select=${HEADER_SELECT}`)).body as unknown as DeltaPage;
      expect(sent.value.find((m) => m.subject === 'Sent with Bcc')?.bccRecipients).to.deep.equal([{ emailAddress: { name: 'Boss', address: 'boss@example.test' } }]);
    });

    it('caps odata.maxpagesize at 1000 and restricts a round with $filter=receivedDateTime ge', async () => {
      const dana = await token('dana@contoso.test', ['Mail.ReadBasic']);
      const big = await graphGet(dana, '/me/mailFolders/inbox/messages/delta?$select=subject', 'odata.maxpagesize=5000');
      expect(big.headers.get('preference-applied')).to.equal('odata.maxpagesize=1000');
      const since = new Date(base + 20 * DAY).toISOString();
      let page = (await graphGet(dana, `/me/mailFolders/inbox/messages/delta?$select=subject,receivedDateTime&$filter=receivedDateTime ge ${since}`, 'odata.maxpagesize=2')).body as unknown as DeltaPage;
      const subjects: string[] = [];
      for (;;) {
        subjects.push(...page.value.map((m) => String(m.subject)));
        if (!page['@odata.nextLink']) break;
        page = (await graphGet(dana, page['@odata.nextLink'], 'odata.maxpagesize=2')).body as unknown as DeltaPage;
      }
      expect(subjects.sort()).to.deep.equal(['Inbox 20', 'Inbox 21', 'Inbox 22', 'Inbox 23', 'Inbox 24', 'Note to self']);
      // The filter stays with the round: the next round from its deltaLink does not bring older mail.
      const next = (await graphGet(dana, page['@odata.deltaLink'] as string)).body as unknown as DeltaPage;
      expect(next.value).to.deep.equal([]);
    });

    it('keeps nextLinks re-requestable until the round ends, and returns state-only changes partially in the next round', async () => {
      const dana = await token('dana@contoso.test', ['Mail.ReadWrite']);
      const prefer = 'odata.maxpagesize=10';
      const first = (await graphGet(dana, `/me/mailFolders/inbox/messages/delta?$select=${HEADER_SELECT}`, prefer)).body as unknown as DeltaPage;
      const next = first['@odata.nextLink'] as string;
      const once = (await graphGet(dana, next, prefer)).body as unknown as DeltaPage;
      const again = (await graphGet(dana, next, prefer)).body as unknown as DeltaPage;
      expect(again.value.map((m) => m.id)).to.deep.equal(once.value.map((m) => m.id));
      expect(again['@odata.nextLink']).to.equal(once['@odata.nextLink']);
      let page = once;
      const ids = [...first.value, ...once.value].map((m) => String(m.id));
      while (page['@odata.nextLink']) {
        page = (await graphGet(dana, page['@odata.nextLink'], prefer)).body as unknown as DeltaPage;
        ids.push(...page.value.map((m) => String(m.id)));
      }
      expect(new Set(ids).size).to.equal(26);
      const deltaLink = page['@odata.deltaLink'] as string;

      const [readId, goneId] = ids;
      const patch = await fetch(`${sb.world.microsoft.graphBaseUrl}/v1.0/me/messages/${readId}`, {
        method: 'PATCH', headers: { authorization: `Bearer ${dana}`, 'content-type': 'application/json' }, body: JSON.stringify({ isRead: true }),
      });
      expect(patch.status).to.equal(200);
      const del = await fetch(`${sb.world.microsoft.graphBaseUrl}/v1.0/me/messages/${goneId}`, { method: 'DELETE', headers: { authorization: `Bearer ${dana}` } });
      expect(del.status).to.equal(204);
      await controlFetch(sb, 'POST', '/mail/deliver', { to: 'dana@contoso.test', from: 'Jane Customer <jane@example.test>', subject: 'Arrived later' });

      const round2 = (await graphGet(dana, deltaLink)).body as unknown as DeltaPage;
      const partial = round2.value.find((m) => m.id === readId) as Json;
      expect(Object.keys(partial).sort()).to.deep.equal(['@odata.etag', '@odata.type', 'changeKey', 'id', 'isRead']);
      expect(partial).to.include({ isRead: true, '@odata.type': '#microsoft.graph.message' });
      expect(round2.value.find((m) => m.id === goneId)).to.deep.include({ '@removed': { reason: 'deleted' } });
      const arrived = round2.value.find((m) => m.subject === 'Arrived later') as Json;
      expect(arrived.from).to.deep.equal({ emailAddress: { name: 'Jane Customer', address: 'jane@example.test' } });
      expect(round2.value).to.have.length(3);
    });

    it('seeds 5000 messages in one call and pages them 1000 at a time', async () => {
      const started = Date.now();
      const messages = Array.from({ length: 5000 }, (_, i) => ({
        from: { name: 'Bulk Sender', address: `sender${i % 50}@example.test` }, to: [{ name: 'Bob Baker', address: 'bob@contoso.test' }],
        subject: `Bulk ${i}`, date: new Date(base + i * 60_000).toISOString(),
      }));
      expect((await controlFetch(sb, 'POST', '/mail/bulk', { mailbox: 'bob@contoso.test', folder: 'Sent Items', messages })).json).to.deep.equal({ appended: 5000 });
      const seedMs = Date.now() - started;
      const bob = await token('bob@contoso.test', ['Mail.ReadBasic']);
      let url: string | undefined = `/me/mailFolders/sentitems/messages/delta?$select=${HEADER_SELECT}`;
      const sizes: number[] = [];
      const pageMs: number[] = [];
      while (url) {
        const t = Date.now();
        const page = (await graphGet(bob, url, 'odata.maxpagesize=1000')).body as unknown as DeltaPage;
        pageMs.push(Date.now() - t);
        sizes.push(page.value.length);
        url = page['@odata.nextLink'];
      }
      expect(sizes).to.deep.equal([1000, 1000, 1000, 1000, 1000]);
      // Timings for the report, not assertions: the machine is shared.
      console.log(`      bulk seed 5000: ${seedMs} ms; delta pages of 1000: ${pageMs.join(', ')} ms`);
    });
  });

  it('POST /reset restores the default limits and clears the counters', async () => {
    await controlFetch(sb, 'POST', '/graph/limits', { requestsPerSecond: 3, concurrency: 2 });
    await controlFetch(sb, 'POST', '/reset');
    expect((await controlFetch(sb, 'GET', '/graph/limits')).json).to.deep.equal({ concurrency: 4, budgetPer10Min: 10_000, requestsPerSecond: null, burst: null });
    expect((await controlFetch(sb, 'GET', '/graph/requests')).json).to.deep.include({ total: 0 });
  });
});
