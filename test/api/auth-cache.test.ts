import { expect } from 'chai';
import { TEST_PLATFORM_TOKEN } from '../support/env.js';
import { addToAccount, createAccount, createAgent, createUser, type TestAccount } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

// Who a token belongs to and their memberships are kept in process for a few seconds (services/auth-cache.ts):
// every change must still be refused on the very next request.
describe('Access after a change of token, membership, role or account', () => {
  let account: TestAccount;
  const conversations = () => `/api/v1/accounts/${account.id}/conversations`;

  beforeEach(async () => {
    account = await createAccount();
  });

  it('refuses a removed member, a demoted administrator, a deleted user and a suspended account on their next request', async () => {
    const api = await http();
    const agent = await createAgent(account, 'Leaving Agent');
    const second = await createUser('Second Admin');
    await addToAccount(account.id, second, 'administrator');
    const deleted = await createAgent(account, 'Deleted User');
    for (let i = 0; i < 2; i++) {
      await api.get(conversations()).set('api_access_token', agent.token).expect(200);
      await api.patch(`/api/v1/accounts/${account.id}/agents/${agent.id}`).set('api_access_token', second.token).send({ name: `Renamed ${i}` }).expect(200);
      await api.get(conversations()).set('api_access_token', deleted.token).expect(200);
    }

    await api.delete(`/api/v1/accounts/${account.id}/agents/${agent.id}`).set('api_access_token', account.admin.token).expect(200);
    await api.get(conversations()).set('api_access_token', agent.token).expect(404);

    await api.patch(`/api/v1/accounts/${account.id}/agents/${second.id}`).set('api_access_token', account.admin.token).send({ role: 'agent' }).expect(200);
    await api.patch(`/api/v1/accounts/${account.id}/agents/${deleted.id}`).set('api_access_token', second.token).send({ name: 'Not allowed' }).expect(403);

    await api.delete(`/platform/api/v1/users/${deleted.id}`).set('api_access_token', TEST_PLATFORM_TOKEN).expect(200);
    await api.get(conversations()).set('api_access_token', deleted.token).expect(401);

    await api.get(conversations()).set('api_access_token', account.admin.token).expect(200);
    await (await runtime()).models.Account.update({ status: 'suspended' }, { where: { id: account.id } });
    await api.get(conversations()).set('api_access_token', account.admin.token).expect(404);
  });

  it('refuses a token another process deleted as soon as its invalidation arrives over Redis', async () => {
    const api = await http();
    const rt = await runtime();
    const agent = await createAgent(account, 'Revoked Elsewhere');
    for (let i = 0; i < 3; i++) await api.get(conversations()).set('api_access_token', agent.token).expect(200);

    // Another process's write: no model hook runs in this one, only the message it publishes arrives.
    await rt.sequelize.query(`DELETE FROM access_tokens WHERE owner_type = 'User' AND owner_id = :id`, { replacements: { id: agent.id } });
    await rt.redis.publish(`${rt.config.REDIS_PREFIX}:auth-cache`, '1');
    const deadline = Date.now() + 1000;
    let status = 0;
    while (Date.now() < deadline && status !== 401) status = (await api.get(conversations()).set('api_access_token', agent.token)).status;
    expect(status).to.equal(401);
  });
});
