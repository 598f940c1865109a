// A contact's interactions over HTTP, from interaction_events rows written here directly (the sync
// engine that normally writes them has its own tests): summary, who on the team knows the contact,
// recent events with newsletters flagged, shared-mailbox attribution, and account isolation.
import { expect } from 'chai';
import type { InferCreationAttributes } from 'sequelize';
import { http, runtime } from '../../../../test/support/runtime.js';
import { createAccount, createAgent, createContact, type TestAccount, type TestContact, type TestUser } from '../../../../test/support/factories.js';
import { InteractionEvent, MicrosoftAccount } from '../../server/metadata-sync/metadata-sync.model.js';
import { overlayEnabled } from '../support/metadata-sync-harness.js';

const DAY = 24 * 3600_000;

describe('metadata sync: contact interactions', () => {
  let account: TestAccount;
  let agent: TestUser;
  let contact: TestContact;

  before(async function () {
    if (!overlayEnabled()) return this.skip();
    await runtime();
  });
  beforeEach(async () => {
    account = await createAccount();
    agent = await createAgent(account, 'Bob Agent');
    contact = await createContact(account, { email: `Casey.${Date.now()}@Customer.test` });
  });

  let seq = 0;
  const event = (attrs: Partial<InferCreationAttributes<InteractionEvent>> & { user_id: number; occurred_at: Date }) => InteractionEvent.create({
    account_id: account.id, provider: 'microsoft', source: 'microsoft_mail', mailbox: 'admin@contoso.test', kind: 'email', direction: 'inbound',
    remote_id: `<m${(seq += 1)}@example.test>`, counterpart_email: contact.email!.toLowerCase(), subject: `Subject ${seq}`, ...attrs,
  });
  const interactions = async (id: number, user: TestUser = account.admin) =>
    (await http()).get(`/api/v1/accounts/${account.id}/contacts/${id}/interactions`).set('api_access_token', user.token);

  it('summarises the contact, ranks who knows them, and lists recent events with newsletters flagged', async () => {
    const now = Date.now();
    await MicrosoftAccount.create({ account_id: account.id, user_id: account.admin.id, email: 'admin@contoso.test', microsoft_uid: 'oid-admin', tenant_id: 't' });
    await event({ user_id: account.admin.id, contact_id: contact.id, occurred_at: new Date(now - 3 * DAY), direction: 'outbound' });
    await event({ user_id: account.admin.id, occurred_at: new Date(now - 2 * DAY), kind: 'meeting', source: 'microsoft_calendar', counterpart_email: contact.email!.toUpperCase() });
    await event({ user_id: account.admin.id, occurred_at: new Date(now - 1 * DAY), mailbox: 'support@contoso.test' });
    await event({ user_id: agent.id, occurred_at: new Date(now - 5 * DAY), provider: 'google', source: 'google_mail', mailbox: 'bob@fabrikam.test' });
    await event({ user_id: agent.id, occurred_at: new Date(now - 0.5 * DAY), newsletter: true, subject: 'Weekly digest' });
    await event({ user_id: agent.id, occurred_at: new Date(now), counterpart_email: 'someone.else@customer.test' });

    const res = await interactions(contact.id);
    expect(res.status).to.equal(200);
    expect(res.body.summary).to.deep.equal({ total: 4, emails: 3, meetings: 1, last_interaction_at: new Date(now - 1 * DAY).toISOString() });
    expect(res.body.team.map((t: { user_id: number; count: number }) => [t.user_id, t.count])).to.deep.equal([[account.admin.id, 3], [agent.id, 1]]);
    expect(res.body.team[1]).to.include({ name: 'Bob Agent', email: agent.email, last_interaction_at: new Date(now - 5 * DAY).toISOString() });

    const events = res.body.events as { subject: string; newsletter: boolean; shared: boolean; mailbox: string; user: { id: number; name: string }; kind: string }[];
    expect(events).to.have.length(5);
    expect(events[0]).to.include({ subject: 'Weekly digest', newsletter: true });
    expect(events[0]!.user).to.deep.equal({ id: agent.id, name: 'Bob Agent' });
    expect(events.find((e) => e.mailbox === 'support@contoso.test')).to.include({ shared: true });
    expect(events.filter((e) => e.mailbox === 'admin@contoso.test').every((e) => !e.shared)).to.equal(true);
    expect(events.map((e) => e.kind)).to.include('meeting');
  });

  it('shows the 20 most recent events, newest first', async () => {
    const now = Date.now();
    for (let i = 0; i < 25; i += 1) await event({ user_id: account.admin.id, occurred_at: new Date(now - i * 3600_000) });
    const res = await interactions(contact.id, agent);
    expect(res.status).to.equal(200);
    expect(res.body.summary.total).to.equal(25);
    expect(res.body.events).to.have.length(20);
    expect(res.body.events[0].occurred_at).to.equal(new Date(now).toISOString());
  });

  it("another account's contact is not found, and another account's events are never counted", async () => {
    const other = await createAccount();
    const otherContact = await createContact(other, { email: contact.email });
    await InteractionEvent.create({
      account_id: other.id, user_id: other.admin.id, provider: 'google', source: 'google_mail', mailbox: 'x@fabrikam.test', kind: 'email',
      direction: 'inbound', remote_id: '<other@example.test>', occurred_at: new Date(), counterpart_email: contact.email!.toLowerCase(),
    });
    expect((await interactions(otherContact.id)).status).to.equal(404);
    const mine = await interactions(contact.id);
    expect(mine.body.summary.total).to.equal(0);
    expect(mine.body.team).to.deep.equal([]);
    expect(mine.body.events).to.deep.equal([]);
  });
});
