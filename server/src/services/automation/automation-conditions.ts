import { QueryTypes, type Sequelize } from 'sequelize';
import { ValidationError, type FieldError } from '../../lib/errors.js';
import { CustomAttributeDefinition } from '../../models/index.js';
import type { AutomationCondition } from '../../models/automation-rule.model.js';
import { conditionsSql, type FilterColumn, type FilterCondition, type FilterOperator } from '../filters.js';

const IS: FilterOperator[] = ['equal_to', 'not_equal_to'];
const PRESENCE: FilterOperator[] = ['is_present', 'is_not_present'];
const TEXT: FilterOperator[] = [...IS, 'contains', 'does_not_contain'];

/**
 * What a condition reads: the conversation (`c`), its contact (`ct`) or the message (`m`) of a
 * `message_created` event — for the conversation events, any incoming or outgoing message of the
 * conversation, as Chatwoot's join over the messages reads it.
 */
export interface ConditionAttribute {
  column: FilterColumn;
  operators: FilterOperator[];
  source: 'conversation' | 'contact' | 'message';
}

/**
 * The attribute keys a rule's conditions may use: Chatwoot's automation keys that mean something
 * for an email helpdesk, the same keys and operators as `POST /conversations/filter` reads, and
 * `email_to` (the addresses a customer's email went to, To and Cc: which alias of a shared mailbox).
 * Any key of the account's custom attributes is accepted too.
 */
export const CONDITION_ATTRIBUTES: Record<string, ConditionAttribute> = {
  status: { column: { sql: 'c.status', kind: 'text' }, operators: IS, source: 'conversation' },
  priority: { column: { sql: 'c.priority', kind: 'text' }, operators: [...IS, ...PRESENCE], source: 'conversation' },
  assignee_id: { column: { sql: 'c.assignee_id', kind: 'number' }, operators: [...IS, ...PRESENCE], source: 'conversation' },
  team_id: { column: { sql: 'c.team_id', kind: 'number' }, operators: [...IS, ...PRESENCE], source: 'conversation' },
  inbox_id: { column: { sql: 'c.inbox_id', kind: 'number' }, operators: IS, source: 'conversation' },
  labels: { column: { sql: 'c.label_list', kind: 'list' }, operators: [...IS, ...PRESENCE], source: 'conversation' },
  mail_subject: { column: { sql: `(c.additional_attributes ->> 'mail_subject')`, kind: 'text' }, operators: [...TEXT, ...PRESENCE], source: 'conversation' },
  email: { column: { sql: 'ct.email', kind: 'text' }, operators: [...TEXT, ...PRESENCE], source: 'contact' },
  phone_number: { column: { sql: 'ct.phone_number', kind: 'text' }, operators: [...TEXT, ...PRESENCE], source: 'contact' },
  content: { column: { sql: 'm.content', kind: 'text' }, operators: TEXT, source: 'message' },
  message_type: { column: { sql: 'm.message_type', kind: 'text' }, operators: IS, source: 'message' },
  email_to: {
    column: { sql: `(coalesce(m.content_attributes #> '{email,to}', '[]'::jsonb) || coalesce(m.content_attributes #> '{email,cc}', '[]'::jsonb))::text`, kind: 'text' },
    operators: ['contains', 'does_not_contain'],
    source: 'message',
  },
};

/** Chatwoot stores `message_type` as a number; its clients may send 0 (incoming) or 1 (outgoing). */
const MESSAGE_TYPE_NUMBERS: Record<string, string> = { '0': 'incoming', '1': 'outgoing' };

/** The account's custom attributes as condition attributes (a conversation's before a contact's of the same key). */
async function customAttributes(accountId: number): Promise<Map<string, ConditionAttribute>> {
  const defs = await CustomAttributeDefinition.findAll({ where: { account_id: accountId }, attributes: ['attribute_key', 'attribute_model'], order: [['attribute_model', 'DESC']] });
  const found = new Map<string, ConditionAttribute>();
  for (const d of defs) {
    const table = d.attribute_model === 'conversation_attribute' ? 'c' : 'ct';
    const key = CustomAttributeDefinition.sequelize!.escape(d.attribute_key);
    found.set(d.attribute_key, { column: { sql: `(${table}.custom_attributes ->> ${key})`, kind: 'text' }, operators: [...TEXT, ...PRESENCE], source: table === 'c' ? 'conversation' : 'contact' });
  }
  return found;
}

