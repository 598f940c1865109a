import { expect } from 'chai';
import { createAccount, createAgent, type TestAccount } from '../support/factories.js';
import { http } from '../support/runtime.js';

const KEYS = ['id', 'account_id', 'name', 'description', 'event_name', 'conditions', 'actions', 'created_on', 'active'];

describe('Automation rules API (Chatwoot)', () => {
  let account: TestAccount;
  const path = (suffix = '') => `/api/v1/accounts/${account.id}/automation_rules${suffix}`;
  const auth = () => ({ api_access_token: account.admin.token });
  const fields = (body: { error: { fields: { path: string; message: string }[] } }) => body.error.fields;

  beforeEach(async () => {
    account = await createAccount();
  });

  it('creates, lists, shows, updates, clones and deletes a rule with Chatwoot payloads', async () => {
    const api = await http();
    const team = (await api.post(`/api/v1/accounts/${account.id}/teams`).set(auth()).send({ name: 'Billing' }).expect(200)).body;
    const created = await api.post(path()).set(auth()).send({
      name: 'Billing help',
      description: 'Incoming billing questions go to the billing team',
      event_name: 'message_created',
      conditions: [
        { attribute_key: 'content', filter_operator: 'contains', values: ['invoice'], query_operator: 'and' },
        { attribute_key: 'message_type', filter_operator: 'equal_to', values: [0], query_operator: null },
      ],
      actions: [
        { action_name: 'add_label', action_params: ['Billing'] },
        { action_name: 'assign_team', action_params: [team.id] },
        { action_name: 'change_priority', action_params: ['high'] },
      ],
    }).expect(200);
    expect(created.body).to.have.all.keys(KEYS);
    expect(created.body).to.include({ account_id: account.id, name: 'Billing help', event_name: 'message_created', active: true });
    expect(created.body.created_on).to.be.a('number');
    // Stored as Chatwoot stores them: operators upper-cased, numbered message types as words, labels lower-cased.
    expect(created.body.conditions).to.deep.equal([
      { attribute_key: 'content', filter_operator: 'contains', values: ['invoice'], query_operator: 'AND' },
      { attribute_key: 'message_type', filter_operator: 'equal_to', values: ['incoming'], query_operator: null },
    ]);
    expect(created.body.actions[0]).to.deep.equal({ action_name: 'add_label', action_params: ['billing'] });

    const list = await api.get(path()).set(auth()).expect(200);
    expect(list.body.payload.map((r: { id: number }) => r.id)).to.deep.equal([created.body.id]);
    const shown = await api.get(path(`/${created.body.id}`)).set(auth()).expect(200);
    expect(shown.body.payload).to.deep.equal(created.body);

    const updated = await api.patch(path(`/${created.body.id}`)).set(auth()).send({ active: false, name: 'Billing (paused)' }).expect(200);
    expect(updated.body.payload).to.include({ active: false, name: 'Billing (paused)', event_name: 'message_created' });
    expect(updated.body.payload.conditions).to.deep.equal(created.body.conditions);

    const copy = await api.post(path(`/${created.body.id}/clone`)).set(auth()).expect(200);
    expect(copy.body.payload.id).to.not.equal(created.body.id);
    expect(copy.body.payload).to.deep.include({ name: 'Billing (paused)', conditions: created.body.conditions, actions: created.body.actions });

    await api.delete(path(`/${created.body.id}`)).set(auth()).expect(200);
    await api.get(path(`/${created.body.id}`)).set(auth()).expect(404);
    expect((await api.get(path()).set(auth()).expect(200)).body.payload.map((r: { id: number }) => r.id)).to.deep.equal([copy.body.payload.id]);
  });

  it('refuses unknown attributes, operators, actions and bad parameters with a 422 naming each row', async () => {
    const api = await http();
    const res = await api.post(path()).set(auth()).send({
      name: 'Broken',
      event_name: 'conversation_created',
      conditions: [
        { attribute_key: 'shoe_size', filter_operator: 'equal_to', values: ['44'], query_operator: 'AND' },
        { attribute_key: 'status', filter_operator: 'contains', values: ['open'], query_operator: 'OR' },
        { attribute_key: 'priority', filter_operator: 'equal_to', values: [] },
      ],
      actions: [
        { action_name: 'launch_rocket', action_params: [] },
        { action_name: 'assign_agent', action_params: [999999999] },
        { action_name: 'change_status', action_params: ['archived'] },
        { action_name: 'send_email_to_team', action_params: [{ team_ids: [999999999], message: 'Look' }] },
        { action_name: 'send_webhook_event', action_params: ['ftp://files.example.test/drop'] },
        { action_name: 'send_message', action_params: ['   '] },
        { action_name: 'add_private_note', action_params: ['Hello {{contact.name'] },
        { action_name: 'send_email_transcript', action_params: ['boss@example.test, not-an-address'] },
      ],
    }).expect(422);
    expect(res.body.attributes).to.have.members([
      'conditions.0.attribute_key', 'conditions.1.filter_operator', 'actions.0.action_name', 'actions.1.action_params', 'actions.2.action_params',
      'actions.3.action_params', 'actions.4.action_params', 'actions.5.action_params', 'actions.6.action_params', 'actions.7.action_params',
    ]);
    expect(fields(res.body).find((f) => f.path === 'actions.6.action_params')!.message).to.match(/^has a placeholder that is not closed properly/);
    expect(fields(res.body).find((f) => f.path === 'conditions.1.filter_operator')!.message).to.equal('must be one of equal_to, not_equal_to for status');

    const noValues = await api.post(path()).set(auth()).send({
      name: 'No values', event_name: 'conversation_created', conditions: [{ attribute_key: 'priority', filter_operator: 'equal_to', values: [] }], actions: [{ action_name: 'resolve_conversation' }],
    }).expect(422);
    expect(noValues.body.attributes).to.deep.equal(['conditions.0.values']);

    const shape = await api.post(path()).set(auth()).send({ event_name: 'sometimes', actions: [] }).expect(422);
    expect(shape.body.attributes).to.have.members(['name', 'event_name', 'actions']);

    const missingOperator = await api.post(path()).set(auth()).send({
      name: 'Two', event_name: 'conversation_created',
      conditions: [{ attribute_key: 'status', filter_operator: 'equal_to', values: ['open'] }, { attribute_key: 'priority', filter_operator: 'is_present' }],
      actions: [{ action_name: 'mute_conversation' }],
    }).expect(422);
    expect(missingOperator.body.attributes).to.deep.equal(['conditions']);
    expect((await api.get(path()).set(auth()).expect(200)).body.payload).to.deep.equal([]);
  });

  it('accepts the account custom attributes as condition keys, and picked values sent as { id, name }', async () => {
    const api = await http();
    await api.post(`/api/v1/accounts/${account.id}/custom_attribute_definitions`).set(auth())
      .send({ attribute_display_name: 'Plan', attribute_key: 'plan', attribute_model: 'contact_attribute', attribute_display_type: 'text' }).expect(200);
    const rule = await api.post(path()).set(auth()).send({
      name: 'Enterprise', event_name: 'conversation_created',
      // Picked values as Chatwoot's dashboard may send them ({ id, name }) are stored as their ids.
      conditions: [{ attribute_key: 'plan', filter_operator: 'equal_to', values: [{ id: 'enterprise', name: 'Enterprise' }] }],
      actions: [{ action_name: 'change_priority', action_params: ['urgent'] }],
    }).expect(200);
    expect(rule.body.conditions[0].values).to.deep.equal(['enterprise']);
  });

  it('is for administrators of the account only', async () => {
    const api = await http();
    const agent = await createAgent(account);
    const rule = (await api.post(path()).set(auth()).send({ name: 'Mine', event_name: 'conversation_created', actions: [{ action_name: 'add_label', action_params: ['new'] }] }).expect(200)).body;
    await api.get(path()).set('api_access_token', agent.token).expect(403);
    await api.post(path()).set('api_access_token', agent.token).send({ name: 'Agent rule', event_name: 'conversation_created', actions: [{ action_name: 'resolve_conversation' }] }).expect(403);
    await api.delete(path(`/${rule.id}`)).set('api_access_token', agent.token).expect(403);

    const other = await createAccount();
    await api.get(`/api/v1/accounts/${other.id}/automation_rules/${rule.id}`).set('api_access_token', other.admin.token).expect(404);
    await api.patch(`/api/v1/accounts/${other.id}/automation_rules/${rule.id}`).set('api_access_token', other.admin.token).send({ active: false }).expect(404);
    expect((await api.get(path(`/${rule.id}`)).set(auth()).expect(200)).body.payload.active).to.equal(true);
  });
});
