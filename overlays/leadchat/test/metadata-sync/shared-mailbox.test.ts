// Shared mailboxes: synced once per helpdesk account through /users/{upn}, one event per subscriber
// with access, new subscribers served from the stored events, refusals named on the stream.
import { expect } from 'chai';
import { ALICE, BOB, DANA, JANE, SUPPORT, overlayEnabled, startMetadataSyncHarness, type MetadataSyncHarness } from '../support/metadata-sync-harness.js';

const SALES = 'sales@contoso.test';

describe('metadata sync: Microsoft shared mailboxes', function () {
  this.timeout(90_000);
  let h: MetadataSyncHarness;
  const ids: Record<string, number> = {};
  const shared = async (upn: string, mailbox = SUPPORT) =>
    (await h.events({ user_id: ids[upn], source: 'microsoft_mail', mailbox })).map((e) => [e.subject, e.direction, e.counterpart_email]).sort();

  before(async function () {
    if (!overlayEnabled()) this.skip();
    h = await startMetadataSyncHarness();
    for (const upn of [ALICE, DANA, BOB]) {
      ids[upn] = (await h.member(upn)).id;
      await h.connect(upn, { mail: true, shared_mail: true });
    }
    await h.settle();
  });
  after(async () => { await h?.close(); });

  it("attributes a shared mailbox's mail to its subscriber, read through /users/{upn}", async () => {
    await h.addSharedMailbox(ALICE, SUPPORT);
    await h.sync(ALICE);
    expect(await shared(ALICE)).to.deep.equal([['Invoice question', 'inbound', JANE], ['My order has not arrived', 'inbound', JANE]]);
    const sources = await h.sources(ALICE);
    expect(sources.filter((s) => s.shared).map((s) => [s.mailbox, s.source, s.status])).to.deep.equal([[SUPPORT, 'mail:inbox', 'idle'], [SUPPORT, 'mail:sentitems', 'idle']]);
  });

  it('a second subscriber gets copies of the existing events without a new full round, then new mail counts once per subscriber', async () => {
    const before = await h.state(SUPPORT, 'mail:inbox');
    await h.addSharedMailbox(DANA, SUPPORT);
    await h.sync(DANA);
    expect(await shared(DANA)).to.deep.equal(await shared(ALICE));
    const after = await h.state(SUPPORT, 'mail:inbox');
    expect(after.progress).to.include({ round: 'incremental', processed: 0 });
    expect(after.backfill_completed_at!.getTime()).to.equal(before.backfill_completed_at!.getTime());

    await h.control('POST', '/mail/deliver', { to: SUPPORT, from: 'Jane Customer <jane@example.test>', subject: 'Where is my refund', text: 'x' });
    await h.sync(ALICE);
    for (const upn of [ALICE, DANA]) expect((await shared(upn)).map(([s]) => s), upn).to.deep.equal(['Invoice question', 'My order has not arrived', 'Where is my refund']);
    expect(await h.events({ mailbox: SUPPORT, subject: 'Where is my refund' })).to.have.length(2);
  });

  it('a subscriber without Full Access gets no events and is named on the stream; the others keep theirs', async () => {
    await h.addSharedMailbox(BOB, SUPPORT);
    await h.sync(BOB);
    expect(await shared(BOB)).to.deep.equal([]);
    expect(await shared(ALICE)).to.have.length(3);
    const inbox = (await h.sources(BOB)).find((s) => s.mailbox === SUPPORT && s.source === 'mail:inbox')!;
    expect(inbox.status).to.equal('idle');
    expect(inbox.error).to.equal(`${BOB} has no Full Access on ${SUPPORT} — ask your Exchange admin to grant it`);
  });

  it('a shared mailbox nobody subscribed to can read shows the refusal as the error', async () => {
    await h.addSharedMailbox(ALICE, SALES);
    await h.sync(ALICE);
    const sales = (await h.sources(ALICE)).filter((s) => s.mailbox === SALES);
    expect(sales.map((s) => [s.source, s.status, s.error])).to.deep.equal([
      ['mail:inbox', 'error', `${ALICE} has no Full Access on ${SALES} — ask your Exchange admin to grant it`],
      ['mail:sentitems', 'error', `${ALICE} has no Full Access on ${SALES} — ask your Exchange admin to grant it`],
    ]);
    expect(await h.events({ mailbox: SALES })).to.deep.equal([]);
  });

  it("disconnecting deletes the user's own and shared events and subscriptions; other subscribers keep theirs", async () => {
    const dana = await h.member(DANA);
    await h.api().delete(`/api/v1/accounts/${h.account.id}/integrations/microsoft`).set('api_access_token', dana.token).expect(204);
    expect(await h.events({ user_id: dana.id })).to.deep.equal([]);
    expect(await shared(ALICE)).to.have.length(3);
    expect(await h.state(SUPPORT, 'mail:inbox')).to.not.equal(null);
  });

  it("syncs a shared mailbox's calendar, once asked for, into its subscriber's meetings in UTC", async () => {
    await h.control('POST', `/calendar/${SUPPORT}/events`, {
      subject: 'Support review with Jane', start: '2026-11-26T15:00:00+01:00', end: '2026-11-26T16:00:00+01:00',
      attendees: [{ name: 'Jane Customer', address: JANE, response: 'accepted' }],
    });
    // Shared calendars are a permission of their own: alice signs in again for it (incremental consent).
    await h.connect(ALICE, { mail: true, shared_mail: true, shared_calendar: true });
    const alice = await h.member(ALICE);
    const base = `/api/v1/accounts/${h.account.id}/integrations`;
    const card = await h.api().get(`${base}/metadata_sync`).set('api_access_token', alice.token).expect(200);
    const row = (card.body.microsoft.connection.shared_mailboxes as { id: number; email: string }[]).find((m) => m.email === SUPPORT)!;
    await h.api().delete(`${base}/microsoft/shared_mailboxes/${row.id}`).set('api_access_token', alice.token).expect(204);
    await h.addSharedMailbox(ALICE, SUPPORT, true);
    await h.sync(ALICE);

    const meetings = await h.events({ user_id: ids[ALICE], source: 'microsoft_calendar', mailbox: SUPPORT });
    expect(meetings.map((e) => [e.subject, e.counterpart_email, e.occurred_at.toISOString()])).to.deep.include(['Support review with Jane', JANE, '2026-11-26T14:00:00.000Z']);
    const calendar = (await h.sources(ALICE)).find((s) => s.mailbox === SUPPORT && s.source === 'calendar');
    expect([calendar?.shared, calendar?.status, calendar?.error]).to.deep.equal([true, 'idle', null]);
  });
});
