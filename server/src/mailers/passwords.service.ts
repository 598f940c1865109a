import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { sha256 } from '../lib/crypto.js';
import { ValidationError } from '../lib/errors.js';
import { AccountUser, User } from '../models/index.js';
import type { RealtimeHub } from '../realtime/realtime-hub.js';
import { emailAddress, parse } from '../lib/validation.js';
import { hashPassword, passwordRule } from '../services/users.service.js';
import type { TransactionalMail } from './transactional-mail.js';

const resetRequest = z.object({ email: emailAddress });
const resetParams = z.object({
  reset_password_token: z.string({ message: 'is required' }).min(1, 'is required').max(256),
  password: passwordRule,
  password_confirmation: z.string({ message: 'is required' }),
});

export interface PasswordServiceDeps {
  sequelize: Sequelize;
  mail: TransactionalMail;
  redis: Redis;
  /** REDIS_PREFIX: the per-address throttle lives under `<prefix>:password_reset:`. */
  prefix: string;
  streams: Pick<RealtimeHub, 'endSessionsBefore'>;
}

/** One reset email per address per minute, however often the form is sent. */
const RESET_THROTTLE_SECONDS = 60;

/** Password reset and invitation acceptance, both through a single-use emailed token. */
export class PasswordService {
  constructor(private readonly deps: PasswordServiceDeps) {}

  /**
   * Queues a reset email for the address. The job looks the user up, so the request does the same
   * work, in the same time, whether or not the account exists; the throttle is keyed by the address
   * too, so it answers alike for both.
   */
  async requestReset(body: Record<string, unknown>): Promise<void> {
    const { email } = parse(resetRequest, body);
    const address = email.trim().toLowerCase();
    const key = `${this.deps.prefix}:password_reset:${sha256(address)}`;
    const first = await this.deps.redis.set(key, '1', 'EX', RESET_THROTTLE_SECONDS, 'NX');
    if (first) await this.deps.mail.enqueue({ kind: 'password_reset', email: address });
  }

  /**
   * Sets the password of the token's user and uses the token up; an invited agent is confirmed by it
   * and, having proved the address is theirs, joins the accounts that invited them. Every session
   * signed in before ends. Returns the user's email, for the sign-in form that follows.
   */
  async reset(body: Record<string, unknown>): Promise<string> {
    const params = parse(resetParams, body);
    if (params.password !== params.password_confirmation) throw ValidationError.field('password_confirmation', 'does not match the password');
    const digest = await hashPassword(params.password);
    const user = await this.deps.sequelize.transaction(async (transaction) => {
      const used = await this.deps.mail.tokens.consume(params.reset_password_token, transaction);
      if (!used) throw ValidationError.field('reset_password_token', 'is invalid or has expired; ask for a new link');
      const user = await User.findByPk(used.userId, { transaction, lock: transaction.LOCK.UPDATE });
      if (!user) throw ValidationError.field('reset_password_token', 'is invalid or has expired; ask for a new link');
      await user.update({ password_digest: digest, confirmed_at: user.confirmed_at ?? new Date(), session_epoch: user.session_epoch + 1 }, { transaction });
      if (used.purpose === 'invitation') {
        await AccountUser.update({ invitation_pending: false, invited_name: null }, { where: { user_id: user.id, invitation_pending: true }, transaction });
      }
      return user;
    });
    await this.deps.streams.endSessionsBefore(user.id, user.session_epoch);
    return user.email;
  }
}