/**
 * Checks a rule's conditions against the catalog and the account's custom attributes, and that they
 * make SQL (values present where an operator needs them): every problem as a field error under
 * `conditions.<n>`. Returns the conditions as stored (numbered message types as words).
 */
export async function checkConditions(sequelize: Sequelize, accountId: number, conditions: FilterCondition[]): Promise<AutomationCondition[]> {
  const custom = await customAttributes(accountId);
  const problems: FieldError[] = [];
  conditions.forEach((c, i) => {
    const attribute = CONDITION_ATTRIBUTES[c.attribute_key] ?? custom.get(c.attribute_key);
    if (!attribute) problems.push({ path: `conditions.${i}.attribute_key`, message: `"${c.attribute_key}" is not supported (one of ${Object.keys(CONDITION_ATTRIBUTES).join(', ')}, or a custom attribute)` });
    else if (!attribute.operators.includes(c.filter_operator)) problems.push({ path: `conditions.${i}.filter_operator`, message: `must be one of ${attribute.operators.join(', ')} for ${c.attribute_key}` });
  });
  if (conditions.slice(0, -1).some((c) => !c.query_operator)) problems.push({ path: 'conditions', message: 'should have a query operator (AND or OR) on every condition but the last' });
  if (problems.length) throw new ValidationError(problems);
  const stored = conditions.map((c) => ({
    attribute_key: c.attribute_key,
    filter_operator: c.filter_operator,
    values: c.attribute_key === 'message_type' ? c.values.map((v) => MESSAGE_TYPE_NUMBERS[v] ?? v) : c.values,
    query_operator: c.query_operator ?? null,
  }));
  conditionsSql(sequelize, stored, (key) => (CONDITION_ATTRIBUTES[key] ?? custom.get(key))!.column, 'conditions');
  return stored;
}

/**
 * Whether the conversation (and, for `message_created`, the message) matches the rule's conditions
 * now, in one query. No conditions match everything. A condition whose attribute is gone (a custom
 * attribute deleted since) matches nothing.
 */
export async function conditionsMatch(sequelize: Sequelize, accountId: number, conditions: AutomationCondition[], target: { conversationId: number; messageId?: number }): Promise<boolean> {
  if (!conditions.length) return true;
  const custom = conditions.some((c) => !CONDITION_ATTRIBUTES[c.attribute_key]) ? await customAttributes(accountId) : new Map<string, ConditionAttribute>();
  const attributeOf = (key: string) => CONDITION_ATTRIBUTES[key] ?? custom.get(key);
  if (conditions.some((c) => !attributeOf(c.attribute_key))) return false;
  const where = conditionsSql(sequelize, conditions.map((c) => ({ ...c, filter_operator: c.filter_operator as FilterOperator, values: c.values.map(String) })), (key) => attributeOf(key)!.column, 'conditions');
  const readsMessages = conditions.some((c) => attributeOf(c.attribute_key)!.source === 'message');
  const messages = readsMessages
    ? `LEFT JOIN messages m ON m.conversation_id = c.id AND m.message_type IN ('incoming', 'outgoing') ${target.messageId ? 'AND m.id = :messageId' : ''}`
    : '';
  const rows = await sequelize.query(
    `SELECT 1 FROM conversations c LEFT JOIN contacts ct ON ct.id = c.contact_id ${messages}
      WHERE c.id = :conversationId AND c.account_id = :accountId AND ${where} LIMIT 1`,
    { replacements: { conversationId: target.conversationId, messageId: target.messageId ?? null, accountId }, type: QueryTypes.SELECT },
  );
  return rows.length > 0;
}
