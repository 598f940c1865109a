// Sign-in throttling and login CSRF, through POST /auth/sign_in as a browser or an attacker sends it.
// A runtime behind a trusted proxy lets the test speak from several client addresses.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import type { Runtime } from '../../server/src/runtime.js';
import { SIGN_IN_LIMITS } from '../../server/src/api/auth/sign-in-guard.js';
import { createUser, startSecondRuntime, type TestUser } from '../support/factories.js';
import { clearRedisPrefix } from '../support/runtime.js';

const PASSWORD = 'Guarded-pass1';

describe('POST /auth/sign_in: throttling and login CSRF', function () {
  this.timeout(30_000);
  let rt: Runtime;
  let victim: TestUser;

  before(async () => {
    rt = await startSecondRuntime({ TRUST_PROXY: 'true', REDIS_PREFIX: `leadchat-test-guard-${randomUUID().slice(0, 8)}` });
  });
  after(async () => {
    await clearRedisPrefix(rt.config);
    await rt.close();
  });
  beforeEach(async () => {
    victim = await createUser('Vic Tim', { password: PASSWORD });
  });

  const signIn = (from: string, body: Record<string, unknown>) => supertest(rt.app).post('/auth/sign_in').set('X-Forwarded-For', from).send(body);

  it('after 10 wrong passwords from one address, that address waits (429 + Retry-After), even with the right password; the user elsewhere does not', async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.emailAndIp.points; i++) {
      expect((await signIn('203.0.113.7', { email: victim.email, password: `guess-${i}` })).status).to.equal(401);
    }
    const blocked = await signIn('203.0.113.7', { email: victim.email, password: PASSWORD });
    expect(blocked.status).to.equal(429);
    expect(Number(blocked.headers['retry-after'])).to.be.within(1, SIGN_IN_LIMITS.emailAndIp.duration);
    expect(blocked.body.error.code).to.equal('too_many_requests');
    expect(blocked.body.message).to.match(/Too many failed sign-in attempts\. Try again in \d+ minutes?\./);
    // The real user, at their own address, still gets in: the attacker cannot lock them out.
    expect((await signIn('198.51.100.20', { email: victim.email, password: PASSWORD })).status).to.equal(200);
  });

  it('throttles an unknown email exactly like a known one, so the limit tells nothing about who has an account', async () => {
    const nobody = `nobody-${randomUUID().slice(0, 8)}@example.test`;
    for (let i = 0; i < SIGN_IN_LIMITS.emailAndIp.points; i++) expect((await signIn('203.0.113.8', { email: nobody, password: 'x' })).status).to.equal(401);
    expect((await signIn('203.0.113.8', { email: nobody, password: 'x' })).status).to.equal(429);
  });

  it('a successful sign-in forgets that address\'s earlier failures for that user', async () => {
    for (let i = 0; i < SIGN_IN_LIMITS.emailAndIp.points - 1; i++) await signIn('203.0.113.9', { email: victim.email, password: 'wrong' });
    expect((await signIn('203.0.113.9', { email: victim.email, password: PASSWORD })).status).to.equal(200);
    for (let i = 0; i < SIGN_IN_LIMITS.emailAndIp.points - 1; i++) expect((await signIn('203.0.113.9', { email: victim.email, password: 'wrong' })).status).to.equal(401);
  });

  it('one address spraying many emails is stopped after 100 failures', async () => {
    const from = '203.0.113.10';
    await Promise.all(Array.from({ length: SIGN_IN_LIMITS.ip.points }, (_, i) => signIn(from, { email: `spray-${i}@example.test`, password: 'x' })));
    const res = await signIn(from, { email: victim.email, password: PASSWORD });
    expect(res.status).to.equal(429);
  });

  it('refuses a cross-site form post and a foreign Origin (login CSRF); accepts the dashboard and JSON API clients', async () => {
    const form = await supertest(rt.app).post('/auth/sign_in').set('Origin', 'https://evil.test').type('form').send({ email: victim.email, password: PASSWORD });
    expect(form.status).to.equal(403);
    const formNoOrigin = await supertest(rt.app).post('/auth/sign_in').type('form').send({ email: victim.email, password: PASSWORD });
    expect(formNoOrigin.status).to.equal(403);
    const foreignJson = await supertest(rt.app).post('/auth/sign_in').set('Origin', 'https://evil.test').send({ email: victim.email, password: PASSWORD });
    expect(foreignJson.status).to.equal(403);
    expect(foreignJson.headers['set-cookie']).to.equal(undefined);
    const dashboard = await supertest(rt.app).post('/auth/sign_in').set('Origin', rt.config.FRONTEND_URL).send({ email: victim.email, password: PASSWORD });
    expect(dashboard.status).to.equal(200);
    const apiClient = await supertest(rt.app).post('/auth/sign_in').send({ email: victim.email, password: PASSWORD });
    expect(apiClient.status).to.equal(200);
  });
});
