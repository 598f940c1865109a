import { expect } from 'chai';
import { createAccount, createAgent, type TestAccount } from '../support/factories.js';
import { http } from '../support/runtime.js';

describe('Email providers API', () => {
  let account: TestAccount;
  before(async () => {
    account = await createAccount();
  });

  it('lists every registered provider, with whether the inbox API may create it', async () => {
    const agent = await createAgent(account);
    // Any member may ask: agents see the wizard's labels too (e.g. in the inbox list).
    const res = await (await http()).get(`/api/v1/accounts/${account.id}/email_providers`).set('api_access_token', agent.token).expect(200);
    const overlay = (process.env.EXTENSIONS ?? 'leadchat').split(',').includes('leadchat');
    expect(res.body.map((p: { id: string }) => p.id)).to.deep.equal(['imap', 'microsoft', 'google', ...(overlay ? ['microsoft_shared'] : [])]);
    expect(res.body[0]).to.deep.equal({ id: 'imap', label: res.body[0].label, creatable_via_api: true });
    expect(res.body[0].label).to.be.a('string').and.not.empty;
    expect(res.body.find((p: { id: string }) => p.id === 'microsoft')).to.include({ creatable_via_api: false });
  });

  it('is 401 without credentials and 404 for an account the caller is not in', async () => {
    const api = await http();
    await api.get(`/api/v1/accounts/${account.id}/email_providers`).expect(401);
    const other = await createAccount();
    await api.get(`/api/v1/accounts/${other.id}/email_providers`).set('api_access_token', account.admin.token).expect(404);
  });
});
