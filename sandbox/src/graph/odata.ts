// The OData query options the product uses: $select, $top, $skip, $orderby and a $filter of
// comparisons joined by "and". Anything else is refused as Graph refuses what it cannot parse.
import { badRequest } from './graph-errors.js';

export type Scalar = string | number | boolean | null;

export interface Comparison {
  path: string;
  op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
  value: Scalar;
}

export function parseSelect(raw: unknown): string[] | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseTop(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid value '${String(raw)}' for $top.`);
  return Math.min(n, max);
}

export function parseSkip(raw: unknown): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid value '${String(raw)}' for $skip.`);
  return n;
}

function literal(token: string): Scalar {
  if (/^'.*'$/.test(token)) return token.slice(1, -1).replace(/''/g, "'");
  if (token === 'true' || token === 'false') return token === 'true';
  if (token === 'null') return null;
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+)?(Z|[+-]\d{2}:\d{2})?$/.test(token)) return token;
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  throw badRequest('Invalid filter clause');
}

export function parseFilter(raw: unknown): Comparison[] {
  if (typeof raw !== 'string' || raw.trim() === '') return [];
  return raw.split(/\s+and\s+/i).map((clause) => {
    const m = clause.trim().match(/^([A-Za-z/]+)\s+(eq|ne|gt|ge|lt|le)\s+(.+)$/i);
    if (!m?.[1] || !m[2] || !m[3]) throw badRequest('Invalid filter clause');
    return { path: m[1], op: m[2].toLowerCase() as Comparison['op'], value: literal(m[3].trim()) };
  });
}

export function parseOrderBy(raw: unknown, allowed: string[]): { path: string; desc: boolean } | null {
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const [path = '', dir = 'asc'] = raw.trim().split(/\s+/);
  const match = allowed.find((a) => a.toLowerCase() === path.toLowerCase());
  if (!match || !['asc', 'desc'].includes(dir.toLowerCase())) throw badRequest(`Could not find a property named '${path}' on type 'microsoft.graph.message'.`, 'BadRequest');
  return { path: match, desc: dir.toLowerCase() === 'desc' };
}

function compare(a: Scalar, b: Scalar): number {
  if (typeof a === 'string' && typeof b === 'string' && /^\d{4}-/.test(a) && /^\d{4}-/.test(b)) return Date.parse(a) - Date.parse(b);
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase().localeCompare(b.toLowerCase());
  return Number(a) - Number(b);
}

/** Evaluates comparisons against values looked up by path (e.g. "from/emailAddress/address"). */
export function matches(filter: Comparison[], lookup: (path: string) => Scalar | undefined): boolean {
  return filter.every((c) => {
    const v = lookup(c.path);
    if (v === undefined) throw badRequest(`Could not find a property named '${c.path}' on type 'microsoft.graph.message'.`);
    const d = compare(v, c.value);
    switch (c.op) {
      case 'eq': return v === c.value || (typeof v === 'string' && typeof c.value === 'string' && d === 0);
      case 'ne': return !(v === c.value || (typeof v === 'string' && typeof c.value === 'string' && d === 0));
      case 'gt': return d > 0;
      case 'ge': return d >= 0;
      case 'lt': return d < 0;
      case 'le': return d <= 0;
    }
  });
}

export function pick(obj: Record<string, unknown>, select: string[] | null, always: string[]): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = {};
  for (const key of always) if (key in obj) out[key] = obj[key];
  for (const key of select) {
    const actual = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
    if (actual) out[actual] = obj[actual];
  }
  return out;
}

/** `Prefer: odata.maxpagesize=N` (and other preferences) as Graph reads them. */
export function preferences(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(',')) {
    const [k, ...v] = part.trim().split('=');
    if (k) out.set(k.trim().toLowerCase(), v.join('=').trim().replace(/^"|"$/g, ''));
  }
  return out;
}
