import type { AutomationAction, AutomationCondition, AutomationEvent, AutomationRule, AutomationRuleInput } from '../../api/automation-rules.js';

/** Where a condition's or action's values come from: a fixed list, the account's records, or free text. */
export type ValueSource = 'statuses' | 'priorities' | 'message_types' | 'agents' | 'teams' | 'inboxes' | 'labels' | 'text' | 'none';

interface ConditionKey {
  key: string;
  operators: string[];
  source: ValueSource;
  /** Only for message_created: reads the message that started the rule. */
  message?: boolean;
}

const IS = ['equal_to', 'not_equal_to'];
const PRESENCE = ['is_present', 'is_not_present'];
const TEXT = [...IS, 'contains', 'does_not_contain'];
/** What the server allows on a custom attribute. */
export const CUSTOM_OPERATORS = [...TEXT, ...PRESENCE];

/** The condition keys the server accepts, with their operators (the server's catalog, for the pickers). */
export const CONDITION_KEYS: ConditionKey[] = [
  { key: 'status', operators: IS, source: 'statuses' },
  { key: 'priority', operators: [...IS, ...PRESENCE], source: 'priorities' },
  { key: 'assignee_id', operators: [...IS, ...PRESENCE], source: 'agents' },
  { key: 'team_id', operators: [...IS, ...PRESENCE], source: 'teams' },
  { key: 'inbox_id', operators: IS, source: 'inboxes' },
  { key: 'labels', operators: [...IS, ...PRESENCE], source: 'labels' },
  { key: 'mail_subject', operators: [...TEXT, ...PRESENCE], source: 'text' },
  { key: 'email', operators: [...TEXT, ...PRESENCE], source: 'text' },
  { key: 'phone_number', operators: [...TEXT, ...PRESENCE], source: 'text' },
  { key: 'content', operators: TEXT, source: 'text', message: true },
  { key: 'message_type', operators: IS, source: 'message_types', message: true },
  { key: 'email_to', operators: ['contains', 'does_not_contain'], source: 'text', message: true },
];

/** The actions, with what their parameter is picked from. */
export const ACTION_KINDS: { name: string; source: ValueSource }[] = [
  { name: 'assign_agent', source: 'agents' },
  { name: 'assign_team', source: 'teams' },
  { name: 'remove_assigned_agent', source: 'none' },
  { name: 'remove_assigned_team', source: 'none' },
  { name: 'add_label', source: 'labels' },
  { name: 'remove_label', source: 'labels' },
  { name: 'change_status', source: 'statuses' },
  { name: 'resolve_conversation', source: 'none' },
  { name: 'open_conversation', source: 'none' },
  { name: 'snooze_conversation', source: 'none' },
  { name: 'pending_conversation', source: 'none' },
  { name: 'change_priority', source: 'priorities' },
  { name: 'mute_conversation', source: 'none' },
  { name: 'send_message', source: 'text' },
  { name: 'add_private_note', source: 'text' },
  { name: 'send_email_to_team', source: 'teams' },
  { name: 'send_email_transcript', source: 'text' },
  { name: 'send_webhook_event', source: 'text' },
];

export const conditionKey = (key: string) => CONDITION_KEYS.find((c) => c.key === key);
export const actionKind = (name: string) => ACTION_KINDS.find((a) => a.name === name);
/** Operators that compare with nothing: no value box. */
export const needsValue = (operator: string) => !PRESENCE.includes(operator);
/** Message conditions mean something only when a message started the rule. */
export const keysFor = (event: AutomationEvent) => CONDITION_KEYS.filter((c) => !c.message || event === 'message_created');

/** One editable condition row: its value as the form holds it (a single picked value or typed text). */
export interface ConditionRow {
  attribute_key: string;
  filter_operator: string;
  value: string;
  /** Values after the first (a rule made through the API may list several): kept as they are. */
  more: string[];
  query_operator: 'AND' | 'OR';
}

export interface ActionRow {
  action_name: string;
  value: string;
  /** send_email_to_team's text (its value is the team). */
  message: string;
  /** Parameters after the first (several labels, say), kept as they are. */
  more: unknown[];
}

export interface RuleForm {
  name: string;
  description: string;
  event_name: AutomationEvent;
  conditions: ConditionRow[];
  actions: ActionRow[];
}

export const blankCondition = (): ConditionRow => ({ attribute_key: 'status', filter_operator: 'equal_to', value: 'open', more: [], query_operator: 'AND' });
export const blankAction = (): ActionRow => ({ action_name: 'add_label', value: '', message: '', more: [] });

export function emptyForm(): RuleForm {
  return { name: '', description: '', event_name: 'conversation_created', conditions: [], actions: [blankAction()] };
}

/** A saved rule as form rows: each row edits its first value and keeps the others. */
export function formOf(rule: AutomationRule): RuleForm {
  return {
    name: rule.name,
    description: rule.description ?? '',
    event_name: rule.event_name,
    conditions: rule.conditions.map((c) => ({
      attribute_key: c.attribute_key, filter_operator: c.filter_operator, value: String(c.values[0] ?? ''), more: c.values.slice(1).map(String), query_operator: c.query_operator ?? 'AND',
    })),
    actions: rule.actions.map((a) => {
      const first = a.action_params[0];
      if (a.action_name === 'send_email_to_team') {
        const { team_ids: teams, message } = (first ?? {}) as { team_ids?: number[]; message?: string };
        return { action_name: a.action_name, value: String(teams?.[0] ?? ''), message: message ?? '', more: [] };
      }
      return { action_name: a.action_name, value: first === undefined ? '' : String(first), message: '', more: a.action_params.slice(1) };
    }),
  };
}

/**
 * The API body: each row's value first in its list, then the values it kept (none for operators and
 * actions that take none), the last condition without a query operator, as Chatwoot's dashboard sends them.
 */
export function payloadOf(form: RuleForm): AutomationRuleInput {
  const conditions: AutomationCondition[] = form.conditions.map((c, i) => ({
    attribute_key: c.attribute_key,
    filter_operator: c.filter_operator,
    values: needsValue(c.filter_operator) ? [c.value.trim(), ...c.more] : [],
    query_operator: i === form.conditions.length - 1 ? null : c.query_operator,
  }));
  const actions: AutomationAction[] = form.actions.map((a) => ({
    action_name: a.action_name,
    action_params:
      a.action_name === 'send_email_to_team' ? [{ team_ids: [Number(a.value)], message: a.message.trim() }]
        : actionKind(a.action_name)?.source === 'none' ? [] : [a.value.trim(), ...a.more],
  }));
  return { name: form.name.trim(), description: form.description.trim() || null, event_name: form.event_name, conditions, actions };
}

/** A server field error (`conditions.1.filter_operator`) by row, so each row shows its own problem. */
export function rowErrors(fields: { path: string; message: string }[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const f of fields) {
    const row = /^(conditions|actions)\.(\d+)/.exec(f.path);
    const key = row ? `${row[1]}.${row[2]}` : f.path;
    found[key] = found[key] ? `${found[key]}; ${f.message}` : f.message;
  }
  return found;
}
