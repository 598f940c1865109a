import { expect } from 'chai';
import { createAccount, createAgent, createContact, createConversation, createInbox, type TestAccount } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

/** Chatwoot operations an integration uses beyond the basics, with Chatwoot's paths and payloads. */
describe('Chatwoot operations', () => {
  let account: TestAccount;
  const auth = () => ({ api_access_token: account.admin.token });
  const base = () => `/api/v1/accounts/${account.id}`;
  beforeEach(async () => {
    account = await createAccount();
  });

  it('conversations: PATCH priority, custom attributes, unread, mute / unmute, typing status, filter', async () => {
    const api = await http();
    const inbox = await createInbox(account);
    const contact = await createContact(account, { inbox_id: inbox.id });
    const conv = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id });
    const other = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, status: 'pending' });

    const patched = await api.patch(`${base()}/conversations/${conv.id}`).set(auth()).send({ priority: 'high', custom_attributes: { order_id: 'A-1' } }).expect(200);
    expect(patched.body).to.include({ id: conv.id, priority: 'high' });
    expect(patched.body.custom_attributes).to.deep.equal({ order_id: 'A-1' });
    await api.patch(`${base()}/conversations/${conv.id}`).set(auth()).send({ priority: 'extreme' }).expect(422);

    const attrs = await api.post(`${base()}/conversations/${conv.id}/custom_attributes`).set(auth()).send({ custom_attributes: { plan: 'gold' } }).expect(200);
    expect(attrs.body).to.deep.equal({ custom_attributes: { plan: 'gold' } });

    // Unread needs an incoming message: the customer writes.
    const rt = await runtime();
    const row = await rt.models.Conversation.findOne({ where: { account_id: account.id, display_id: conv.id } });
    await rt.models.Message.create({ account_id: account.id, inbox_id: inbox.id, conversation_id: row!.id, message_type: 'incoming', content: 'Hello?', private: false, sender_type: 'Contact', sender_id: contact.id } as never);
    await api.post(`${base()}/conversations/${conv.id}/update_last_seen`).set(auth()).expect(200);
    const unread = await api.post(`${base()}/conversations/${conv.id}/unread`).set(auth()).expect(200);
    expect(unread.body.unread_count).to.equal(1);
    await api.post(`${base()}/conversations/${other.id}/unread`).set(auth()).expect(422);

    const muted = await api.post(`${base()}/conversations/${conv.id}/mute`).set(auth()).expect(200);
    expect(muted.body).to.include({ muted: true, status: 'resolved' });
    const unmuted = await api.post(`${base()}/conversations/${conv.id}/unmute`).set(auth()).expect(200);
    expect(unmuted.body.muted).to.equal(false);
    await api.post(`${base()}/conversations/${conv.id}/toggle_typing_status`).set(auth()).send({ typing_status: 'on' }).expect(200);

    const filter = (payload: unknown[]) => api.post(`${base()}/conversations/filter`).set(auth()).send({ payload });
    const pending = await filter([{ attribute_key: 'status', filter_operator: 'equal_to', values: ['pending'], query_operator: null }]).expect(200);
    expect(pending.body.payload.map((c: { id: number }) => c.id)).to.deep.equal([other.id]);
    expect(pending.body.meta.all_count).to.equal(1);
    const either = await filter([
      { attribute_key: 'plan', filter_operator: 'equal_to', values: ['gold'], query_operator: 'OR' },
      { attribute_key: 'status', filter_operator: 'equal_to', values: ['pending'] },
    ]).expect(200);
    expect(either.body.payload.map((c: { id: number }) => c.id)).to.have.members([conv.id, other.id]);
    const bad = await filter([{ attribute_key: 'status', filter_operator: 'sounds_like', values: ['x'] }]).expect(422);
    expect(bad.body.attributes).to.deep.equal(['payload.0.filter_operator']);
    // Values are data, never SQL.
    await filter([{ attribute_key: "x') OR 1=1 --", filter_operator: 'equal_to', values: ["' OR '1'='1"] }]).expect(200).then((r) => expect(r.body.payload).to.deep.equal([]));
  });

  it('contacts: filter, contact inboxes, contactable inboxes, custom attributes removed, merge', async () => {
    const api = await http();
    const inbox = await createInbox(account);
    const jane = await createContact(account, { name: 'Jane Merge', email: 'jane.merge@example.test', custom_attributes: { tier: 'gold', region: 'eu' }, additional_attributes: { country_code: 'FR' } });
    const dupe = await createContact(account, { name: 'J. Merge', email: null, phone_number: '+33123456789', custom_attributes: { tier: 'silver', seats: 4 } });

    const filtered = await api.post(`${base()}/contacts/filter`).set(auth()).send({ payload: [{ attribute_key: 'country_code', filter_operator: 'equal_to', values: ['FR'] }] }).expect(200);
    expect(filtered.body.payload.map((c: { id: number }) => c.id)).to.deep.equal([jane.id]);

    const contactable = await api.get(`${base()}/contacts/${jane.id}/contactable_inboxes`).set(auth()).expect(200);
    expect(contactable.body.payload).to.have.length(1);
    expect(contactable.body.payload[0]).to.deep.include({ source_id: 'jane.merge@example.test' });
    expect(contactable.body.payload[0].inbox.id).to.equal(inbox.id);

    const ci = await api.post(`${base()}/contacts/${dupe.id}/contact_inboxes`).set(auth()).send({ inbox_id: inbox.id, source_id: 'crm-42' }).expect(200);
    expect(ci.body).to.deep.include({ source_id: 'crm-42' });
    expect(ci.body.inbox.id).to.equal(inbox.id);
    await api.post(`${base()}/contacts/${dupe.id}/contact_inboxes`).set(auth()).send({ inbox_id: 999999999 }).expect(422);
    const conv = await createConversation(account, { inbox_id: inbox.id, contact_id: dupe.id });

    const removed = await api.post(`${base()}/contacts/${jane.id}/destroy_custom_attributes`).set(auth()).send({ custom_attributes: ['region'] }).expect(200);
    expect(removed.body.payload.custom_attributes).to.deep.equal({ tier: 'gold' });

    const agent = await createAgent(account);
    await api.post(`${base()}/actions/contact_merge`).set('api_access_token', agent.token).send({ base_contact_id: jane.id, mergee_contact_id: dupe.id }).expect(403);
    const merged = await api.post(`${base()}/actions/contact_merge`).set(auth()).send({ base_contact_id: jane.id, mergee_contact_id: dupe.id }).expect(200);
    expect(merged.body).to.include({ id: jane.id, email: 'jane.merge@example.test', phone_number: '+33123456789' });
    expect(merged.body.custom_attributes).to.deep.equal({ tier: 'gold', seats: 4 });
    await api.get(`${base()}/contacts/${dupe.id}`).set(auth()).expect(404);
    const moved = await api.get(`${base()}/conversations/${conv.id}`).set(auth()).expect(200);
    expect(moved.body.meta.sender.id).to.equal(jane.id);
  });

  it('custom attribute definitions: CRUD by administrators, read by agents, filtered by model', async () => {
    const api = await http();
    const created = await api.post(`${base()}/custom_attribute_definitions`).set(auth())
      .send({ attribute_display_name: 'Plan', attribute_display_type: 'list', attribute_key: 'plan', attribute_model: 0, attribute_values: ['free', 'gold'] }).expect(200);
    expect(created.body).to.include({ attribute_key: 'plan', attribute_model: 'conversation_attribute', attribute_display_type: 'list' });
    await api.post(`${base()}/custom_attribute_definitions`).set(auth()).send({ attribute_display_name: 'Tier', attribute_key: 'tier', attribute_model: 'contact_attribute' }).expect(200);
    const dup = await api.post(`${base()}/custom_attribute_definitions`).set(auth()).send({ attribute_display_name: 'Plan', attribute_key: 'plan', attribute_model: 0 }).expect(422);
    expect(dup.body.attributes).to.deep.equal(['attribute_key']);
    const noChoices = await api.post(`${base()}/custom_attribute_definitions`).set(auth()).send({ attribute_display_name: 'X', attribute_key: 'x', attribute_model: 1, attribute_display_type: 'list' }).expect(422);
    expect(noChoices.body.attributes).to.deep.equal(['attribute_values']);

    const agent = await createAgent(account);
    const list = await api.get(`${base()}/custom_attribute_definitions`).query({ attribute_model: 1 }).set('api_access_token', agent.token).expect(200);
    expect(list.body.map((d: { attribute_key: string }) => d.attribute_key)).to.deep.equal(['tier']);
    await api.patch(`${base()}/custom_attribute_definitions/${created.body.id}`).set('api_access_token', agent.token).send({ attribute_display_name: 'Nope' }).expect(403);
    const updated = await api.patch(`${base()}/custom_attribute_definitions/${created.body.id}`).set(auth()).send({ attribute_display_name: 'Plan name' }).expect(200);
    expect(updated.body.attribute_display_name).to.equal('Plan name');
    await api.get(`${base()}/custom_attribute_definitions/${created.body.id}`).set(auth()).expect(200);
    await api.delete(`${base()}/custom_attribute_definitions/${created.body.id}`).set(auth()).expect(200);
    await api.get(`${base()}/custom_attribute_definitions/${created.body.id}`).set(auth()).expect(404);
  });

  it("custom filters: each person's own saved filters, with the filter payload validated", async () => {
    const api = await http();
    const payload = [{ attribute_key: 'status', filter_operator: 'equal_to', values: ['open'], query_operator: null }];
    const saved = await api.post(`${base()}/custom_filters`).set(auth()).send({ custom_filter: { name: 'Open ones', type: 'conversation', query: { payload } } }).expect(200);
    expect(saved.body).to.deep.include({ name: 'Open ones', type: 'conversation', query: { payload } });
    const bad = await api.post(`${base()}/custom_filters`).set(auth()).send({ name: 'Bad', type: 'mood', query: { payload: [{ attribute_key: 'status', filter_operator: 'sounds_like' }] } }).expect(422);
    expect(bad.body.attributes).to.have.members(['type', 'query.payload.0.filter_operator']);
    const agent = await createAgent(account);
    expect((await api.get(`${base()}/custom_filters`).set('api_access_token', agent.token).expect(200)).body).to.deep.equal([]);
    await api.get(`${base()}/custom_filters/${saved.body.id}`).set('api_access_token', agent.token).expect(404);
    const renamed = await api.patch(`${base()}/custom_filters/${saved.body.id}`).set(auth()).send({ name: 'Still open' }).expect(200);
    expect(renamed.body.name).to.equal('Still open');
    expect((await api.get(`${base()}/custom_filters`).query({ filter_type: 'contact' }).set(auth()).expect(200)).body).to.deep.equal([]);
    await api.delete(`${base()}/custom_filters/${saved.body.id}`).set(auth()).expect(200);
    await api.get(`${base()}/custom_filters/${saved.body.id}`).set(auth()).expect(404);
  });

  it('account show / update; v2 reports: summary, daily series, open conversations by account and agent', async () => {
    const api = await http();
    const shown = await api.get(base()).set(auth()).expect(200);
    expect(shown.body).to.include({ id: account.id, locale: 'en' });
    const agent = await createAgent(account);
    await api.patch(base()).set('api_access_token', agent.token).send({ name: 'Nope' }).expect(403);
    const renamed = await api.patch(base()).set(auth()).send({ name: 'Renamed Co', support_email: 'help@renamed.test' }).expect(200);
    expect(renamed.body).to.include({ name: 'Renamed Co', support_email: 'help@renamed.test' });

    const inbox = await createInbox(account);
    const contact = await createContact(account, { inbox_id: inbox.id });
    const a = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, message: { content: 'First reply' } });
    await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id });
    await api.post(`${base()}/conversations/${a.id}/toggle_status`).set(auth()).send({ status: 'resolved' }).expect(200);

    const v2 = `/api/v2/accounts/${account.id}`;
    const summary = await api.get(`${v2}/reports/summary`).query({ type: 'account' }).set(auth()).expect(200);
    expect(summary.body).to.include({ conversations_count: 2, outgoing_messages_count: 1, resolutions_count: 1, incoming_messages_count: 0 });
    expect(summary.body.avg_resolution_time).to.be.a('number');
    expect(summary.body.avg_first_response_time).to.be.a('number');
    expect(summary.body.previous).to.include({ conversations_count: 0 });
    const byInbox = await api.get(`${v2}/reports/summary`).query({ type: 'inbox', id: inbox.id + 1000000 }).set(auth()).expect(200);
    expect(byInbox.body.conversations_count).to.equal(0);

    const now = Math.floor(Date.now() / 1000);
    const series = await api.get(`${v2}/reports`).query({ metric: 'conversations_count', type: 'account', since: now - 3 * 86400, until: now + 60 }).set(auth()).expect(200);
    expect(series.body).to.have.length.within(4, 5);
    expect(series.body.reduce((s: number, p: { value: number }) => s + p.value, 0)).to.equal(2);
    await api.get(`${v2}/reports`).query({ metric: 'mood' }).set(auth()).expect(422);

    const open = await api.get(`${v2}/reports/conversations`).query({ type: 'account' }).set(auth()).expect(200);
    expect(open.body).to.deep.equal({ open: 1, unattended: 1, unassigned: 1 });
    const agents = await api.get(`${v2}/reports/conversations/`).query({ type: 'agent' }).set(auth()).expect(200);
    expect(agents.body.map((r: { id: number }) => r.id)).to.include(agent.id);
    await api.get(`${v2}/reports/summary`).set('api_access_token', agent.token).expect(403);
  });
});
