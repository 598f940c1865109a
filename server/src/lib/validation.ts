import { z } from 'zod';
import { NotFoundError, ValidationError } from './errors.js';

/** Parses input with a zod schema; every problem becomes a 422 field error named by its path. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => ({
      path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)',
      message: i.message,
    })),
  );
}

/** A numeric path id; anything else is a 404 (as if the record did not exist). */
export function idParam(value: unknown, resource: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new NotFoundError(resource);
  return n;
}

export const pageParam = z.coerce.number().int().min(1).max(100_000).default(1);

/** Email address check shared by contacts, agents and channels. */
export const emailAddress = z.string().trim().toLowerCase().pipe(z.email({ message: 'is not a valid email address' }));

/** Accepts Rails-style booleans that Chatwoot clients send (`true`, `"true"`, `1`, `"1"`). */
export const looseBoolean = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'), z.literal(1).transform(() => true), z.literal(0).transform(() => false)]);

/** A positive integer id in a body or query (`"12"` is accepted, as Rails clients send it). */
export const recordId = z.unknown().transform((v, ctx) => {
  if (v === undefined || v === null || v === '') {
    ctx.addIssue({ code: 'custom', message: 'is required' });
    return z.NEVER;
  }
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a positive integer id' });
    return z.NEVER;
  }
  return n;
});

export const attributesHash = z.record(z.string(), z.unknown(), { message: 'must be an object' });

/** An optional id where a blank string means "not given", as Rails reads `inbox_id=""`. */
export const optionalRecordId = z.preprocess((v) => (v === '' ? undefined : v), recordId.optional());
/** An optional id that may be cleared with `null`; a blank string means "not given". */
export const nullableRecordId = z.preprocess((v) => (v === '' ? undefined : v), recordId.nullable().optional());

/** An http(s) URL a server will call (a webhook's, a bot's); whether its address is allowed is the caller's check. */
export const httpUrl = z
  .string({ message: 'is required' })
  .trim()
  .max(2048)
  .refine((v) => {
    try {
      return ['http:', 'https:'].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');
