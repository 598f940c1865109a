// Automatic assignment through the public API: round-robin order among the inbox's members who have a
// dashboard open (a live event stream) and are available, the per-inbox cap, reopened conversations.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { addInboxMember, createAccount, createAgent, createContact, createConversation, createInbox, type TestAccount, type TestContact, type TestUser } from '../support/factories.js';
import { http as api, runtime } from '../support/runtime.js';

describe('Automatic assignment (round-robin)', function () {
  this.timeout(20_000);
  let server: http.Server;
  let port: number;
  let account: TestAccount;
  let inbox: { id: number };
  let contact: TestContact;
  let agents: TestUser[];
  const streams = new Map<number, http.ClientRequest>();
  const base = () => `/api/v1/accounts/${account.id}`;

  /** An open dashboard: the agent's live event stream, answered once the server has registered it. */
  const goOnline = (user: TestUser) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: `${base()}/events`, headers: { api_access_token: user.token, accept: 'text/event-stream' } }, (res) => {
        res.on('error', () => undefined);
        res.once('data', () => resolve());
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || err.message.includes('aborted') ? undefined : reject(err)));
      streams.set(user.id, req);
    });
  const goOffline = async (user: TestUser) => {
    streams.get(user.id)?.destroy();
    streams.delete(user.id);
    // The server notices the closed stream asynchronously.
    await new Promise((r) => setTimeout(r, 150));
  };
  const newConversation = async () => (await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id })) as unknown as { id: number; meta: { assignee: { id: number } | null } };
  const assigneeOf = async (displayId: number) => {
    const res = await (await api()).get(`${base()}/conversations/${displayId}`).set('api_access_token', account.admin.token).expect(200);
    return (res.body.meta.assignee?.id as number | undefined) ?? null;
  };
  const asAdmin = async () => {
    const a = await api();
    return {
      patch: (p: string, body: object) => a.patch(base() + p).set('api_access_token', account.admin.token).send(body),
      post: (p: string, body: object, user: TestUser = account.admin) => a.post(base() + p).set('api_access_token', user.token).send(body),
    };
  };

  before(async () => {
    const rt = await runtime();
    server = rt.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    for (const req of streams.values()) req.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(async () => {
    account = await createAccount();
    inbox = await createInbox(account);
    contact = await createContact(account);
    agents = [];
    for (const name of ['Ann', 'Bob', 'Cid', 'Dee']) {
      const agent = await createAgent(account, name);
      await addInboxMember(inbox.id, agent);
      agents.push(agent);
    }
  });
  afterEach(async () => {
    for (const req of streams.values()) req.destroy();
    streams.clear();
  });

  it('takes turns among members who are online and available; busy, offline or closed dashboards get none', async () => {
    const [ann, bob, cid, dee] = agents;
    const admin = await asAdmin();
    // Dee stays without a dashboard; Cid has one but says busy (Chatwoot's availability).
    await Promise.all([goOnline(ann), goOnline(bob), goOnline(cid)]);
    const busy = await (await api()).post('/api/v1/profile/availability').set('api_access_token', cid.token).send({ profile: { account_id: account.id, availability: 'busy' } }).expect(200);
    expect(busy.body.accounts.find((a: { id: number }) => a.id === account.id).availability_status).to.equal('busy');
    const bad = await (await api()).post('/api/v1/profile/availability').set('api_access_token', cid.token).send({ profile: { account_id: account.id, availability: 'away' } }).expect(422);
    expect(bad.body.error.fields).to.deep.equal([{ path: 'profile.availability', message: 'must be online, busy or offline' }]);

    const first = [];
    for (let i = 0; i < 4; i++) first.push((await newConversation()).meta.assignee?.id);
    expect(first, 'the create answer already names the agent').to.deep.equal([ann.id, bob.id, ann.id, bob.id]);
    const annNotified = (await (await api()).get(`${base()}/notifications`).set('api_access_token', ann.token).expect(200)).body.data.payload;
    expect(annNotified.map((n: { notification_type: string }) => n.notification_type), 'one notification per assignment').to.deep.equal(['conversation_assignment', 'conversation_assignment']);

    await (await api()).post('/api/v1/profile/availability').set('api_access_token', cid.token).send({ account_id: account.id, availability: 'online' }).expect(200);
    await goOffline(bob);
    const next = [];
    for (let i = 0; i < 3; i++) next.push(await assigneeOf((await newConversation()).id));
    // The queue was Cid, Dee, Ann, Bob: Cid is next now that he is online, Dee and Bob are skipped.
    expect(next).to.deep.equal([cid.id, ann.id, cid.id]);
    expect(dee.id).to.be.a('number');

    // An agent's own choice is never overridden, and the inbox setting turns it all off.
    expect((await newConversation()).meta.assignee?.id).to.equal(ann.id);
    const created = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, assignee_id: dee.id });
    expect((created.meta as { assignee: { id: number } }).assignee.id).to.equal(dee.id);
    await admin.patch(`/inboxes/${inbox.id}`, { enable_auto_assignment: false }).expect(200);
    expect((await newConversation()).meta.assignee).to.equal(null);
  });

  it('respects the inbox cap of open conversations per agent; a resolved one frees a place', async () => {
    const [ann, bob] = agents;
    const admin = await asAdmin();
    const invalid = await admin.patch(`/inboxes/${inbox.id}`, { auto_assignment_config: { max_assignment_limit: 0, other: 1 } }).expect(422);
    expect(invalid.body.error.fields.map((f: { path: string }) => f.path)).to.have.members(['auto_assignment_config.max_assignment_limit', 'auto_assignment_config']);
    const saved = await admin.patch(`/inboxes/${inbox.id}`, { auto_assignment_config: { max_assignment_limit: 1 } }).expect(200);
    expect(saved.body.auto_assignment_config).to.deep.equal({ max_assignment_limit: 1 });
    await Promise.all([goOnline(ann), goOnline(bob)]);

    const a = await newConversation();
    const b = await newConversation();
    const c = await newConversation();
    expect([a.meta.assignee?.id, b.meta.assignee?.id, c.meta.assignee]).to.deep.equal([ann.id, bob.id, null]);
    await admin.post(`/conversations/${a.id}/toggle_status`, { status: 'resolved' }).expect(200);
    expect((await newConversation()).meta.assignee?.id).to.equal(ann.id);
  });

  it('a reopened conversation goes back to its agent while they work the inbox, else round-robin', async () => {
    const [ann, bob] = agents;
    const admin = await asAdmin();
    await Promise.all([goOnline(ann), goOnline(bob)]);
    const c = await newConversation();
    expect(c.meta.assignee?.id).to.equal(ann.id);
    await admin.post(`/conversations/${c.id}/toggle_status`, { status: 'resolved' }).expect(200);
    await admin.post(`/conversations/${c.id}/toggle_status`, { status: 'open' }).expect(200);
    expect(await assigneeOf(c.id), 'Bob is next in the queue, but the conversation is Ann’s').to.equal(ann.id);

    await admin.post(`/conversations/${c.id}/toggle_status`, { status: 'resolved' }).expect(200);
    await (await api()).patch(`${base()}/inbox_members`).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: agents.filter((u) => u !== ann).map((u) => u.id) }).expect(200);
    await admin.post(`/conversations/${c.id}/toggle_status`, { status: 'open' }).expect(200);
    expect(await assigneeOf(c.id)).to.equal(bob.id);
  });
});
