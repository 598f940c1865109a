import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { ValidationError } from '../lib/errors.js';
import { parse } from '../lib/validation.js';

/** Chatwoot's filter operators (its advanced filters for conversations and contacts). */
const OPERATORS = ['equal_to', 'not_equal_to', 'contains', 'does_not_contain', 'is_present', 'is_not_present', 'is_greater_than', 'is_less_than'] as const;

export const filterCondition = z.object({
  attribute_key: z.string({ message: 'is required' }).trim().min(1, 'is required').max(100),
  filter_operator: z.enum(OPERATORS, { message: `must be one of ${OPERATORS.join(', ')}` }),
  values: z.union([z.array(z.union([z.string(), z.number(), z.boolean()])), z.string(), z.number()]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)])),
  query_operator: z.string().trim().toUpperCase().pipe(z.enum(['AND', 'OR'], { message: 'must be AND or OR' })).nullable().optional(),
});
export const filterBody = z.object({ payload: z.array(filterCondition, { message: 'must be a list of conditions' }).min(1, 'must hold at least one condition').max(20) });

export type FilterOperator = (typeof OPERATORS)[number];
export type FilterCondition = z.infer<typeof filterCondition>;

/**
 * A filterable attribute: its SQL expression (on the table's alias) and how it compares: as text, a
 * number, a date, or a list of text (labels: `equal_to` is "has any of the values").
 */
export interface FilterColumn {
  sql: string;
  kind: 'text' | 'number' | 'date' | 'list';
}

/**
 * Turns Chatwoot's filter payload into one SQL condition (a string, for raw queries and `literal`). Conditions chain left to right with each
 * one's `query_operator` (`a AND b OR c` is `(a AND b) OR c`), as Chatwoot's filter service reads
 * them. Keys that are not columns are custom attributes (`custom_attributes->>key`). Values are
 * escaped by the database driver's escaping, never interpolated raw.
 */
export function buildFilter(sequelize: Sequelize, body: unknown, columns: Record<string, FilterColumn>, customAttributesSql: string): string {
  const { payload } = parse(filterBody, body);
  return conditionsSql(sequelize, payload, (key) => columns[key] ?? { sql: `(${customAttributesSql} ->> ${sequelize.escape(key)})`, kind: 'text' }, 'payload');
}

/** Parsed conditions chained into one SQL condition; `path` names the list in validation errors. */
export function conditionsSql(sequelize: Sequelize, conditions: FilterCondition[], columnOf: (key: string) => FilterColumn, path: string): string {
  let sql = '';
  conditions.forEach((c, i) => {
    const clause = conditionSql(sequelize, columnOf(c.attribute_key), c.filter_operator, c.values, `${path}.${i}`);
    sql = i === 0 ? clause : `(${sql} ${conditions[i - 1]!.query_operator ?? 'AND'} ${clause})`;
  });
  return sql;
}

function conditionSql(sequelize: Sequelize, column: FilterColumn, op: FilterOperator, values: string[], path: string): string {
  const e = (v: string) => sequelize.escape(v);
  const needValues = () => {
    if (!values.length) throw ValidationError.field(`${path}.values`, 'must hold at least one value');
  };
  if (column.kind === 'list') return listConditionSql(column.sql, op, values.map(e), needValues, path);
  const text = column.kind === 'text' ? column.sql : `(${column.sql})::text`;
  switch (op) {
    case 'equal_to':
      needValues();
      return `(${text} IN (${values.map(e).join(', ')}))`;
    case 'not_equal_to':
      needValues();
      return `(${text} IS NULL OR ${text} NOT IN (${values.map(e).join(', ')}))`;
    case 'contains':
      needValues();
      return `(${values.map((v) => `${text} ILIKE ${e(`%${v.replace(/[\\%_]/g, '\\$&')}%`)}`).join(' OR ')})`;
    case 'does_not_contain':
      needValues();
      return `(${text} IS NULL OR NOT (${values.map((v) => `${text} ILIKE ${e(`%${v.replace(/[\\%_]/g, '\\$&')}%`)}`).join(' OR ')}))`;
    case 'is_present':
      return `(${text} IS NOT NULL AND ${text} <> '')`;
    case 'is_not_present':
      return `(${text} IS NULL OR ${text} = '')`;
    case 'is_greater_than':
    case 'is_less_than': {
      needValues();
      const cmp = op === 'is_greater_than' ? '>' : '<';
      if (column.kind === 'text') throw ValidationError.field(`${path}.filter_operator`, 'compares numbers and dates only');
      const value = values[0]!;
      if (column.kind === 'number' ? !Number.isFinite(Number(value)) : Number.isNaN(new Date(value).getTime())) {
        throw ValidationError.field(`${path}.values`, column.kind === 'number' ? 'must be a number' : 'must be a date');
      }
      return column.kind === 'number' ? `(${column.sql} ${cmp} ${Number(value)})` : `(${column.sql} ${cmp} ${e(new Date(value).toISOString())}::timestamptz)`;
    }
  }
}

/** A list column (labels): "is" / "is not" one of the values, or whether it holds any at all. */
function listConditionSql(sql: string, op: FilterOperator, escaped: string[], needValues: () => void, path: string): string {
  const list = `coalesce((${sql})::text[], ARRAY[]::text[])`;
  switch (op) {
    case 'equal_to':
      needValues();
      return `(${list} && ARRAY[${escaped.join(', ')}]::text[])`;
    case 'not_equal_to':
      needValues();
      return `(NOT (${list} && ARRAY[${escaped.join(', ')}]::text[]))`;
    case 'is_present':
      return `(cardinality(${list}) > 0)`;
    case 'is_not_present':
      return `(cardinality(${list}) = 0)`;
    default:
      throw ValidationError.field(`${path}.filter_operator`, 'must be equal_to, not_equal_to, is_present or is_not_present for a list');
  }
}
