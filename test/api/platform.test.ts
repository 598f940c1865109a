import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { TEST_PLATFORM_TOKEN } from '../support/env.js';
import { createAccount } from '../support/factories.js';
import { http } from '../support/runtime.js';

const ACCOUNT_KEYS = ['id', 'name', 'locale', 'status', 'domain', 'support_email', 'custom_attributes', 'created_at'];
const USER_KEYS = ['id', 'name', 'display_name', 'email', 'uid', 'provider', 'confirmed', 'custom_attributes', 'access_token', 'created_at'];
const email = (name = 'platform') => `${name}.${randomUUID().slice(0, 8)}@example.test`;
const paths = (body: { error: { fields: { path: string }[] } }) => body.error.fields.map((f) => f.path);

describe('Platform API', () => {
  const platform = async () => {
    const api = await http();
    const auth = <T extends { set(k: string, v: string): T }>(r: T) => r.set('api_access_token', TEST_PLATFORM_TOKEN);
    return {
      get: (p: string) => auth(api.get(`/platform/api/v1${p}`)),
      post: (p: string, body: object) => auth(api.post(`/platform/api/v1${p}`)).send(body),
      patch: (p: string, body: object) => auth(api.patch(`/platform/api/v1${p}`)).send(body),
      delete: (p: string, body?: object) => auth(api.delete(`/platform/api/v1${p}`)).send(body ?? {}),
    };
  };

  describe('authentication', () => {
    it('is 401 with a wrong or missing platform token, and a user token is not a platform token', async () => {
      const api = await http();
      const p = await platform();
      const user = await p.post('/users', { name: 'U', email: email() }).expect(200);
      for (const token of ['wrong-token', user.body.access_token]) {
        const res = await api.post('/platform/api/v1/accounts').set('api_access_token', token).send({ name: 'x' }).expect(401);
        expect(res.body).to.include({ code: 'unauthorized', message: 'Invalid platform api_access_token' });
      }
      await api.get(`/platform/api/v1/users/${user.body.id}`).expect(401);
    });

    it('a platform token is not a user token', async () => {
      await (await http()).get('/api/v1/profile').set('api_access_token', TEST_PLATFORM_TOKEN).expect(401);
    });
  });

  describe('accounts', () => {
    it('creates, shows, updates and deletes an account', async () => {
      const p = await platform();
      const created = await p.post('/accounts', { name: 'Acme', locale: 'fr', support_email: 'Help@Acme.test', custom_attributes: { plan: 'pro' } }).expect(200);
      expect(created.body).to.have.all.keys(ACCOUNT_KEYS);
      expect(created.body).to.include({ name: 'Acme', locale: 'fr', status: 'active', domain: null, support_email: 'help@acme.test' });
      expect(created.body.custom_attributes).to.deep.equal({ plan: 'pro' });
      const id = created.body.id;

      const shown = await p.get(`/accounts/${id}`).expect(200);
      expect(shown.body).to.deep.equal(created.body);

      const updated = await p.patch(`/accounts/${id}`, { name: 'Acme Inc', domain: 'acme.test' }).expect(200);
      expect(updated.body).to.include({ id, name: 'Acme Inc', domain: 'acme.test', locale: 'fr' });

      expect((await p.delete(`/accounts/${id}`).expect(200)).body).to.deep.equal({ message: 'Account deleted' });
      await p.get(`/accounts/${id}`).expect(404);
      await p.patch(`/accounts/${id}`, { name: 'x' }).expect(404);
      await p.delete(`/accounts/${id}`).expect(404);
    });

    it('names bad fields (422) and answers 404 for unknown ids', async () => {
      const p = await platform();
      const missing = await p.post('/accounts', {}).expect(422);
      expect(missing.body.error.fields).to.deep.equal([{ path: 'name', message: missing.body.error.fields[0].message }]);
      const bad = await p.post('/accounts', { name: ' ', support_email: 'nope', custom_attributes: 'x' }).expect(422);
      expect(paths(bad.body)).to.have.members(['name', 'support_email', 'custom_attributes']);
      const badUpdate = await p.post('/accounts', { name: 'ok' }).expect(200);
      const res = await p.patch(`/accounts/${badUpdate.body.id}`, { name: '' }).expect(422);
      expect(res.body.error.fields).to.deep.equal([{ path: 'name', message: 'is required' }]);
      await p.get('/accounts/999999999').expect(404);
      await p.get('/accounts/abc').expect(404);
    });
  });

  describe('users', () => {
    it('creates a user (with its access_token), shows, updates and deletes it', async () => {
      const p = await platform();
      const address = email('alice');
      const created = await p.post('/users', { name: 'Alice', email: address.toUpperCase(), password: 'Platform-pass1', custom_attributes: { team: 'a' } }).expect(200);
      expect(created.body).to.have.all.keys(USER_KEYS);
      expect(created.body).to.include({ name: 'Alice', email: address, uid: address, provider: 'email', confirmed: true, display_name: null });
      expect(created.body.access_token).to.be.a('string').with.length.greaterThan(20);
      expect(JSON.stringify(created.body)).not.to.match(/password|Platform-pass1/);

      // The returned token authenticates the user against the account API.
      const profile = await (await http()).get('/api/v1/profile').set('api_access_token', created.body.access_token).expect(200);
      expect(profile.body.id).to.equal(created.body.id);

      const shown = await p.get(`/users/${created.body.id}`).expect(200);
      expect(shown.body).to.deep.equal(created.body);

      const renamed = email('alice.renamed');
      const updated = await p.patch(`/users/${created.body.id}`, { name: 'Alice B', display_name: 'AB', email: renamed, password: 'Platform-pass2' }).expect(200);
      expect(updated.body).to.include({ id: created.body.id, name: 'Alice B', display_name: 'AB', email: renamed, access_token: created.body.access_token });
      await (await http()).post('/auth/sign_in').send({ email: renamed, password: 'Platform-pass2' }).expect(200);

      expect((await p.delete(`/users/${created.body.id}`).expect(200)).body).to.deep.equal({ message: 'User deleted' });
      await p.get(`/users/${created.body.id}`).expect(404);
      await (await http()).get('/api/v1/profile').set('api_access_token', created.body.access_token).expect(401);
    });

    it('names bad fields (422): missing name, bad email, weak password, taken email', async () => {
      const p = await platform();
      const bad = await p.post('/users', { email: 'nope', password: 'weak' }).expect(422);
      expect([...new Set(paths(bad.body))]).to.have.members(['name', 'email', 'password']);
      const existing = await p.post('/users', { name: 'Taken', email: email('taken') }).expect(200);
      const taken = await p.post('/users', { name: 'Again', email: existing.body.email }).expect(422);
      expect(taken.body.error.fields).to.deep.equal([{ path: 'email', message: 'has already been taken' }]);
      const other = await p.post('/users', { name: 'Other', email: email('other') }).expect(200);
      const takenOnUpdate = await p.patch(`/users/${other.body.id}`, { email: existing.body.email }).expect(422);
      expect(takenOnUpdate.body.error.fields).to.deep.equal([{ path: 'email', message: 'has already been taken' }]);
      const weak = await p.patch(`/users/${other.body.id}`, { password: 'short' }).expect(422);
      expect([...new Set(paths(weak.body))]).to.deep.equal(['password']);
    });

    it('answers 404 for unknown users', async () => {
      const p = await platform();
      await p.get('/users/999999999').expect(404);
      await p.patch('/users/999999999', { name: 'x' }).expect(404);
      await p.delete('/users/999999999').expect(404);
    });
  });

  describe('account_users', () => {
    it('lists, adds (and changes the role of) and removes memberships', async () => {
      const p = await platform();
      const account = await p.post('/accounts', { name: 'Members' }).expect(200);
      const user = await p.post('/users', { name: 'Member', email: email('member') }).expect(200);
      const base = `/accounts/${account.body.id}/account_users`;

      expect((await p.get(base).expect(200)).body).to.deep.equal([]);
      const added = await p.post(base, { user_id: user.body.id }).expect(200);
      expect(added.body).to.deep.equal({ account_id: account.body.id, user_id: user.body.id, role: 'agent' });
      const promoted = await p.post(base, { user_id: user.body.id, role: 'administrator' }).expect(200);
      expect(promoted.body.role).to.equal('administrator');
      expect((await p.get(base).expect(200)).body).to.deep.equal([{ account_id: account.body.id, user_id: user.body.id, role: 'administrator' }]);

      // The membership is real: the user can now use the account API.
      await (await http()).get(`/api/v1/accounts/${account.body.id}/agents`).set('api_access_token', user.body.access_token).expect(200);

      expect((await p.delete(base, { user_id: user.body.id }).expect(200)).body).to.deep.equal({ message: 'Account user deleted' });
      expect((await p.get(base).expect(200)).body).to.deep.equal([]);
      await p.delete(base, { user_id: user.body.id }).expect(404);
      await (await http()).get(`/api/v1/accounts/${account.body.id}/agents`).set('api_access_token', user.body.access_token).expect(404);
    });

    it('makes a pending invitation a membership when the operator adds the user', async () => {
      const p = await platform();
      const inviting = await createAccount();
      const user = await p.post('/users', { name: 'Invitee', email: email('invitee'), password: 'Invitee-pass1' }).expect(200);
      await (await http()).post(`/api/v1/accounts/${inviting.id}/agents`).set('api_access_token', inviting.admin.token).send({ name: 'Invitee', email: user.body.email, role: 'agent' }).expect(200);
      await (await http()).get(`/api/v1/accounts/${inviting.id}/agents`).set('api_access_token', user.body.access_token).expect(404);
      await p.post(`/accounts/${inviting.id}/account_users`, { user_id: user.body.id, role: 'agent' }).expect(200);
      await (await http()).get(`/api/v1/accounts/${inviting.id}/agents`).set('api_access_token', user.body.access_token).expect(200);
    });

    it('names bad fields (422) and answers 404 for an unknown account', async () => {
      const p = await platform();
      const account = await p.post('/accounts', { name: 'Members' }).expect(200);
      const base = `/accounts/${account.body.id}/account_users`;
      const bad = await p.post(base, { user_id: 'abc', role: 'owner' }).expect(422);
      expect(paths(bad.body)).to.have.members(['user_id', 'role']);
      const unknown = await p.post(base, { user_id: 999999999 }).expect(422);
      expect(unknown.body.error.fields).to.deep.equal([{ path: 'user_id', message: 'does not exist' }]);
      const noUser = await p.delete(base, {}).expect(422);
      expect(paths(noUser.body)).to.deep.equal(['user_id']);
      await p.get('/accounts/999999999/account_users').expect(404);
      await p.post('/accounts/999999999/account_users', { user_id: 1 }).expect(404);
    });
  });
});
