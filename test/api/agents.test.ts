import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { addToAccount, createAccount, createAgent, createInbox, createUser, type TestAccount } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

const AGENT_KEYS = ['id', 'account_id', 'availability_status', 'auto_offline', 'confirmed', 'email', 'available_name', 'name', 'role', 'thumbnail', 'custom_role_id', 'invitation_status', 'invitation_error'];
const fieldsOf = (body: { error: { fields: { path: string }[] } }) => body.error.fields.map((f) => f.path);

describe('Agents API', () => {
  let account: TestAccount;
  const path = () => `/api/v1/accounts/${account.id}/agents`;
  const newEmail = () => `new.agent.${randomUUID().slice(0, 8)}@example.test`;

  beforeEach(async () => {
    account = await createAccount();
  });

  describe('GET /agents', () => {
    it('lists every agent of the account in Chatwoot shape, to any member', async () => {
      const api = await http();
      const agent = await createAgent(account, 'Zed Agent');
      const res = await api.get(path()).set('api_access_token', agent.token).expect(200);
      expect(res.body).to.be.an('array').with.lengthOf(2);
      const admin = res.body.find((a: { id: number }) => a.id === account.admin.id);
      expect(admin).to.have.all.keys(AGENT_KEYS);
      expect(admin).to.deep.equal({
        id: account.admin.id, account_id: account.id, availability_status: 'online', auto_offline: true, confirmed: true,
        email: account.admin.email, available_name: 'Admin', name: 'Admin', role: 'administrator', thumbnail: '', custom_role_id: null,
        invitation_status: null, invitation_error: null,
      });
      expect(res.body.map((a: { id: number }) => a.id)).to.deep.equal([account.admin.id, agent.id]);
      expect(res.body[1]).to.include({ role: 'agent', name: 'Zed Agent' });
    });

    it('is 401 without a token', async () => {
      await (await http()).get(path()).expect(401);
    });
  });

  describe('POST /agents', () => {
    it('creates a user for a new email: unconfirmed, with no password, as a member of the account', async () => {
      const api = await http();
      const email = newEmail();
      const res = await api
        .post(path())
        .set('api_access_token', account.admin.token)
        .send({ name: 'New Agent', email: email.toUpperCase(), role: 'agent', availability_status: 'busy', auto_offline: false })
        .expect(200);
      expect(res.body).to.have.all.keys(AGENT_KEYS);
      expect(res.body).to.include({ account_id: account.id, email, name: 'New Agent', role: 'agent', availability_status: 'busy', auto_offline: false, confirmed: false });
      const { models } = await runtime();
      const user = await models.User.findByPk(res.body.id);
      expect(user!.password_digest).to.equal(null);
      const membership = await models.AccountUser.findOne({ where: { account_id: account.id, user_id: res.body.id } });
      expect(membership!.inviter_id).to.equal(account.admin.id);
      const list = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.map((a: { id: number }) => a.id)).to.include(res.body.id);
    });

    it('invites an existing user (another account’s member) without adding them or revealing them: same answer as for a new email', async () => {
      const api = await http();
      const other = await createAccount();
      const invite = (email: string) => api.post(path()).set('api_access_token', account.admin.token).send({ name: 'Typed Name', email, role: 'administrator' }).expect(200);
      const existing = (await invite(other.admin.email)).body;
      const fresh = (await invite(newEmail())).body;
      const strip = ({ id: _id, email: _email, ...rest }: Record<string, unknown>) => rest;
      expect(strip(existing)).to.deep.equal(strip(fresh));
      expect(existing).to.include({ id: other.admin.id, name: 'Typed Name', available_name: 'Typed Name', confirmed: false, invitation_status: 'pending' });
      // Not a member until they accept: the account is closed to them, their own stays as it was.
      await api.get(`/api/v1/accounts/${account.id}/conversations`).set('api_access_token', other.admin.token).expect(404);
      const own = await api.get(`/api/v1/accounts/${other.id}/agents`).set('api_access_token', other.admin.token).expect(200);
      expect(own.body[0]).to.include({ id: other.admin.id, role: 'administrator', account_id: other.id, name: 'Admin' });
      const profile = await api.get('/api/v1/profile').set('api_access_token', other.admin.token).expect(200);
      expect(profile.body.accounts.map((a: { id: number }) => a.id)).to.deep.equal([other.id]);
      expect(profile.body.pending_invitations).to.have.lengthOf(1);
      expect(profile.body.pending_invitations[0]).to.include({ account_id: account.id, role: 'administrator' });

      const accepted = await api.post(`/api/v1/profile/invitations/${account.id}`).set('api_access_token', other.admin.token).expect(200);
      expect(accepted.body.accounts.map((a: { id: number }) => a.id)).to.have.members([other.id, account.id]);
      expect(accepted.body.pending_invitations).to.deep.equal([]);
      await api.get(`/api/v1/accounts/${account.id}/conversations`).set('api_access_token', other.admin.token).expect(200);
      const list = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.find((a: { id: number }) => a.id === other.admin.id)).to.include({ name: 'Admin', confirmed: true });
      await api.post(`/api/v1/profile/invitations/${account.id}`).set('api_access_token', other.admin.token).expect(404);
    });

    it('an invitee who never set a password joins every account that invited them by setting one through the link', async () => {
      const api = await http();
      const other = await createAccount();
      const email = newEmail();
      const first = await api.post(`/api/v1/accounts/${other.id}/agents`).set('api_access_token', other.admin.token).send({ name: 'Nell', email, role: 'agent' }).expect(200);
      const second = await api.post(path()).set('api_access_token', account.admin.token).send({ name: 'Nell', email, role: 'agent' }).expect(200);
      expect(second.body).to.include({ id: first.body.id, confirmed: false });
      const token = await (await runtime()).api.mail.tokens.issue(first.body.id, 'invitation');
      await api.put('/auth/password').send({ reset_password_token: token, password: 'Nell-passw0rd', password_confirmation: 'Nell-passw0rd' }).expect(200);
      const signedIn = await supertest.agent((await runtime()).app).post('/auth/sign_in').send({ email, password: 'Nell-passw0rd' }).expect(200);
      expect(signedIn.body.data.accounts.map((a: { id: number }) => a.id)).to.have.members([other.id, account.id]);
      const list = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.find((a: { id: number }) => a.id === first.body.id)).to.include({ name: 'Nell', confirmed: true });
    });

    it('lets an invited existing user decline: the membership is gone', async () => {
      const api = await http();
      const other = await createAccount();
      await api.post(path()).set('api_access_token', account.admin.token).send({ name: 'X', email: other.admin.email, role: 'agent' }).expect(200);
      await api.delete(`/api/v1/profile/invitations/${account.id}`).set('api_access_token', other.admin.token).expect(200);
      const list = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.map((a: { id: number }) => a.id)).to.not.include(other.admin.id);
    });

    it('is 422 on email when the user is already a member', async () => {
      const api = await http();
      const agent = await createAgent(account);
      const res = await api.post(path()).set('api_access_token', account.admin.token).send({ name: 'x', email: agent.email, role: 'agent' }).expect(422);
      expect(res.body.error.fields).to.deep.equal([{ path: 'email', message: 'is already an agent of this account' }]);
      expect(res.body.message).to.match(/already an agent/);
    });

    it('names every bad field (422)', async () => {
      const api = await http();
      const res = await api.post(path()).set('api_access_token', account.admin.token).send({ email: 'not-an-email', role: 'owner', availability_status: 'away' }).expect(422);
      expect(res.body.error.code).to.equal('validation_failed');
      expect(fieldsOf(res.body)).to.have.members(['name', 'email', 'role', 'availability_status']);
      expect(res.body.error.correlation_id).to.be.a('string');
    });

    it('is 403 for an agent', async () => {
      const api = await http();
      const agent = await createAgent(account);
      const res = await api.post(path()).set('api_access_token', agent.token).send({ name: 'x', email: newEmail(), role: 'agent' }).expect(403);
      expect(res.body.code).to.equal('forbidden');
    });
  });

  describe('PATCH /agents/:id', () => {
    it('changes role, availability, auto_offline and name', async () => {
      const api = await http();
      const agent = await createAgent(account);
      const res = await api
        .patch(`${path()}/${agent.id}`)
        .set('api_access_token', account.admin.token)
        .send({ role: 'administrator', availability: 'busy', auto_offline: 'false', name: 'Renamed' })
        .expect(200);
      expect(res.body).to.include({ id: agent.id, role: 'administrator', availability_status: 'busy', auto_offline: false, name: 'Renamed', available_name: 'Renamed' });
      // Now there are two administrators, so the first one can step down.
      const demoted = await api.patch(`${path()}/${account.admin.id}`).set('api_access_token', account.admin.token).send({ role: 'agent' }).expect(200);
      expect(demoted.body.role).to.equal('agent');
    });

    it('refuses to rename a user who also belongs to another account (422 on name); their name stays everywhere', async () => {
      const api = await http();
      const other = await createAccount();
      const agent = await createAgent(account, 'Shared Agent');
      await addToAccount(other.id, agent, 'agent');
      const res = await api.patch(`${path()}/${agent.id}`).set('api_access_token', account.admin.token).send({ name: 'Renamed', role: 'administrator' }).expect(422);
      expect(fieldsOf(res.body)).to.deep.equal(['name']);
      expect(res.body.error.fields[0].message).to.match(/other accounts/);
      const elsewhere = await api.get(`/api/v1/accounts/${other.id}/agents`).set('api_access_token', other.admin.token).expect(200);
      expect(elsewhere.body.find((a: { id: number }) => a.id === agent.id)).to.include({ name: 'Shared Agent', role: 'agent' });
      // Nothing of the refused request was applied.
      const here = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(here.body.find((a: { id: number }) => a.id === agent.id)).to.include({ name: 'Shared Agent', role: 'agent' });
    });

    it('renames a pending invitation in this account only', async () => {
      const api = await http();
      const other = await createAccount();
      await api.post(path()).set('api_access_token', account.admin.token).send({ name: 'Typo Nmae', email: other.admin.email, role: 'agent' }).expect(200);
      const res = await api.patch(`${path()}/${other.admin.id}`).set('api_access_token', account.admin.token).send({ name: 'Fixed Name' }).expect(200);
      expect(res.body).to.include({ name: 'Fixed Name', confirmed: false });
      const own = await api.get(`/api/v1/accounts/${other.id}/agents`).set('api_access_token', other.admin.token).expect(200);
      expect(own.body[0]).to.include({ id: other.admin.id, name: 'Admin' });
    });

    it('refuses to demote the last administrator (422 on role)', async () => {
      const api = await http();
      const res = await api.patch(`${path()}/${account.admin.id}`).set('api_access_token', account.admin.token).send({ role: 'agent' }).expect(422);
      expect(fieldsOf(res.body)).to.deep.equal(['role']);
      const list = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(list.body[0].role).to.equal('administrator');
    });

    it('keeps one administrator when two demotions race', async () => {
      const api = await http();
      const second = await createUser('Second Admin');
      await addToAccount(account.id, second, 'administrator');
      const [a, b] = await Promise.all([
        api.patch(`${path()}/${account.admin.id}`).set('api_access_token', account.admin.token).send({ role: 'agent' }),
        api.patch(`${path()}/${second.id}`).set('api_access_token', second.token).send({ role: 'agent' }),
      ]);
      expect([a.status, b.status].sort()).to.deep.equal([200, 422]);
      const { models } = await runtime();
      expect(await models.AccountUser.count({ where: { account_id: account.id, role: 'administrator' } })).to.equal(1);
    });

    it('validates input (422) and answers 404 for a user who is not an agent here', async () => {
      const api = await http();
      const agent = await createAgent(account);
      const bad = await api.patch(`${path()}/${agent.id}`).set('api_access_token', account.admin.token).send({ role: 'owner', availability: 'away', name: '' }).expect(422);
      expect(fieldsOf(bad.body)).to.have.members(['role', 'availability', 'name']);
      const stranger = await createUser('Stranger');
      await api.patch(`${path()}/${stranger.id}`).set('api_access_token', account.admin.token).send({ role: 'agent' }).expect(404);
      await api.patch(`${path()}/abc`).set('api_access_token', account.admin.token).send({ role: 'agent' }).expect(404);
    });

    it('is 403 for an agent, even on themselves', async () => {
      const api = await http();
      const agent = await createAgent(account);
      await api.patch(`${path()}/${agent.id}`).set('api_access_token', agent.token).send({ role: 'administrator' }).expect(403);
    });
  });

  describe('DELETE /agents/:id', () => {
    it('removes the membership and the inbox memberships in this account only; the user keeps their other accounts', async () => {
      const api = await http();
      const agent = await createAgent(account);
      const inbox = await createInbox(account);
      const other = await createAccount();
      await addToAccount(other.id, agent, 'agent');
      const otherInbox = await createInbox(other);
      await api.post(`/api/v1/accounts/${account.id}/inbox_members`).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, user_ids: [agent.id] }).expect(200);
      await api.post(`/api/v1/accounts/${other.id}/inbox_members`).set('api_access_token', other.admin.token).send({ inbox_id: otherInbox.id, user_ids: [agent.id] }).expect(200);

      const res = await api.delete(`${path()}/${agent.id}`).set('api_access_token', account.admin.token).expect(200);
      expect(res.body).to.deep.equal({ message: 'Agent removed' });

      const list = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.map((a: { id: number }) => a.id)).to.deep.equal([account.admin.id]);
      const { models } = await runtime();
      expect(await models.InboxMember.count({ where: { user_id: agent.id, inbox_id: inbox.id } })).to.equal(0);
      expect(await models.InboxMember.count({ where: { user_id: agent.id, inbox_id: otherInbox.id } })).to.equal(1);
      // The user still exists and can still use their other account.
      await api.get(`/api/v1/accounts/${other.id}/agents`).set('api_access_token', agent.token).expect(200);
      await api.get(path()).set('api_access_token', agent.token).expect(404);
      await api.delete(`${path()}/${agent.id}`).set('api_access_token', account.admin.token).expect(404);
    });

    it("unassigns the removed agent's conversations in this account", async () => {
      const api = await http();
      const agent = await createAgent(account);
      const inbox = await createInbox(account);
      const base = `/api/v1/accounts/${account.id}`;
      const auth = { api_access_token: account.admin.token };
      await api.post(`${base}/inbox_members`).set(auth).send({ inbox_id: inbox.id, user_ids: [agent.id] }).expect(200);
      const contact = await api.post(`${base}/contacts`).set(auth).send({ name: 'Customer', inbox_id: inbox.id }).expect(200);
      const conversation = await api.post(`${base}/conversations`).set(auth).send({ inbox_id: inbox.id, contact_id: contact.body.payload.contact.id }).expect(200);
      await api.post(`${base}/conversations/${conversation.body.id}/assignments`).set(auth).send({ assignee_id: agent.id }).expect(200);
      expect((await api.get(`${base}/conversations/${conversation.body.id}`).set(auth).expect(200)).body.meta.assignee.id).to.equal(agent.id);

      await api.delete(`${path()}/${agent.id}`).set(auth).expect(200);
      const after = await api.get(`${base}/conversations/${conversation.body.id}`).set(auth).expect(200);
      expect(after.body.meta.assignee).to.equal(null);
    });

    it('refuses to remove the last administrator (422)', async () => {
      const api = await http();
      const res = await api.delete(`${path()}/${account.admin.id}`).set('api_access_token', account.admin.token).expect(422);
      expect(fieldsOf(res.body)).to.deep.equal(['id']);
    });

    it('is 403 for an agent', async () => {
      const api = await http();
      const agent = await createAgent(account);
      await api.delete(`${path()}/${account.admin.id}`).set('api_access_token', agent.token).expect(403);
    });
  });

  describe('cross-account isolation', () => {
    it("gives another account's administrator 404 on every read and write", async () => {
      const api = await http();
      const other = await createAccount();
      const agent = await createAgent(account);
      const token = other.admin.token;
      await api.get(path()).set('api_access_token', token).expect(404);
      await api.post(path()).set('api_access_token', token).send({ name: 'x', email: newEmail(), role: 'agent' }).expect(404);
      await api.patch(`${path()}/${agent.id}`).set('api_access_token', token).send({ role: 'administrator' }).expect(404);
      await api.delete(`${path()}/${agent.id}`).set('api_access_token', token).expect(404);
      // Through their own account, this account's agent is not theirs to touch either.
      const own = `/api/v1/accounts/${other.id}/agents`;
      await api.patch(`${own}/${agent.id}`).set('api_access_token', token).send({ role: 'administrator' }).expect(404);
      await api.delete(`${own}/${agent.id}`).set('api_access_token', token).expect(404);
      const list = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(list.body).to.have.lengthOf(2);
    });
  });
});
