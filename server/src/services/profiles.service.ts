import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { Account, AccountUser, type User } from '../models/index.js';
import type { RealtimeHub } from '../realtime/realtime-hub.js';
import { emailAddress, parse } from '../lib/validation.js';
import { serializeProfile } from '../serializers/user.serializer.js';
import type { AccessTokenService } from './access-tokens.service.js';
import { findUserByEmail, hashPassword, passwordRule, verifyPassword } from './users.service.js';

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

const availabilityUpdate = z.object({
  account_id: z.coerce.number({ message: 'must be an account id' }).int().positive('must be an account id'),
  availability: z.enum(['online', 'busy', 'offline'], { message: 'must be online, busy or offline' }),
});

export interface ProfileServiceDeps {
  tokens: AccessTokenService;
  streams: Pick<RealtimeHub, 'endSessionsBefore'>;
}

export class ProfileService {
  constructor(private readonly deps: ProfileServiceDeps) {}

  /** Accounts the user belongs to, and apart from them the invitations they have not accepted yet. */
  async show(user: User) {
    const rows = await AccountUser.findAll({
      where: { user_id: user.id },
      include: [{ model: Account, as: 'account' }],
      order: [['account_id', 'ASC']],
    });
    const [pending, memberships] = [rows.filter((m) => m.invitation_pending), rows.filter((m) => !m.invitation_pending)];
    return serializeProfile(user, await this.deps.tokens.tokenFor(user), memberships as never, pending as never);
  }

  /** The signed-in user takes up an invitation to an account (they were already a LeadChat user). */
  async acceptInvitation(user: User, accountId: number) {
    const [count] = await AccountUser.update({ invitation_pending: false, invited_name: null }, { where: { user_id: user.id, account_id: accountId, invitation_pending: true } });
    if (!count) throw new NotFoundError('Invitation');
    return this.show(user);
  }

  async declineInvitation(user: User, accountId: number) {
    const count = await AccountUser.destroy({ where: { user_id: user.id, account_id: accountId, invitation_pending: true } });
    if (!count) throw new NotFoundError('Invitation');
    return this.show(user);
  }

  /**
   * Chatwoot's `POST /profile/availability`: the agent's own status in one account. Only `online`
   * agents (with a dashboard open) get conversations by automatic assignment.
   */
  async setAvailability(user: User, body: Record<string, unknown>) {
    const nested = body.profile && typeof body.profile === 'object';
    const { account_id, availability } = parse(availabilityUpdate, nested ? body.profile : body, nested ? 'profile' : '');
    const [count] = await AccountUser.update({ availability }, { where: { user_id: user.id, account_id, invitation_pending: false } });
    if (!count) throw new NotFoundError('Account');
    return this.show(user);
  }

  /**
   * Accepts Chatwoot's `{ profile: {...} }` and a flat body alike. A new password raises the user's
   * session epoch, which ends every other session; the caller carries its own session over.
   */
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
      changes.session_epoch = user.session_epoch + 1;
    }
    await user.update(changes);
    if (password) await this.deps.streams.endSessionsBefore(user.id, user.session_epoch);
    return this.show(user);
  }
}
