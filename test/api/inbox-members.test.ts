import { expect } from 'chai';
import { createAccount, createAgent, createInbox, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { http } from '../support/runtime.js';

const ids = (body: { payload: { id: number }[] }) => body.payload.map((a) => a.id);

describe('Inbox members API', () => {
  let account: TestAccount;
  let inbox: { id: number };
  let alice: TestUser;
  let bob: TestUser;
  const path = () => `/api/v1/accounts/${account.id}/inbox_members`;

  beforeEach(async () => {
    account = await createAccount();
    inbox = await createInbox(account);
    alice = await createAgent(account, 'Alice');
    bob = await createAgent(account, 'Bob');
  });

  it('adds members and answers with every member as Chatwoot agents', async () => {
    const api = await http();
    const res = await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [alice.id] }).expect(200);
    expect(res.body).to.have.all.keys('payload');
    expect(res.body.payload).to.deep.equal([
      { id: alice.id, account_id: account.id, availability_status: 'online', auto_offline: true, confirmed: true, email: alice.email, available_name: 'Alice', name: 'Alice', role: 'agent', thumbnail: '', custom_role_id: null },
    ]);
    // Adding again (with a duplicate and a string id, as form posts send) is idempotent.
    const again = await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: String(inbox.id), user_ids: [bob.id, String(alice.id), bob.id] }).expect(200);
    expect(ids(again.body)).to.deep.equal([alice.id, bob.id]);

    const list = await api.get(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(200);
    expect(ids(list.body)).to.deep.equal([alice.id, bob.id]);
  });

  it('replaces the member list with PATCH (an empty list removes everyone)', async () => {
    const api = await http();
    await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [alice.id] }).expect(200);
    const res = await api.patch(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [bob.id, account.admin.id] }).expect(200);
    expect(ids(res.body)).to.deep.equal([account.admin.id, bob.id]);
    const cleared = await api.patch(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [] }).expect(200);
    expect(cleared.body).to.deep.equal({ payload: [] });
  });

  it('removes members with DELETE', async () => {
    const api = await http();
    await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [alice.id, bob.id] }).expect(200);
    const res = await api.delete(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [alice.id] }).expect(200);
    expect(ids(res.body)).to.deep.equal([bob.id]);
    const list = await api.get(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(200);
    expect(ids(list.body)).to.deep.equal([bob.id]);
  });

  it('membership decides which inboxes an agent sees', async () => {
    const api = await http();
    await api.get(`${path()}/${inbox.id}`).set('api_access_token', alice.token).expect(404);
    await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [alice.id] }).expect(200);
    const members = await api.get(`${path()}/${inbox.id}`).set('api_access_token', alice.token).expect(200);
    expect(ids(members.body)).to.deep.equal([alice.id]);
    const inboxes = await api.get(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', alice.token).expect(200);
    expect(inboxes.body.payload.map((i: { id: number }) => i.id)).to.deep.equal([inbox.id]);
  });

  describe('validation', () => {
    it('is 422 naming user_ids when a user is not an agent of the account, and changes nothing', async () => {
      const api = await http();
      const stranger = await createUser('Stranger');
      const other = await createAccount();
      for (const method of ['post', 'patch', 'delete'] as const) {
        const res = await api[method](path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [alice.id, stranger.id, other.admin.id] }).expect(422);
        expect(res.body.error.fields).to.deep.equal([{ path: 'user_ids', message: `must be agents of this account (not: ${stranger.id}, ${other.admin.id})` }]);
      }
      const list = await api.get(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.payload).to.deep.equal([]);
    });

    it('names missing or malformed inbox_id and user_ids', async () => {
      const api = await http();
      const missing = await api.post(path()).set('api_access_token', account.admin.token).send({}).expect(422);
      expect(missing.body.error.fields.map((f: { path: string }) => f.path)).to.have.members(['inbox_id', 'user_ids']);
      const empty = await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [] }).expect(422);
      expect(empty.body.error.fields).to.deep.equal([{ path: 'user_ids', message: 'must list at least one user' }]);
      const notList = await api.patch(path()).set('api_access_token', account.admin.token).send({ inbox_id: 'abc', user_ids: 'all' }).expect(422);
      expect(notList.body.error.fields.map((f: { path: string }) => f.path)).to.have.members(['inbox_id', 'user_ids']);
      const badId = await api.delete(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [-1] }).expect(422);
      expect(badId.body.error.fields[0].path).to.equal('user_ids.0');
    });

    it('is 404 for an unknown inbox', async () => {
      const api = await http();
      await api.get(`${path()}/999999999`).set('api_access_token', account.admin.token).expect(404);
      await api.get(`${path()}/abc`).set('api_access_token', account.admin.token).expect(404);
      await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: 999999999, user_ids: [alice.id] }).expect(404);
    });
  });

  describe('access', () => {
    it('lets only administrators change members (403 for an agent, even of the inbox)', async () => {
      const api = await http();
      await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [alice.id] }).expect(200);
      const body = { inbox_id: inbox.id, user_ids: [alice.id] };
      await api.post(path()).set('api_access_token', alice.token).send(body).expect(403);
      await api.patch(path()).set('api_access_token', alice.token).send(body).expect(403);
      await api.delete(path()).set('api_access_token', alice.token).send(body).expect(403);
    });

    it("gives another account's administrator 404 on every read and write", async () => {
      const api = await http();
      const other = await createAccount();
      const otherAgent = await createAgent(other);
      const token = other.admin.token;
      const body = { inbox_id: inbox.id, user_ids: [alice.id] };
      await api.get(`${path()}/${inbox.id}`).set('api_access_token', token).expect(404);
      await api.post(path()).set('api_access_token', token).send(body).expect(404);
      await api.patch(path()).set('api_access_token', token).send(body).expect(404);
      await api.delete(path()).set('api_access_token', token).send(body).expect(404);
      // Through their own account: this account's inbox does not exist there.
      const own = `/api/v1/accounts/${other.id}/inbox_members`;
      await api.get(`${own}/${inbox.id}`).set('api_access_token', token).expect(404);
      await api.post(own).set('api_access_token', token).send({ inbox_id: inbox.id, user_ids: [otherAgent.id] }).expect(404);
      await api.patch(own).set('api_access_token', token).send({ inbox_id: inbox.id, user_ids: [] }).expect(404);
      const list = await api.get(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.payload).to.deep.equal([]);
    });

    it('requires authentication (401)', async () => {
      const api = await http();
      await api.get(`${path()}/${inbox.id}`).expect(401);
      await api.post(path()).send({ inbox_id: inbox.id, user_ids: [alice.id] }).expect(401);
    });
  });
});
