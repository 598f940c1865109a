// The event writer against the real database: one transaction per page with the state's cursor,
// idempotent upserts on the remote key, merges that never clobber, replace/remove, contact matching.
import { expect } from 'chai';
import { createAccount, createAgent, createContact, createInbox, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import { runtime } from '../../../../test/support/runtime.js';
import { EventStore, loadTeamEmails } from '../../server/metadata-sync/events/event-store.js';
import { InteractionEvent, defineMetadataSyncModels, type SyncState } from '../../server/metadata-sync/metadata-sync.model.js';
import { findOrCreateState } from '../../server/metadata-sync/sync/sync-states.js';
import type { EventDraft, SyncTarget } from '../../server/metadata-sync/sync/types.js';
import { overlayEnabled } from '../support/metadata-sync-harness.js';

const draft = (over: Partial<EventDraft> = {}): EventDraft => ({
  kind: 'email', direction: 'inbound', remote_id: 'm1@example.test', item_id: 'item-1', occurred_at: new Date('2026-01-02T03:04:05Z'),
  counterpart_email: 'jane@example.test', counterpart_name: 'Jane', subject: 'Hello', newsletter: false, ...over,
});

describe('metadata sync: event store', () => {
  let store: EventStore;
  let account: TestAccount;
  let a: TestUser;
  let b: TestUser;
  let target: SyncTarget;
  let state: SyncState;
  const rows = () => InteractionEvent.findAll({ where: { account_id: account.id }, order: [['user_id', 'ASC'], ['remote_id', 'ASC'], ['counterpart_email', 'ASC']] });

  before(async function () {
    if (!overlayEnabled()) this.skip();
    const rt = await runtime();
    defineMetadataSyncModels(rt.sequelize);
    store = new EventStore(rt.sequelize);
  });

  beforeEach(async () => {
    account = await createAccount();
    a = await createAgent(account, 'A');
    b = await createAgent(account, 'B');
    target = { accountId: account.id, provider: 'microsoft', source: 'mail:inbox', eventSource: 'microsoft_mail', mailbox: 'shared@contoso.test', subscribers: [a.id, b.id], shared: true };
    state = await findOrCreateState({ accountId: account.id, provider: 'microsoft', mailbox: 'shared@contoso.test', source: 'mail:inbox' });
  });

  it('writes drafts × subscribers once per key, matches contacts by lower(email) and saves the state in the same write', async () => {
    const contact = await createContact(account, { email: 'JANE@example.test' });
    const page = [draft(), draft(), draft({ remote_id: 'm2@example.test', item_id: 'item-2', counterpart_email: 'kim@example.test', counterpart_name: null })];
    const { written } = await store.writePage(target, state, { drafts: page, state: { page_cursor: 'next-1', progress: { processed: 3 } } });
    expect(written).to.equal(4);
    const all = await rows();
    expect(all.map((e) => [e.user_id, e.remote_id, e.counterpart_email, e.contact_id])).to.deep.equal([
      [a.id, 'm1@example.test', 'jane@example.test', contact.id], [a.id, 'm2@example.test', 'kim@example.test', null],
      [b.id, 'm1@example.test', 'jane@example.test', contact.id], [b.id, 'm2@example.test', 'kim@example.test', null],
    ].map(([u, ...rest]) => [Number(u), ...rest]));
    expect(all.every((e) => e.provider === 'microsoft' && e.source === 'microsoft_mail' && e.mailbox === 'shared@contoso.test')).to.equal(true);
    await state.reload();
    expect([state.page_cursor, state.progress]).to.deep.equal(['next-1', { processed: 3 }]);
  });

  it('writing the same page again changes nothing; a partial draft never clobbers stored values and a newsletter stays one', async () => {
    await store.writePage(target, state, { drafts: [draft({ newsletter: true })] });
    const first = await rows();
    expect((await store.writePage(target, state, { drafts: [draft({ newsletter: true })] })).written, 'unchanged rows are not rewritten').to.equal(0);
    await store.writePage(target, state, { drafts: [draft({ subject: null, counterpart_name: null, newsletter: false, occurred_at: new Date('2026-01-02T03:04:06Z') })] });
    const merged = await rows();
    expect(merged.map((e) => e.id)).to.deep.equal(first.map((e) => e.id));
    expect(merged.map((e) => [e.subject, e.counterpart_name, e.newsletter, e.occurred_at.toISOString()])).to.deep.equal([
      ['Hello', 'Jane', true, '2026-01-02T03:04:06.000Z'], ['Hello', 'Jane', true, '2026-01-02T03:04:06.000Z'],
    ]);
  });

  it('replaceItems drops counterparts an item no longer has; removeItems deletes an item for every subscriber', async () => {
    const meeting = (email: string) => draft({ kind: 'meeting', remote_id: 'ical-1', item_id: 'evt-1', counterpart_email: email });
    await store.writePage(target, state, { drafts: [meeting('jane@example.test'), meeting('kim@example.test'), draft({ item_id: 'item-9', remote_id: 'other' })] });
    await store.writePage(target, state, { drafts: [meeting('kim@example.test')], replaceItems: ['evt-1'] });
    expect((await rows()).map((e) => [e.remote_id, e.counterpart_email])).to.deep.equal([
      ['ical-1', 'kim@example.test'], ['other', 'jane@example.test'], ['ical-1', 'kim@example.test'], ['other', 'jane@example.test'],
    ]);
    await store.writePage(target, state, { drafts: [], removeItems: ['evt-1'] });
    expect((await rows()).map((e) => e.remote_id)).to.deep.equal(['other', 'other']);
  });

  it('a page that fails writes neither its events nor its cursor', async () => {
    await store.writePage(target, state, { drafts: [draft()], state: { page_cursor: 'next-1' } });
    const broken = draft({ remote_id: 'm3@example.test', counterpart_email: null as unknown as string });
    const failure = await store.writePage(target, state, { drafts: [draft({ remote_id: 'm2@example.test' }), broken], state: { page_cursor: 'next-2' } }).then(() => null, (err: Error) => err);
    expect(failure?.message).to.match(/null value in column "counterpart_email"/);
    await state.reload();
    expect(state.page_cursor).to.equal('next-1');
    expect((await rows()).map((e) => e.remote_id)).to.deep.equal(['m1@example.test', 'm1@example.test']);
  });

  it('copies a stream to new subscribers and deletes it for those who left', async () => {
    const only = { ...target, subscribers: [a.id] };
    await store.writePage(only, state, { drafts: [draft(), draft({ remote_id: 'm2@example.test', counterpart_email: 'kim@example.test' })] });
    expect(await store.holders(only)).to.deep.equal([a.id]);
    expect(await store.copyToSubscribers(only, [b.id])).to.equal(2);
    expect(await store.copyToSubscribers(only, [b.id]), 'copying twice adds nothing').to.equal(0);
    expect((await store.holders(only)).sort()).to.deep.equal([a.id, b.id].sort());
    await store.deleteFor(only, [a.id]);
    expect((await rows()).map((e) => Number(e.user_id))).to.deep.equal([b.id, b.id]);
  });

  it("the team's addresses: users, inbox addresses and connected mailboxes, lower-cased", async () => {
    const inbox = await createInbox(account);
    const team = await loadTeamEmails((await runtime()).sequelize, account.id);
    for (const email of [account.admin.email, a.email, b.email, inbox.email]) expect(team.has(email.toLowerCase()), email).to.equal(true);
  });
});
