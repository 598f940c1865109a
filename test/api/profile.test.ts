import { expect } from 'chai';
import supertest from 'supertest';
import { addToAccount, createAccount, createUser, type TestUser } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

const PASSWORD = 'Initial-pass1';
const PROFILE_KEYS = [
  'id', 'uid', 'provider', 'type', 'name', 'display_name', 'available_name', 'email', 'avatar_url', 'confirmed', 'message_signature',
  'ui_settings', 'custom_attributes', 'access_token', 'account_id', 'role', 'accounts', 'pending_invitations',
];

describe('Profile API', () => {
  let user: TestUser;

  beforeEach(async () => {
    user = await createUser('Profile User', { password: PASSWORD });
  });

  const signIn = async (password: string) => {
    const agent = supertest.agent((await runtime()).app);
    return agent.post('/auth/sign_in').send({ email: user.email, password });
  };

  describe('GET /api/v1/profile', () => {
    it('returns the user, their token and every account membership', async () => {
      const api = await http();
      const first = await createAccount();
      const second = await createAccount();
      await addToAccount(second.id, user, 'agent');
      await addToAccount(first.id, user, 'administrator');
      const res = await api.get('/api/v1/profile').set('api_access_token', user.token).expect(200);
      expect(res.body).to.have.all.keys(PROFILE_KEYS);
      expect(res.body).to.include({
        id: user.id, uid: user.email, email: user.email, provider: 'email', type: 'User', name: 'Profile User', display_name: null,
        available_name: 'Profile User', confirmed: true, access_token: user.token, account_id: first.id, role: 'administrator',
      });
      expect(res.body.accounts).to.have.lengthOf(2);
      expect(res.body.accounts[0]).to.deep.equal({
        id: first.id, name: res.body.accounts[0].name, status: 'active', role: 'administrator', availability: 'online', availability_status: 'online', auto_offline: true, active_at: null,
      });
      expect(res.body.accounts.map((a: { id: number; role: string }) => [a.id, a.role])).to.deep.equal([[first.id, 'administrator'], [second.id, 'agent']]);
      expect(JSON.stringify(res.body)).not.to.match(/password/i);
    });

    it('lists no accounts for a user without memberships', async () => {
      const res = await (await http()).get('/api/v1/profile').set('api_access_token', user.token).expect(200);
      expect(res.body).to.include({ account_id: null, role: null });
      expect(res.body.accounts).to.deep.equal([]);
    });

    it('is 401 without a token or with a wrong one', async () => {
      const api = await http();
      const anon = await api.get('/api/v1/profile').expect(401);
      expect(anon.body.code).to.equal('unauthorized');
      await api.get('/api/v1/profile').set('api_access_token', 'not-a-token').expect(401);
    });
  });

  describe('PUT /api/v1/profile', () => {
    it("updates name, display name, signature and ui settings (Chatwoot's { profile } wrapper and flat bodies)", async () => {
      const api = await http();
      const wrapped = await api
        .put('/api/v1/profile')
        .set('api_access_token', user.token)
        .send({ profile: { name: 'New Name', display_name: 'Nick', message_signature: '-- Nick', ui_settings: { theme: 'dark' } } })
        .expect(200);
      expect(wrapped.body).to.include({ name: 'New Name', display_name: 'Nick', available_name: 'Nick', message_signature: '-- Nick' });
      expect(wrapped.body.ui_settings).to.deep.equal({ theme: 'dark' });
      const flat = await api.put('/api/v1/profile').set('api_access_token', user.token).send({ display_name: null }).expect(200);
      expect(flat.body).to.include({ name: 'New Name', display_name: null, available_name: 'New Name' });
    });

    it('changes the email unless another user has it (422 on email)', async () => {
      const api = await http();
      const other = await createUser('Other');
      const taken = await api.put('/api/v1/profile').set('api_access_token', user.token).send({ email: other.email }).expect(422);
      expect(taken.body.error.fields).to.deep.equal([{ path: 'email', message: 'has already been taken' }]);
      const bad = await api.put('/api/v1/profile').set('api_access_token', user.token).send({ profile: { email: 'nope' } }).expect(422);
      expect(bad.body.error.fields).to.deep.equal([{ path: 'profile.email', message: 'is not a valid email address' }]);
      const email = `renamed.${user.id}@example.test`;
      const ok = await api.put('/api/v1/profile').set('api_access_token', user.token).send({ email: email.toUpperCase() }).expect(200);
      expect(ok.body).to.include({ email, uid: email });
    });

    describe('password change', () => {
      const put = async (body: object) => (await http()).put('/api/v1/profile').set('api_access_token', user.token).send(body);

      it('changes the password with the current one and a matching confirmation; the new one signs in', async () => {
        const res = await put({ current_password: PASSWORD, password: 'Changed-pass2', password_confirmation: 'Changed-pass2' });
        expect(res.status).to.equal(200);
        expect((await signIn('Changed-pass2')).status).to.equal(200);
        expect((await signIn(PASSWORD)).status).to.equal(401);
      });

      it('ends the other sessions; the session that changed it goes on', async () => {
        const app = (await runtime()).app;
        const [mine, other] = [supertest.agent(app), supertest.agent(app)];
        const csrf = (await mine.post('/auth/sign_in').send({ email: user.email, password: PASSWORD }).expect(200)).body.csrf_token;
        await other.post('/auth/sign_in').send({ email: user.email, password: PASSWORD }).expect(200);
        await other.get('/api/v1/profile').expect(200);
        await mine.put('/api/v1/profile').set('x-csrf-token', csrf).send({ profile: { current_password: PASSWORD, password: 'Changed-pass2', password_confirmation: 'Changed-pass2' } }).expect(200);
        await mine.get('/api/v1/profile').expect(200);
        const refused = await other.get('/api/v1/profile').expect(401);
        expect(refused.body.message).to.match(/session has ended/);
        expect((await other.get('/auth/session').expect(200)).body).to.deep.equal({ data: null });
      });

      it('requires the correct current password (422 on current_password)', async () => {
        const wrong = await put({ current_password: 'Wrong-pass1', password: 'Changed-pass2', password_confirmation: 'Changed-pass2' });
        expect(wrong.status).to.equal(422);
        expect(wrong.body.error.fields).to.deep.equal([{ path: 'current_password', message: 'is incorrect' }]);
        const missing = await put({ password: 'Changed-pass2', password_confirmation: 'Changed-pass2' });
        expect(missing.body.error.fields).to.deep.equal([{ path: 'current_password', message: 'is incorrect' }]);
        expect((await signIn(PASSWORD)).status).to.equal(200);
      });

      it('requires a matching confirmation (422 on password_confirmation)', async () => {
        const res = await put({ current_password: PASSWORD, password: 'Changed-pass2', password_confirmation: 'Changed-pass3' });
        expect(res.status).to.equal(422);
        expect(res.body.error.fields).to.deep.equal([{ path: 'password_confirmation', message: "doesn't match password" }]);
      });

      it('enforces the password rule (422 on password)', async () => {
        for (const weak of ['short1A', 'alllowercase1', 'NoDigitsHere']) {
          const res = await put({ current_password: PASSWORD, password: weak, password_confirmation: weak });
          expect(res.status, weak).to.equal(422);
          expect(res.body.error.fields.map((f: { path: string }) => f.path)).to.deep.equal(['password']);
        }
        expect((await signIn(PASSWORD)).status).to.equal(200);
      });
    });

    it('is 401 without authentication', async () => {
      await (await http()).put('/api/v1/profile').send({ name: 'x' }).expect(401);
    });
  });
});
