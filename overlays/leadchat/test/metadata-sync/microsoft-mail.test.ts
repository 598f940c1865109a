// Microsoft mail metadata against the sandbox: Alice connects through the consent flow, the real
// jobs sync Inbox and Sent Items by Graph delta, and the events, states and API answers are checked
// through a backfill, incremental rounds, partial updates, removals, an expired delta state,
// throttling, a refused token and finally revoked consent.
import { expect } from 'chai';
import { createAgent, createContact, type TestUser } from '../../../../test/support/factories.js';
import { ALICE, JANE, overlayEnabled, startMetadataSyncHarness, type BulkMessage, type MetadataSyncHarness } from '../support/metadata-sync-harness.js';

const daysAgo = (days: number, hourUtc = 9): string => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - days);
  d.setUTCHours(hourUtc, 0, 0, 0);
  return d.toISOString();
};
const DELTA_INBOX = '/mailFolders.*inbox.*messages\\/delta/';

describe('metadata sync: Microsoft mail (Inbox and Sent Items by Graph delta)', function () {
  this.timeout(90_000);
  let h: MetadataSyncHarness;
  let teammate: TestUser;
  let alice: TestUser;
  const alicesMail = () => h.events({ user_id: alice.id, source: 'microsoft_mail' });

  before(async function () {
    if (!overlayEnabled()) this.skip();
    h = await startMetadataSyncHarness();
    teammate = await createAgent(h.account, 'Teammate');
    alice = await h.member(ALICE);
    await createContact(h.account, { email: 'Jane@Example.test', name: 'Jane Customer' });
    const me = { name: 'Alice Archer', address: ALICE };
    const inbox: BulkMessage[] = [
      { from: { name: 'Kim Prospect', address: 'kim@example.test' }, to: [me], cc: [{ address: 'lou@example.test' }], subject: 'Intro', date: '2026-06-01T10:00:00+02:00', headers: { 'Message-ID': '<intro-1@example.test>' } },
      { from: { name: 'News', address: 'news@list.example.test' }, to: [me], subject: 'Digest', date: daysAgo(20), headers: { 'List-Unsubscribe': '<mailto:unsubscribe@list.example.test>' } },
      { from: { name: 'Promo', address: 'promo@example.test' }, to: [me], subject: 'Promo', date: daysAgo(19), headers: { Precedence: 'bulk' } },
      { from: { name: 'Mass', address: 'mass@example.test' }, to: Array.from({ length: 21 }, (_, i) => ({ address: `r${i}@example.test` })), subject: 'Everyone', date: daysAgo(18) },
      { from: { name: 'Teammate', address: teammate.email }, to: [me], subject: 'Internal', date: daysAgo(17) },
      { from: { name: 'Old Friend', address: 'old@example.test' }, to: [me], subject: 'Ancient', date: '2023-01-10T10:00:00Z' },
    ];
    const sent: BulkMessage[] = [
      { from: me, to: [{ name: 'Jane Customer', address: JANE }], cc: [{ address: 'kim@example.test' }], bcc: [{ address: 'lee@example.test' }], subject: 'Proposal', date: daysAgo(10), headers: { 'Message-ID': '<proposal-1@contoso.test>' } },
      { from: me, to: [{ address: teammate.email }], subject: 'Internal reply', date: daysAgo(9) },
    ];
    await h.bulk(ALICE, 'INBOX', inbox);
    await h.bulk(ALICE, 'Sent Items', sent);
  });
  after(async () => { await h?.close(); });

  it('backfills both folders on connect: direction, counterparts, UTC times, newsletters, team members, Bcc on outbound only', async () => {
    await h.connect(ALICE, { mail: true });
    await h.settle();
    const events = await alicesMail();
    const by = (subject: string) => events.filter((e) => e.subject === subject).map((e) => [e.direction, e.counterpart_email, e.newsletter]);
    // Seeded before: Jane's "Thanks for the call" (Inbox) and Alice's "Follow-up" to Jane (Sent Items).
    expect(by('Thanks for the call')).to.deep.equal([['inbound', JANE, false]]);
    expect(by('Follow-up')).to.deep.equal([['outbound', JANE, false]]);
    expect(by('Intro')).to.deep.equal([['inbound', 'kim@example.test', false]]);
    expect(by('Digest')).to.deep.equal([['inbound', 'news@list.example.test', true]]);
    expect(by('Promo')).to.deep.equal([['inbound', 'promo@example.test', true]]);
    expect(by('Everyone')).to.deep.equal([['inbound', 'mass@example.test', true]]);
    expect(by('Internal'), 'a team member is no counterpart').to.deep.equal([]);
    expect(by('Internal reply')).to.deep.equal([]);
    expect(by('Ancient'), 'older than 24 months').to.deep.equal([]);
    expect(by('Proposal').sort()).to.deep.equal([['outbound', JANE, false], ['outbound', 'kim@example.test', false], ['outbound', 'lee@example.test', false]]);
    expect(events).to.have.length(9);

    const intro = events.find((e) => e.subject === 'Intro')!;
    expect(intro.occurred_at.toISOString(), '10:00 at +02:00 is 08:00 UTC').to.equal('2026-06-01T08:00:00.000Z');
    expect(intro.remote_id).to.equal('intro-1@example.test');
    expect(intro.provider).to.equal('microsoft');
    expect(intro.mailbox).to.equal(ALICE);
    const proposal = events.find((e) => e.subject === 'Proposal' && e.counterpart_email === JANE)!;
    expect(proposal.contact_id, 'matched to the helpdesk contact by lower(email)').to.be.a('number');

    const sources = await h.sources(ALICE);
    expect(sources.map((s) => [s.source, s.status, s.progress.round])).to.deep.equal([['mail:inbox', 'idle', 'backfill'], ['mail:sentitems', 'idle', 'backfill']]);
    const inbox = sources.find((s) => s.source === 'mail:inbox')!;
    expect(inbox.progress.processed).to.equal(6, 'every Inbox message in the window was listed');
    expect(inbox.progress.total).to.equal(7);
    expect(inbox.backfill_completed_at).to.be.a('string');
    const state = await h.state(ALICE, 'mail:inbox');
    expect(state.cursor).to.match(/deltatoken/i);
    expect(state.page_cursor).to.equal(null);
  });

  it('an incremental round adds only new mail', async () => {
    const before = await h.state(ALICE, 'mail:inbox');
    await h.control('POST', '/mail/deliver', { to: ALICE, from: 'Nora New <nora@example.test>', subject: 'New lead', text: 'hi', messageId: '<new-lead@example.test>' });
    await h.sync(ALICE);
    const events = await alicesMail();
    expect(events).to.have.length(10);
    expect(events.filter((e) => e.subject === 'New lead').map((e) => [e.direction, e.counterpart_email, e.remote_id])).to.deep.equal([['inbound', 'nora@example.test', 'new-lead@example.test']]);
    const after = await h.state(ALICE, 'mail:inbox');
    expect(after.progress).to.include({ round: 'incremental', processed: 1 });
    expect(after.cursor).to.not.equal(before.cursor);
    expect(after.backfill_completed_at!.getTime()).to.equal(before.backfill_completed_at!.getTime());
  });

  it('a flag change (a partial item) leaves the events as they are; a removed message is counted and its events kept', async () => {
    const { access_token: token } = (await h.control('POST', '/tokens/issue', { user: ALICE, scopes: ['Mail.ReadWrite'] })) as { access_token: string };
    const graph = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${h.sb.world.microsoft.graphBaseUrl}/v1.0/me${path}`, {
        method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
      });
      expect(res.status, `${method} ${path}`).to.be.lessThan(300);
      return res.status === 204 ? null : res.json();
    };
    const list = (await graph('GET', '/mailFolders/inbox/messages?$select=id,subject&$top=50')) as { value: { id: string; subject: string }[] };
    const intro = list.value.find((m) => m.subject === 'Intro')!;
    const lead = list.value.find((m) => m.subject === 'New lead')!;
    const before = (await alicesMail()).map((e) => e.get({ plain: true }));

    await graph('PATCH', `/messages/${intro.id}`, { isRead: true });
    await h.sync(ALICE);
    const afterFlag = (await alicesMail()).map((e) => e.get({ plain: true }));
    expect(afterFlag.map((e) => [e.id, e.subject, e.counterpart_email, e.counterpart_name, e.newsletter, e.occurred_at.toISOString()]))
      .to.deep.equal(before.map((e) => [e.id, e.subject, e.counterpart_email, e.counterpart_name, e.newsletter, e.occurred_at.toISOString()]));
    expect((await h.state(ALICE, 'mail:inbox')).progress).to.include({ round: 'incremental', processed: 1, removed: 0 });

    await graph('DELETE', `/messages/${lead.id}`);
    await h.sync(ALICE);
    expect((await h.state(ALICE, 'mail:inbox')).progress).to.include({ round: 'incremental', processed: 1, removed: 1 });
    expect((await alicesMail()).map((e) => e.subject)).to.include('New lead');
  });

  it('an expired delta state (410 syncStateNotFound) starts one full round and duplicates nothing', async () => {
    const before = await alicesMail();
    await h.control('POST', '/graph/delta/expire');
    await h.sync(ALICE);
    const after = await alicesMail();
    expect(after.map((e) => e.id).sort()).to.deep.equal(before.map((e) => e.id).sort());
    const state = await h.state(ALICE, 'mail:inbox');
    expect(state.progress).to.include({ round: 'backfill' });
    expect(state.status).to.equal('idle');
    expect(state.cursor).to.match(/deltatoken/i);
  });

  it('429: a short Retry-After is waited out; a long one leaves the stream throttled with retry_at and a delayed job that finishes it', async () => {
    await h.control('POST', '/faults', { path: DELTA_INBOX, status: 429, headers: { 'Retry-After': '1' }, count: 4 });
    await h.control('POST', '/mail/deliver', { to: ALICE, from: 'Olga <olga@example.test>', subject: 'After short throttle', text: 'x' });
    await h.sync(ALICE);
    expect((await alicesMail()).map((e) => e.subject)).to.include('After short throttle');
    expect((await h.sources(ALICE)).every((s) => s.status === 'idle')).to.equal(true);

    await h.control('POST', '/faults', { path: DELTA_INBOX, status: 429, headers: { 'Retry-After': '45' }, count: 20 });
    await h.control('POST', '/mail/deliver', { to: ALICE, from: 'Pia <pia@example.test>', subject: 'After long throttle', text: 'x' });
    const started = Date.now();
    const { token } = { token: alice.token };
    await h.api().post(`/api/v1/accounts/${h.account.id}/integrations/microsoft/sync`).set('api_access_token', token).expect(202);
    await h.settle({ delayed: false });
    const inbox = (await h.sources(ALICE)).find((s) => s.source === 'mail:inbox')!;
    expect(inbox.status).to.equal('throttled');
    expect(Date.parse(inbox.retry_at!) - started).to.be.within(40_000, 50_000);
    const delayed = await h.rt.queues.queue('metadata_sync.microsoft_mail').getDelayed();
    expect(delayed).to.have.length(1);
    expect(delayed[0]!.opts.delay).to.be.within(40_000, 46_000);

    await h.control('DELETE', '/faults');
    await delayed[0]!.promote();
    await h.settle();
    expect((await alicesMail()).map((e) => e.subject)).to.include('After long throttle');
    const done = (await h.sources(ALICE)).find((s) => s.source === 'mail:inbox')!;
    expect([done.status, done.error, done.retry_at]).to.deep.equal(['idle', null, null]);
  });

  it('a 401 refreshes the token once and carries on', async () => {
    const before = await h.connection(ALICE);
    await h.control('POST', '/faults', { path: DELTA_INBOX, status: 401, count: 1 });
    await h.control('POST', '/mail/deliver', { to: ALICE, from: 'Quinn <quinn@example.test>', subject: 'After 401', text: 'x' });
    await h.sync(ALICE);
    const after = await h.connection(ALICE);
    expect(after.tokens_ciphertext, 'a refreshed token was stored').to.not.equal(before.tokens_ciphertext);
    expect(after.status).to.equal('active');
    expect((await alicesMail()).map((e) => e.subject)).to.include('After 401');
  });

  it('revoked consent: the refresh is refused, the connection needs reauthorization and the error is shown', async () => {
    await h.control('POST', '/tokens/revoke', { user: ALICE });
    await h.control('POST', '/faults', { path: DELTA_INBOX, status: 401, count: 1 });
    await h.sync(ALICE);
    const card = await h.card(ALICE);
    expect(card.connection!.status).to.equal('reauthorization_required');
    expect(card.connection!.last_error).to.be.a('string').and.not.empty;
    const inbox = card.connection!.sources.find((s) => s.source === 'mail:inbox')!;
    expect(inbox.status).to.equal('error');
    expect(inbox.error).to.be.a('string').and.not.empty;
  });
});
