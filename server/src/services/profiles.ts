import { z } from 'zod';
import { ValidationError } from '../lib/errors.js';
import { Account, AccountUser, type User } from '../models/index.js';
import { emailAddress, parse } from '../api/validate.js';
import { serializeProfile } from '../api/serializers/user.js';
import type { AccessTokenService } from './access-tokens.js';
import { findUserByEmail, hashPassword, passwordRule, verifyPassword } from './users.js';

const profileUpdate = z.object({
  name: z.string().trim().min(1, 'is required').max(255).optional(),
  display_name: z.string().trim().max(255).nullable().optional(),
  email: emailAddress.optional(),
  message_signature: z.string().max(10_000).nullable().optional(),
  ui_settings: z.record(z.string(), z.unknown()).optional(),
  current_password: z.string().optional(),
  password: passwordRule.optional(),
  password_confirmation: z.string().optional(),
});

export class ProfileService {
  constructor(private readonly tokens: AccessTokenService) {}

  async show(user: User) {
    const memberships = await AccountUser.findAll({
      where: { user_id: user.id },
      include: [{ model: Account, as: 'account' }],
      order: [['account_id', 'ASC']],
    });
    return serializeProfile(user, await this.tokens.tokenFor(user), memberships as never);
  }

  /** Accepts Chatwoot's `{ profile: {...} }` and a flat body alike. */
  async update(user: User, body: Record<string, unknown>) {
    const input = (body.profile && typeof body.profile === 'object' ? body.profile : body) as Record<string, unknown>;
    const attrs = parse(profileUpdate, input, body.profile ? 'profile' : '');
    const { password, password_confirmation, current_password, ...rest } = attrs;
    if (rest.email && rest.email !== user.email && (await findUserByEmail(rest.email))) {
      throw ValidationError.field('email', 'has already been taken');
    }
    const changes: Partial<User> = { ...rest } as Partial<User>;
    if (password) {
      if (password !== password_confirmation) throw ValidationError.field('password_confirmation', "doesn't match password");
      if (!current_password || !(await verifyPassword(user, current_password))) throw ValidationError.field('current_password', 'is incorrect');
      changes.password_digest = await hashPassword(password);
    }
    await user.update(changes);
    return this.show(user);
  }
}
