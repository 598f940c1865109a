import { expect } from 'chai';
import { createAccount, createContact, createInbox, createUser, addToAccount } from '../support/factories.js';
import supertest from 'supertest';
import { TEST_PLATFORM_TOKEN } from '../support/env.js';
import { http, runtime } from '../support/runtime.js';

/**
 * What every Chatwoot client trips on first: how it sends its token, how it reads errors, how Rails
 * forms and blank ids arrive, and how it opens a conversation with a contact inbox's source id.
 */
describe('Chatwoot wire compatibility', () => {
  it('accepts the token header in any case, with underscores or hyphens; devise-token-auth headers after a password sign-in', async () => {
    const api = await http();
    const account = await createAccount();
    for (const header of ['api_access_token', 'Api-Access-Token', 'API_ACCESS_TOKEN', 'api-access-token']) {
      const res = await api.get('/api/v1/profile').set(header, account.admin.token);
      expect(res.status, header).to.equal(200);
    }
    const wrong = await api.get('/api/v1/profile').set('Api-Access-Token', 'nope').expect(401);
    expect(wrong.body).to.include({ error: 'Invalid api_access_token', code: 'unauthorized' });
    expect(wrong.body.correlation_id).to.be.a('string');

    const user = await createUser('Password User', { password: 'Password-pass1' });
    await addToAccount(account.id, user, 'agent');
    const signIn = await api.post('/auth/sign_in').send({ email: user.email, password: 'Password-pass1' }).expect(200);
    expect(signIn.headers).to.include({ uid: user.email, 'token-type': 'Bearer' });
    expect(signIn.headers['access-token']).to.be.a('string');
    expect(signIn.headers.client).to.be.a('string');
    const devise = { 'access-token': signIn.headers['access-token'], client: signIn.headers.client, uid: signIn.headers.uid };
    const profile = await api.get('/api/v1/profile').set(devise).expect(200);
    expect(profile.body.email).to.equal(user.email);
    await api.get('/api/v1/profile').set({ ...devise, uid: account.admin.email }).expect(401);
  });

  it("signs a user in through the Platform API's single-use login link", async () => {
    const api = await http();
    const account = await createAccount();
    const link = await api.get(`/platform/api/v1/users/${account.admin.id}/login`).set('api_access_token', TEST_PLATFORM_TOKEN).expect(200);
    const url = new URL(link.body.url);
    expect(url.pathname).to.equal('/auth/sso');
    const browser = supertest.agent((await runtime()).app);
    await browser.get(`${url.pathname}${url.search}`).expect(303).expect('Location', '/app');
    const session = await browser.get('/auth/session').expect(200);
    expect(session.body.data.email).to.equal(account.admin.email);
    // Once only.
    await supertest.agent((await runtime()).app).get(`${url.pathname}${url.search}`).expect(303).expect('Location', '/?sso=expired');
    await api.get('/platform/api/v1/users/999999999/login').set('api_access_token', TEST_PLATFORM_TOKEN).expect(404);
  });

  it('answers GET /api like Chatwoot, and errors in Chatwoot shapes with our details beside them', async () => {
    const api = await http();
    const status = await api.get('/api').expect(200);
    expect(status.body).to.include({ queue_services: 'ok', data_services: 'ok' });
    expect(status.body.version).to.be.a('string');
    expect(status.body.timestamp).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    const account = await createAccount();
    const auth = { api_access_token: account.admin.token };
    const missing = await api.get(`/api/v1/accounts/${account.id}/contacts/999999999`).set(auth).expect(404);
    expect(missing.body).to.include({ error: 'Contact not found', code: 'not_found' });

    const invalid = await api.post(`/api/v1/accounts/${account.id}/contacts`).set(auth).send({ email: 'not an email' }).expect(422);
    expect(invalid.body.message).to.be.a('string');
    expect(invalid.body.attributes).to.deep.equal(['email']);
    expect(invalid.body.fields[0]).to.include({ path: 'email' });
    expect(invalid.body.correlation_id).to.be.a('string');

    const agent = await createUser('Wire Agent');
    await addToAccount(account.id, agent, 'agent');
    const forbidden = await api.post(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', agent.token).send({ name: 'x' }).expect(403);
    expect(forbidden.body.error).to.be.a('string');
  });

  it('parses Rails-style nested form fields and treats blank optional ids as absent', async () => {
    const api = await http();
    const account = await createAccount();
    const auth = { api_access_token: account.admin.token };
    const inbox = await createInbox(account);
    const contact = await createContact(account, { inbox_id: inbox.id });

    const created = await api
      .post(`/api/v1/accounts/${account.id}/conversations`)
      .set(auth)
      .type('form')
      .send(`inbox_id=${inbox.id}&contact_id=${contact.id}&assignee_id=&team_id=&message[content]=Hello+from+a+form&custom_attributes[order_id]=A-17`)
      .expect(200);
    expect(created.body.custom_attributes).to.deep.equal({ order_id: 'A-17' });
    expect(created.body.meta.assignee ?? null).to.equal(null);
    const messages = await api.get(`/api/v1/accounts/${account.id}/conversations/${created.body.id}/messages`).set(auth).expect(200);
    expect(messages.body.payload.map((m: { content: string }) => m.content)).to.include('Hello from a form');

    const list = await api.get(`/api/v1/accounts/${account.id}/conversations`).query({ inbox_id: '' }).set(auth).expect(200);
    expect(list.body.data.payload.map((c: { id: number }) => c.id)).to.include(created.body.id);
  });

  it("opens a conversation from a contact inbox's source_id without contact_id; an unknown source id is named", async () => {
    const api = await http();
    const account = await createAccount();
    const auth = { api_access_token: account.admin.token };
    const inbox = await createInbox(account);
    const created = await api.post(`/api/v1/accounts/${account.id}/contacts`).set(auth).send({ name: 'Source Id', email: 'source.id@example.test', inbox_id: inbox.id }).expect(200);
    const sourceId = created.body.payload.contact_inbox.source_id as string;

    const conversation = await api
      .post(`/api/v1/accounts/${account.id}/conversations`)
      .set(auth)
      .send({ source_id: sourceId, inbox_id: inbox.id, status: 'pending', message: { content: 'Opened by source id' } })
      .expect(200);
    expect(conversation.body).to.include({ inbox_id: inbox.id, status: 'pending' });
    expect(conversation.body.meta.sender.id).to.equal(created.body.payload.contact.id);

    const unknown = await api.post(`/api/v1/accounts/${account.id}/conversations`).set(auth).send({ source_id: 'nobody', inbox_id: inbox.id }).expect(422);
    expect(unknown.body.attributes).to.deep.equal(['source_id']);
    const neither = await api.post(`/api/v1/accounts/${account.id}/conversations`).set(auth).send({ inbox_id: inbox.id }).expect(422);
    expect(neither.body.attributes).to.deep.equal(['source_id']);
  });
});
