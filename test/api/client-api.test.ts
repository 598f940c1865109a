// Chatwoot's public client API for API inboxes: an end user's app creates its contact, conversations
// and messages with the inbox identifier and its source id only; agents see them as usual.
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { createAccount, type TestAccount } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

describe('Public client API (API inboxes)', () => {
  let account: TestAccount;
  let inbox: { id: number; inbox_identifier: string; hmac_token: string };
  const pub = () => `/public/api/v1/inboxes/${inbox.inbox_identifier}`;
  const auth = () => ({ api_access_token: account.admin.token });

  beforeEach(async () => {
    account = await createAccount();
    inbox = (await (await http()).post(`/api/v1/accounts/${account.id}/inboxes`).set(auth()).send({ name: 'Widget', channel: { type: 'api' } }).expect(200)).body;
  });

  it('creates a contact (source id and pubsub token), a conversation and messages, and shows agents\' replies but not their notes', async () => {
    const api = await http();
    const rt = await runtime();
    const seen: string[] = [];
    rt.events.on('message.created', (e) => void (e.inboxId === inbox.id && seen.push(e.messageType)), 'test');

    expect((await api.get(pub()).expect(200)).body).to.include({ identifier: inbox.inbox_identifier, name: 'Widget', identity_validation_enabled: false });
    const contact = (await api.post(`${pub()}/contacts`).send({ name: 'End User', email: 'end.user@customer.test' }).expect(200)).body;
    expect(contact).to.include({ name: 'End User', email: 'end.user@customer.test' });
    expect(contact.source_id).to.match(/^[0-9a-f-]{36}$/);
    expect(contact.pubsub_token).to.match(/^[A-Za-z0-9]{24}$/);
    expect((await api.get(`${pub()}/contacts/${contact.source_id}`).expect(200)).body).to.deep.equal(contact);

    const conversation = (await api.post(`${pub()}/contacts/${contact.source_id}/conversations`).send({ custom_attributes: { plan: 'pro' } }).expect(200)).body;
    expect(conversation).to.include({ inbox_id: inbox.id, status: 'open' });
    expect(conversation.messages).to.deep.equal([]);
    const message = (await api.post(`${pub()}/contacts/${contact.source_id}/conversations/${conversation.id}/messages`).send({ content: 'Hi, anyone there?', echo_id: 'tmp-1' }).expect(200)).body;
    expect(message).to.include({ content: 'Hi, anyone there?', message_type: 0, conversation_id: conversation.id });
    expect(message.content_attributes).to.deep.equal({ echo_id: 'tmp-1' });
    expect(message.sender).to.include({ id: contact.id, type: 'contact' });
    expect(message).not.to.have.any.keys('private', 'status', 'source_id');

    // The agents' side: the same conversation, the customer's message in it, waiting for an answer.
    const agentView = (await api.get(`/api/v1/accounts/${account.id}/conversations/${conversation.id}`).set(auth()).expect(200)).body;
    expect(agentView).to.include({ inbox_id: inbox.id });
    expect(agentView.custom_attributes).to.deep.equal({ plan: 'pro' });
    expect(agentView.waiting_since).to.be.a('number');
    await api.post(`/api/v1/accounts/${account.id}/conversations/${conversation.id}/messages`).set(auth()).send({ content: 'Internal: VIP', private: true }).expect(200);
    await api.post(`/api/v1/accounts/${account.id}/conversations/${conversation.id}/messages`).set(auth()).send({ content: 'Hello! How can I help?' }).expect(200);

    const messages = (await api.get(`${pub()}/contacts/${contact.source_id}/conversations/${conversation.id}/messages`).expect(200)).body;
    expect(messages.map((m: { content: string; message_type: number }) => [m.content, m.message_type])).to.deep.equal([['Hi, anyone there?', 0], ['Hello! How can I help?', 1]]);
    const list = (await api.get(`${pub()}/contacts/${contact.source_id}/conversations`).expect(200)).body;
    expect(list).to.have.length(1);
    expect(list[0]).to.include({ id: conversation.id, status: 'open' });
    expect(list[0].messages).to.have.length(2);
    expect(seen).to.deep.equal(['incoming', 'outgoing', 'outgoing']);
  });

  it('reuses the contact an identifier names, and checks identifier_hash (mandatory when the inbox says so)', async () => {
    const api = await http();
    const hash = (id: string) => createHmac('sha256', inbox.hmac_token).update(id).digest('hex');
    const first = (await api.post(`${pub()}/contacts`).send({ identifier: 'user-42', identifier_hash: hash('user-42'), name: 'Forty Two' }).expect(200)).body;
    const again = (await api.post(`${pub()}/contacts`).send({ identifier: 'user-42', identifier_hash: hash('user-42') }).expect(200)).body;
    expect(again.id).to.equal(first.id);
    expect(again.source_id).not.to.equal(first.source_id);
    const rt = await runtime();
    expect((await rt.models.ContactInbox.findOne({ where: { source_id: first.source_id } }))!.hmac_verified).to.equal(true);

    // Matched by email without proof, an identity may write in the inbox but not rewrite the existing contact.
    await api.post(`/api/v1/accounts/${account.id}/contacts`).set(auth()).send({ name: 'Known Customer', email: 'known@customer.test' }).expect(200);
    const matched = (await api.post(`${pub()}/contacts`).send({ email: 'known@customer.test' }).expect(200)).body;
    expect(matched.name).to.equal('Known Customer');
    await api.patch(`${pub()}/contacts/${matched.source_id}`).send({ name: 'Hijacked' }).expect(403);
    await api.post(`${pub()}/contacts/${matched.source_id}/conversations`).send({}).expect(200);
    // A proven identifier may.
    await api.patch(`${pub()}/contacts/${again.source_id}`).send({ name: 'Forty Two Renamed' }).expect(200);

    const wrong = await api.post(`${pub()}/contacts`).send({ identifier: 'user-42', identifier_hash: hash('user-43') }).expect(401);
    expect(wrong.body.message).to.match(/HMAC failed/);
    await api.patch(`/api/v1/accounts/${account.id}/inboxes/${inbox.id}`).set(auth()).send({ channel: { hmac_mandatory: true } }).expect(200);
    await api.post(`${pub()}/contacts`).send({ name: 'Anonymous' }).expect(401);
    await api.post(`${pub()}/contacts`).send({ identifier: 'user-7', identifier_hash: hash('user-7') }).expect(200);
  });

  it('updates the contact, marks the conversation seen, takes typing status and resolves the conversation', async () => {
    const api = await http();
    const rt = await runtime();
    const contact = (await api.post(`${pub()}/contacts`).send({ name: 'Old Name' }).expect(200)).body;
    const updated = (await api.patch(`${pub()}/contacts/${contact.source_id}`).send({ name: 'New Name', phone_number: '+4915112345678' }).expect(200)).body;
    expect(updated).to.include({ id: contact.id, source_id: contact.source_id, name: 'New Name', phone_number: '+4915112345678' });
    await api.post(`/api/v1/accounts/${account.id}/contacts`).set(auth()).send({ name: 'Other', email: 'taken@customer.test' }).expect(200);
    const taken = await api.patch(`${pub()}/contacts/${contact.source_id}`).send({ email: 'taken@customer.test' }).expect(422);
    expect(taken.body.attributes).to.deep.equal(['email']);

    const conversation = (await api.post(`${pub()}/contacts/${contact.source_id}/conversations`).send({}).expect(200)).body;
    const path = `${pub()}/contacts/${contact.source_id}/conversations/${conversation.id}`;
    await api.post(`${path}/update_last_seen`).expect(200);
    const seen = await rt.models.Conversation.findOne({ where: { account_id: account.id, display_id: conversation.id } });
    expect(seen!.contact_last_seen_at).to.be.an.instanceOf(Date);
    await api.post(`${path}/toggle_typing`).send({ typing_status: 'on' }).expect(200);
    expect((await api.post(`${path}/toggle_typing`).send({ typing_status: 'maybe' }).expect(422)).body.attributes).to.deep.equal(['typing_status']);

    const changes: string[][] = [];
    rt.events.on('conversation.updated', (e) => void (e.inboxId === inbox.id && changes.push(e.changes)), 'test');
    const resolved = (await api.post(`${path}/toggle_status`).expect(200)).body;
    expect(resolved).to.include({ id: conversation.id, status: 'resolved' });
    expect(changes).to.deep.equal([['status']]);
    expect((await api.get(`/api/v1/accounts/${account.id}/conversations/${conversation.id}`).set(auth()).expect(200)).body.status).to.equal('resolved');
  });

  it('answers 404 for an unknown inbox, source id or another contact\'s conversation, and 422 for bad input', async () => {
    const api = await http();
    await api.get('/public/api/v1/inboxes/nope').expect(404);
    await api.get(`${pub()}/contacts/00000000-0000-0000-0000-000000000000`).expect(404);
    const a = (await api.post(`${pub()}/contacts`).send({ name: 'A' }).expect(200)).body;
    const b = (await api.post(`${pub()}/contacts`).send({ name: 'B' }).expect(200)).body;
    const conversation = (await api.post(`${pub()}/contacts/${a.source_id}/conversations`).send({}).expect(200)).body;
    await api.get(`${pub()}/contacts/${b.source_id}/conversations/${conversation.id}/messages`).expect(404);
    await api.post(`${pub()}/contacts/${b.source_id}/conversations/${conversation.id}/messages`).send({ content: 'sneaky' }).expect(404);
    const empty = await api.post(`${pub()}/contacts/${a.source_id}/conversations/${conversation.id}/messages`).send({ content: '  ' }).expect(422);
    expect(empty.body.attributes).to.deep.equal(['content']);
    const bad = await api.post(`${pub()}/contacts`).send({ email: 'not-an-email' }).expect(422);
    expect(bad.body.attributes).to.deep.equal(['email']);
  });
});
