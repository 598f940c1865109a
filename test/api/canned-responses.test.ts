import { expect } from 'chai';
import { createAccount, createAgent, type TestAccount } from '../support/factories.js';
import { http } from '../support/runtime.js';

const KEYS = ['id', 'account_id', 'short_code', 'content', 'created_at', 'updated_at'];

describe('Canned responses API (Chatwoot)', () => {
  let account: TestAccount;
  const path = (suffix = '') => `/api/v1/accounts/${account.id}/canned_responses${suffix}`;

  beforeEach(async () => {
    account = await createAccount();
  });

  it('creates (flat or wrapped as Chatwoot clients send), lists, searches, updates and deletes', async () => {
    const api = await http();
    const token = account.admin.token;
    const welcome = await api.post(path()).set('api_access_token', token).send({ short_code: 'welcome', content: 'Hello {{contact.name}}! Welcome.' }).expect(200);
    expect(welcome.body).to.have.all.keys(KEYS);
    expect(welcome.body).to.include({ account_id: account.id, short_code: 'welcome', content: 'Hello {{contact.name}}! Welcome.' });
    expect(welcome.body.created_at).to.be.a('number');
    const refund = await api.post(path()).set('api_access_token', token).send({ canned_response: { short_code: 'refund', content: 'Your refund is on its way. Welcome back any time.' } }).expect(200);

    const all = await api.get(path()).set('api_access_token', token).expect(200);
    expect(all.body.map((c: { short_code: string }) => c.short_code)).to.deep.equal(['refund', 'welcome']);
    // Short-code matches come first, then content matches.
    const search = await api.get(path('?search=welc')).set('api_access_token', token).expect(200);
    expect(search.body.map((c: { short_code: string }) => c.short_code)).to.deep.equal(['welcome', 'refund']);
    expect((await api.get(path('?search=100%25')).set('api_access_token', token).expect(200)).body).to.deep.equal([]);

    const updated = await api.patch(path(`/${refund.body.id}`)).set('api_access_token', token).send({ content: 'Refunded, {{agent.name}}' }).expect(200);
    expect(updated.body).to.include({ short_code: 'refund', content: 'Refunded, {{agent.name}}' });
    await api.put(path(`/${refund.body.id}`)).set('api_access_token', token).send({ canned_response: { short_code: 'refunded' } }).expect(200);
    await api.delete(path(`/${welcome.body.id}`)).set('api_access_token', token).expect(200);
    expect((await api.get(path()).set('api_access_token', token).expect(200)).body.map((c: { short_code: string }) => c.short_code)).to.deep.equal(['refunded']);
  });

  it('refuses bad input with field paths and a short code taken twice; keeps accounts apart; agents may add but not change', async () => {
    const api = await http();
    const token = account.admin.token;
    const bad = await api.post(path()).set('api_access_token', token).send({ short_code: 'two words', content: '' }).expect(422);
    expect(bad.body.error.fields.map((f: { path: string }) => f.path).sort()).to.deep.equal(['content', 'short_code']);
    const first = await api.post(path()).set('api_access_token', token).send({ short_code: 'hi', content: 'Hi!' }).expect(200);
    const dup = await api.post(path()).set('api_access_token', token).send({ short_code: 'hi', content: 'Again' }).expect(422);
    expect(dup.body.error.fields).to.deep.equal([{ path: 'short_code', message: 'has already been taken' }]);

    const other = await createAccount();
    await api.patch(`/api/v1/accounts/${other.id}/canned_responses/${first.body.id}`).set('api_access_token', other.admin.token).send({ content: 'x' }).expect(404);
    expect((await api.get(`/api/v1/accounts/${other.id}/canned_responses`).set('api_access_token', other.admin.token).expect(200)).body).to.deep.equal([]);

    const agent = await createAgent(account, 'Agent');
    await api.post(path()).set('api_access_token', agent.token).send({ short_code: 'bye', content: 'Bye!' }).expect(200);
    await api.patch(path(`/${first.body.id}`)).set('api_access_token', agent.token).send({ content: 'x' }).expect(403);
    await api.delete(path(`/${first.body.id}`)).set('api_access_token', agent.token).expect(403);
    expect((await api.get(path()).set('api_access_token', agent.token).expect(200)).body).to.have.length(2);
  });
});
