// The callbacks refuse a state that was altered, is older than 15 minutes, was already used, names an
// account the user does not administer, or comes back in another browser than the one that started the
// sign-in: a 400 page, and nothing is created.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import supertest from 'supertest';
import { SignedState } from '../../../server/src/lib/signed-state.js';
import { addToAccount, createAccount, createUser, type TestAccount } from '../../support/factories.js';
import { bindingOf, consent, pathOf, startOAuthTestbed, type OAuthTestbed } from './oauth-testbed.js';

describe('email OAuth: signed state', function () {
  this.timeout(30_000);
  let bed: OAuthTestbed;
  let redis: Redis;
  let account: TestAccount;
  before(async () => {
    bed = await startOAuthTestbed();
    redis = new Redis(bed.rt.config.REDIS_URL);
  });
  after(async () => {
    redis?.disconnect();
    await bed?.close();
  });
  beforeEach(async () => {
    account = await createAccount();
  });

  const signer = (now = Date.now) => new SignedState({ secret: bed.rt.config.SESSION_SECRET, redis, prefix: bed.rt.config.REDIS_PREFIX, now });
  const inboxCount = () => bed.rt.models.Inbox.count({ where: { account_id: account.id } });
  const start = (body: Record<string, unknown> = {}) =>
    bed.api.post(`/api/v1/accounts/${account.id}/microsoft/authorization`).set('api_access_token', account.admin.token).send(body).expect(200);
  async function signedIn(user = 'bob@contoso.test', password = 'bob-pass'): Promise<URL> {
    return consent((await start({ email: user })).body.url, user, password);
  }
  async function refused(path: string, text: RegExp, browser: supertest.Agent = bed.api): Promise<void> {
    const res = await browser.get(path);
    expect(res.status).to.equal(400);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.text).to.match(text).and.contain('Nothing was connected');
    expect(await inboxCount()).to.equal(0);
  }

  it('refuses an altered state (signature, or a state of another flow) without consuming the real one', async () => {
    await bed.disconnect('bob@contoso.test');
    const back = await signedIn();
    const state = back.searchParams.get('state')!;
    const [body, signature] = state.split('.');
    const forged = JSON.parse(Buffer.from(body!, 'base64url').toString());
    forged.d.accountId += 1;
    const tampered = new URL(back);
    tampered.searchParams.set('state', `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`);
    await refused(pathOf(tampered), /altered/);
    await refused(pathOf(back).replace('/microsoft/callback', '/google/callback'), /altered/);
    await refused('/microsoft/callback?code=abc', /altered/);

    const res = await bed.api.get(pathOf(back)).expect(302);
    expect(res.headers.location).to.match(/\/settings\/inboxes\/\d+\/agents$/);
    await bed.disconnect('bob@contoso.test');
  });

  it('refuses a replayed callback: the state is single-use across processes (Redis)', async () => {
    const back = await signedIn('alice@contoso.test', 'alice-pass');
    await bed.disconnect('alice@contoso.test');
    expect((await bed.api.get(pathOf(back))).status).to.equal(302);
    await bed.disconnect('alice@contoso.test');
    await refused(pathOf(back), /already used/);
  });

  it('refuses a callback finished in another browser than the one that started it, connecting nothing', async () => {
    // The administrator sends his authorization link to someone else, who signs in with Microsoft in a
    // browser without any LeadChat session; then in a browser that holds a binding of its own.
    await bed.disconnect('alice@contoso.test');
    const noSession = await consent((await start({ email: 'alice@contoso.test' })).body.url, 'alice@contoso.test', 'alice-pass');
    await refused(pathOf(noSession), /started in another browser or another LeadChat session/, supertest.agent(bed.rt.app));
    const elsewhere = supertest.agent(bed.rt.app);
    const outsider = await createAccount();
    await elsewhere.post(`/api/v1/accounts/${outsider.id}/microsoft/authorization`).set('api_access_token', outsider.admin.token).send({}).expect(200);
    const otherBrowser = await consent((await start({ email: 'alice@contoso.test' })).body.url, 'alice@contoso.test', 'alice-pass');
    await refused(pathOf(otherBrowser), /started in another browser/, elsewhere);
    expect(await bed.rt.models.ChannelEmail.count({ where: { email: 'alice@contoso.test' } })).to.equal(0);
    expect(await bed.rt.models.Inbox.count({ where: { account_id: outsider.id } })).to.equal(0);

    // The state is spent once another browser presented it: the starting browser cannot finish it either.
    await refused(pathOf(otherBrowser), /already used/);
  });

  it('refuses a sign-in started before the browser\'s LeadChat session ended, and one started in the session it is finished in', async () => {
    const admin = await createUser('Oauth Admin', { password: 'Oauth-admin-pass-1' });
    await addToAccount(account.id, admin, 'administrator');
    const browser = supertest.agent(bed.rt.app);
    const signInAgain = async () => (await browser.post('/auth/sign_in').send({ email: admin.email, password: 'Oauth-admin-pass-1' }).expect(200)).body.csrf_token as string;
    const startInSession = async (csrf: string) =>
      (await browser.post(`/api/v1/accounts/${account.id}/microsoft/authorization`).set('x-csrf-token', csrf).send({ email: 'bob@contoso.test' }).expect(200)).body.url as string;

    await bed.disconnect('bob@contoso.test');
    const started = await consent(await startInSession(await signInAgain()), 'bob@contoso.test', 'bob-pass');
    await browser.delete('/auth/sign_out').expect(200);
    await signInAgain();
    await refused(pathOf(started), /started in another browser or another LeadChat session/, browser);

    const res = await browser.get(pathOf(await consent(await startInSession(await signInAgain()), 'bob@contoso.test', 'bob-pass'))).expect(302);
    expect(res.headers.location).to.match(/\/settings\/inboxes\/\d+\/agents$/);
    await bed.disconnect('bob@contoso.test');
  });

  it('refuses a state issued more than 15 minutes ago', async () => {
    const binding = bindingOf(await start());
    const { state } = signer(() => Date.now() - 16 * 60_000).issue('email_oauth:microsoft', { accountId: account.id, userId: account.admin.id }, binding);
    await refused(`/microsoft/callback?code=abc&state=${encodeURIComponent(state)}`, /longer than 15 minutes/);
    const fresh = signer(() => Date.now() - 14 * 60_000).issue('email_oauth:microsoft', { accountId: account.id, userId: account.admin.id }, binding);
    const res = await bed.api.get(`/microsoft/callback?error=access_denied&state=${encodeURIComponent(fresh.state)}`).expect(302);
    expect(new URL(res.headers.location).searchParams.get('error')).to.equal('access_denied');
  });

  it('refuses a validly signed state for an account the user does not administer', async () => {
    const other = await createAccount();
    const { state } = signer().issue('email_oauth:microsoft', { accountId: other.id, userId: account.admin.id }, bindingOf(await start()));
    await refused(`/microsoft/callback?code=abc&state=${encodeURIComponent(state)}`, /account you do not administer/);
    expect(await bed.rt.models.Inbox.count({ where: { account_id: other.id } })).to.equal(0);
  });

  it('names the failure reason for each kind of bad state', async () => {
    const s = signer();
    const { state } = s.issue('p', { a: 1 }, 'browser');
    expect(await s.verify('p', state, 'browser')).to.deep.include({ data: { a: 1 } });
    const reasons = await Promise.all([
      s.verify('p', state, 'browser'),
      s.verify('p', `${state}x`, 'browser'),
      s.verify('other', s.issue('p', {}, 'browser').state, 'browser'),
      signer(() => Date.now() + 15 * 60_000 + 1).verify('p', s.issue('p', {}, 'browser').state, 'browser'),
      s.verify('p', 'not-a-state', 'browser'),
      s.verify('p', s.issue('p', {}, 'browser').state, 'another browser'),
      s.verify('p', s.issue('p', {}, 'browser').state, undefined),
    ].map((p) => p.then(() => 'accepted', (e: { reason: string }) => e.reason)));
    expect(reasons).to.deep.equal(['replayed', 'tampered', 'tampered', 'expired', 'tampered', 'other_browser', 'other_browser']);
  });
});
