// The Automation settings form's logic (client/src/features/automation): which condition keys an
// event offers, the API body built from the form's rows, and server errors mapped to their rows.
import { expect } from 'chai';
import { ACTION_KINDS, CONDITION_KEYS, emptyForm, formOf, keysFor, payloadOf, rowErrors } from '../../client/src/features/automation/rule-form.logic.js';
import { AUTOMATION_EVENTS } from '../../client/src/api/automation-rules.js';
import { AUTOMATION_EVENTS as SERVER_EVENTS } from '../../server/src/models/automation-rule.model.js';
import { CONDITION_ATTRIBUTES } from '../../server/src/services/automation/automation-conditions.js';
import { ACTIONS } from '../../server/src/services/automation/automation-actions.js';

describe('client: automation rule form', () => {
  it('offers exactly the server\'s events, condition keys with their operators, and actions', () => {
    expect([...AUTOMATION_EVENTS]).to.deep.equal([...SERVER_EVENTS]);
    expect(Object.fromEntries(CONDITION_KEYS.map((k) => [k.key, [...k.operators].sort()]))).to.deep.equal(
      Object.fromEntries(Object.entries(CONDITION_ATTRIBUTES).map(([key, a]) => [key, [...a.operators].sort()])),
    );
    expect(ACTION_KINDS.map((a) => a.name).sort()).to.deep.equal(Object.keys(ACTIONS).sort());
  });

  it('offers message conditions only for message_created', () => {
    expect(keysFor('message_created').map((k) => k.key)).to.include.members(['content', 'message_type', 'email_to', 'status']);
    expect(keysFor('conversation_created').map((k) => k.key)).to.not.include.members(['content']);
    expect(keysFor('conversation_created').map((k) => k.key)).to.include('labels');
  });

  it('builds Chatwoot\'s body: one value per row, none for presence operators and param-less actions, no operator after the last condition', () => {
    const form = emptyForm();
    form.name = '  VIP  ';
    form.conditions = [
      { attribute_key: 'email', filter_operator: 'contains', value: ' @vip.test ', more: ['@gold.test'], query_operator: 'OR' },
      { attribute_key: 'priority', filter_operator: 'is_present', value: 'high', more: [], query_operator: 'AND' },
    ];
    form.actions = [
      { action_name: 'assign_team', value: '4', message: '', more: [] },
      { action_name: 'mute_conversation', value: 'x', message: '', more: [] },
      { action_name: 'send_email_to_team', value: '4', message: ' Look at this ', more: [] },
    ];
    expect(payloadOf(form)).to.deep.equal({
      name: 'VIP',
      description: null,
      event_name: 'conversation_created',
      conditions: [
        { attribute_key: 'email', filter_operator: 'contains', values: ['@vip.test', '@gold.test'], query_operator: 'OR' },
        { attribute_key: 'priority', filter_operator: 'is_present', values: [], query_operator: null },
      ],
      actions: [
        { action_name: 'assign_team', action_params: ['4'] },
        { action_name: 'mute_conversation', action_params: [] },
        { action_name: 'send_email_to_team', action_params: [{ team_ids: [4], message: 'Look at this' }] },
      ],
    });
  });

  it('reads a saved rule back into rows, keeping values beyond the first, and puts server errors on their rows', () => {
    const form = formOf({
      id: 1, name: 'R', description: null, event_name: 'message_created', active: true, created_on: 0,
      conditions: [{ attribute_key: 'content', filter_operator: 'contains', values: ['refund', 'money back'], query_operator: null }],
      actions: [
        { action_name: 'add_label', action_params: ['billing', 'refund'] },
        { action_name: 'assign_agent', action_params: [7] },
        { action_name: 'resolve_conversation', action_params: [] },
        { action_name: 'send_email_to_team', action_params: [{ team_ids: [3], message: 'Hi team' }] },
      ],
    });
    expect(form.conditions).to.deep.equal([{ attribute_key: 'content', filter_operator: 'contains', value: 'refund', more: ['money back'], query_operator: 'AND' }]);
    expect(form.actions).to.deep.equal([
      { action_name: 'add_label', value: 'billing', message: '', more: ['refund'] },
      { action_name: 'assign_agent', value: '7', message: '', more: [] },
      { action_name: 'resolve_conversation', value: '', message: '', more: [] },
      { action_name: 'send_email_to_team', value: '3', message: 'Hi team', more: [] },
    ]);
    // Saved again unchanged, nothing is lost.
    expect(payloadOf(form).conditions![0]!.values).to.deep.equal(['refund', 'money back']);
    expect(payloadOf(form).actions![0]!.action_params).to.deep.equal(['billing', 'refund']);
    expect(rowErrors([
      { path: 'conditions.0.filter_operator', message: 'must be one of equal_to' },
      { path: 'conditions.0.values', message: 'must hold at least one value' },
      { path: 'name', message: 'is required' },
    ])).to.deep.equal({ 'conditions.0': 'must be one of equal_to; must hold at least one value', name: 'is required' });
  });
});
