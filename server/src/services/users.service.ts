// The native binding hashes on libuv's thread pool: a burst of sign-ins never blocks the event loop.
import bcrypt from 'bcrypt';
import { z } from 'zod';
import { ConflictError, ValidationError } from '../lib/errors.js';
import { User } from '../models/index.js';
import { emailAddress, parse } from '../lib/validation.js';

const BCRYPT_COST = 11;

export const passwordRule = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters')
  .refine((p) => /[a-z]/.test(p) && /[A-Z]/.test(p) && /\d/.test(p), 'must contain a lower-case letter, an upper-case letter and a digit');

const newUser = z.object({
  name: z.string().trim().min(1, 'is required').max(255),
  display_name: z.string().trim().max(255).optional(),
  email: emailAddress,
  password: passwordRule.optional(),
  custom_attributes: z.record(z.string(), z.unknown()).optional(),
  type: z.enum(['SuperAdmin']).optional(),
});

export async function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

/** A real digest to compare against when there is no user, so timing does not reveal which emails exist. */
let decoyDigest: Promise<string> | undefined;

export async function verifyPassword(user: User | null, password: string): Promise<boolean> {
  decoyDigest ??= bcrypt.hash('decoy-password-never-matches', BCRYPT_COST);
  const matches = await bcrypt.compare(password, user?.password_digest ?? (await decoyDigest));
  return !!user?.password_digest && matches;
}

export function findUserByEmail(email: string): Promise<User | null> {
  return User.findOne({ where: { email: email.trim().toLowerCase() } });
}

/** Creates a user; a taken email is a 422 on `email` (Chatwoot answers the same way). */
export async function createUser(input: unknown): Promise<User> {
  const attrs = parse(newUser, input);
  if (await findUserByEmail(attrs.email)) throw ValidationError.field('email', 'has already been taken');
  try {
    return await User.create({
      name: attrs.name,
      display_name: attrs.display_name ?? null,
      email: attrs.email,
      password_digest: attrs.password ? await hashPassword(attrs.password) : null,
      custom_attributes: attrs.custom_attributes ?? {},
      type: attrs.type ?? null,
      confirmed_at: new Date(),
    });
  } catch (err) {
    if ((err as Error).name === 'SequelizeUniqueConstraintError') throw new ConflictError('A user with this email already exists', [{ path: 'email', message: 'has already been taken' }]);
    throw err;
  }
}
