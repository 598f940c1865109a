import { expect } from 'chai';
import supertest from 'supertest';
import { createAccount, createUser, addToAccount, type TestAccount, type TestUser } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

const PASSWORD = 'Session-pass1';

describe('Sessions (dashboard sign-in)', () => {
  let account: TestAccount;
  let user: TestUser;

  beforeEach(async () => {
    account = await createAccount();
    user = await createUser('Cookie User', { password: PASSWORD });
    await addToAccount(account.id, user, 'administrator');
  });

  const browser = async () => supertest.agent((await runtime()).app);
  const signedIn = async () => {
    const agent = await browser();
    const res = await agent.post('/auth/sign_in').send({ email: user.email, password: PASSWORD }).expect(200);
    return { agent, csrf: res.body.csrf_token as string, res };
  };

  it('signs in: an httpOnly SameSite session cookie, the profile and a CSRF token', async () => {
    const { res } = await signedIn();
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('leadchat_session='));
    expect(cookie, 'session cookie').to.be.a('string');
    expect(cookie).to.match(/;\s*HttpOnly/i);
    expect(cookie).to.match(/;\s*SameSite=Lax/i);
    expect(cookie).to.match(/;\s*Path=\//i);
    expect(res.body).to.have.all.keys('data', 'csrf_token', 'extensions');
    expect(res.body.csrf_token).to.be.a('string').with.length.greaterThan(20);
    // The overlays this server runs, so the dashboard hides the screens of the others.
    expect(res.body.extensions).to.deep.equal((process.env.EXTENSIONS ?? 'leadchat').split(',').map((e) => e.trim()).filter(Boolean));
    expect(res.body.data).to.include({ id: user.id, email: user.email, account_id: account.id, role: 'administrator' });
    expect(res.body.data.accounts.map((a: { id: number }) => a.id)).to.deep.equal([account.id]);
  });

  it('accepts the email in any case', async () => {
    const agent = await browser();
    await agent.post('/auth/sign_in').send({ email: ` ${user.email.toUpperCase()} `, password: PASSWORD }).expect(200);
  });

  it('answers 401 with a clear message for a wrong password or unknown email, and sets no cookie', async () => {
    const agent = await browser();
    for (const body of [{ email: user.email, password: 'Wrong-pass1' }, { email: 'nobody@example.test', password: PASSWORD }]) {
      const res = await agent.post('/auth/sign_in').send(body).expect(401);
      expect(res.body.message).to.equal('Invalid email or password');
      expect(res.body).to.include({ code: 'unauthorized', message: 'Invalid email or password' });
      expect(res.headers['set-cookie']).to.equal(undefined);
    }
    await agent.get('/api/v1/profile').expect(401);
  });

  it('answers 401 for a user who has no password yet (invited agent)', async () => {
    const invited = await (await http())
      .post(`/api/v1/accounts/${account.id}/agents`)
      .set('api_access_token', account.admin.token)
      .send({ name: 'Invited', email: `invited.${user.id}@example.test`, role: 'agent' })
      .expect(200);
    const res = await (await browser()).post('/auth/sign_in').send({ email: invited.body.email, password: '' });
    expect(res.status).to.equal(422);
    const res2 = await (await browser()).post('/auth/sign_in').send({ email: invited.body.email, password: 'Anything-1' });
    expect(res2.status).to.equal(401);
  });

  it('names missing fields (422)', async () => {
    const res = await (await browser()).post('/auth/sign_in').send({}).expect(422);
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).to.have.members(['email', 'password']);
  });

  it('authenticates GET requests with the cookie alone', async () => {
    const { agent } = await signedIn();
    const profile = await agent.get('/api/v1/profile').expect(200);
    expect(profile.body.id).to.equal(user.id);
    await agent.get(`/api/v1/accounts/${account.id}/agents`).expect(200);
  });

  it('rejects cookie-authenticated writes without or with a wrong X-CSRF-Token (403) and accepts the right one', async () => {
    const { agent, csrf } = await signedIn();
    const none = await agent.put('/api/v1/profile').send({ name: 'Hijacked' }).expect(403);
    expect(none.body).to.include({ code: 'forbidden', message: 'Missing or invalid CSRF token' });
    await agent.put('/api/v1/profile').set('X-CSRF-Token', `${csrf}x`).send({ name: 'Hijacked' }).expect(403);
    await agent.post(`/api/v1/accounts/${account.id}/inboxes`).set('X-CSRF-Token', 'wrong').send({ name: 'x' }).expect(403);
    expect((await agent.get('/api/v1/profile').expect(200)).body.name).to.equal('Cookie User');

    const ok = await agent.put('/api/v1/profile').set('X-CSRF-Token', csrf).send({ name: 'Renamed' }).expect(200);
    expect(ok.body.name).to.equal('Renamed');
  });

  it('does not let another session’s CSRF token through', async () => {
    const first = await signedIn();
    const second = await signedIn();
    expect(first.csrf).not.to.equal(second.csrf);
    await first.agent.put('/api/v1/profile').set('X-CSRF-Token', second.csrf).send({ name: 'x' }).expect(403);
  });

  it('GET /auth/session returns the signed-in user and the same CSRF token; no user when signed out', async () => {
    const { agent, csrf } = await signedIn();
    const res = await agent.get('/auth/session').expect(200);
    expect(res.body).to.have.all.keys('data', 'csrf_token', 'extensions');
    expect(res.body.csrf_token).to.equal(csrf);
    expect(res.body.data).to.include({ id: user.id, email: user.email });
    const anon = await (await browser()).get('/auth/session').expect(200);
    expect(anon.body).to.deep.equal({ data: null });
  });

  it('sign_out ends the session: the old cookie no longer authenticates', async () => {
    const { agent, res } = await signedIn();
    const oldCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('leadchat_session='))!.split(';')[0];
    const out = await agent.delete('/auth/sign_out').expect(200);
    expect(out.body).to.deep.equal({ success: true });
    await agent.get('/api/v1/profile').expect(401);
    expect((await agent.get('/auth/session').expect(200)).body).to.deep.equal({ data: null });
    // Replaying the cookie captured before sign-out does not work either: the server-side session is gone.
    await (await http()).get('/api/v1/profile').set('Cookie', oldCookie).expect(401);
  });

  it('starts a new session id at sign-in (no session fixation)', async () => {
    const agent = await browser();
    const first = await agent.post('/auth/sign_in').send({ email: user.email, password: PASSWORD }).expect(200);
    const second = await agent.post('/auth/sign_in').send({ email: user.email, password: PASSWORD }).expect(200);
    const sid = (r: typeof first) => ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((c) => c.startsWith('leadchat_session='))!.split(';')[0];
    expect(sid(first)).not.to.equal(sid(second));
    expect(second.body.csrf_token).not.to.equal(first.body.csrf_token);
  });

  it('serves the dashboard, not an API 404, at the emailed link and the reset request page', async () => {
    const api = await browser();
    for (const page of ['/auth/password/edit?reset_password_token=abc', '/auth/password/new']) {
      const res = await api.get(page).set('accept', 'text/html');
      // 200 with index.html once the client is built, 503 with a hint before: never the JSON 404.
      expect(res.status, page).to.be.oneOf([200, 503]);
      expect(res.headers['content-type'], page).to.match(/^text\/(html|plain)/);
    }
    await api.get('/auth/password/other').expect(404).expect('content-type', /json/);
  });
});
