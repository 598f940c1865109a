import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { ValidationError } from '../lib/errors.js';
import { parse } from '../lib/validation.js';

/** Chatwoot's filter operators (its advanced filters for conversations and contacts). */
const OPERATORS = ['equal_to', 'not_equal_to', 'contains', 'does_not_contain', 'is_present', 'is_not_present', 'is_greater_than', 'is_less_than'] as const;

const condition = z.object({
  attribute_key: z.string({ message: 'is required' }).trim().min(1, 'is required').max(100),
  filter_operator: z.enum(OPERATORS, { message: `must be one of ${OPERATORS.join(', ')}` }),
  values: z.union([z.array(z.union([z.string(), z.number(), z.boolean()])), z.string(), z.number()]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)])),
  query_operator: z.string().trim().toUpperCase().pipe(z.enum(['AND', 'OR'], { message: 'must be AND or OR' })).nullable().optional(),
});
export const filterBody = z.object({ payload: z.array(condition, { message: 'must be a list of conditions' }).min(1, 'must hold at least one condition').max(20) });

/** A filterable attribute: its SQL expression (on the table's alias) and whether it compares as text. */
export interface FilterColumn {
  sql: string;
  kind: 'text' | 'number' | 'date';
}

/**
 * Turns Chatwoot's filter payload into one SQL condition (a string, for raw queries and `literal`). Conditions chain left to right with each
 * one's `query_operator` (`a AND b OR c` is `(a AND b) OR c`), as Chatwoot's filter service reads
 * them. Keys that are not columns are custom attributes (`custom_attributes->>key`). Values are
 * escaped by the database driver's escaping, never interpolated raw.
 */
export function buildFilter(sequelize: Sequelize, body: unknown, columns: Record<string, FilterColumn>, customAttributesSql: string): string {
  const { payload } = parse(filterBody, body);
  let sql = '';
  payload.forEach((c, i) => {
    const column = columns[c.attribute_key] ?? { sql: `(${customAttributesSql} ->> ${sequelize.escape(c.attribute_key)})`, kind: 'text' as const };
    const clause = conditionSql(sequelize, column, c.filter_operator, c.values, `payload.${i}`);
    sql = i === 0 ? clause : `(${sql} ${payload[i - 1]!.query_operator ?? 'AND'} ${clause})`;
  });
  return sql;
}

function conditionSql(sequelize: Sequelize, column: FilterColumn, op: (typeof OPERATORS)[number], values: string[], path: string): string {
  const e = (v: string) => sequelize.escape(v);
  const needValues = () => {
    if (!values.length) throw ValidationError.field(`${path}.values`, 'must hold at least one value');
  };
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
