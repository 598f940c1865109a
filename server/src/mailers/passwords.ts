import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { ValidationError } from '../lib/errors.js';
import { User } from '../models/index.js';
import { emailAddress, parse } from '../api/validate.js';
import { hashPassword, passwordRule } from '../services/users.js';
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
}

/** Password reset and invitation acceptance, both through a single-use emailed token. */
export class PasswordService {
  constructor(private readonly deps: PasswordServiceDeps) {}

  /**
   * Queues a reset email for the address. The job looks the user up, so the request does the same
   * work, in the same time, whether or not the account exists.
   */
  async requestReset(body: Record<string, unknown>): Promise<void> {
    const { email } = parse(resetRequest, body);
    await this.deps.mail.enqueue({ kind: 'password_reset', email });
  }

  /** Sets the password of the token's user and uses the token up; an invited agent is confirmed by it. */
  async reset(body: Record<string, unknown>): Promise<void> {
    const params = parse(resetParams, body);
    if (params.password !== params.password_confirmation) throw ValidationError.field('password_confirmation', 'does not match the password');
    const digest = await hashPassword(params.password);
    await this.deps.sequelize.transaction(async (transaction) => {
      const used = await this.deps.mail.tokens.consume(params.reset_password_token, transaction);
      if (!used) throw ValidationError.field('reset_password_token', 'is invalid or has expired; ask for a new link');
      const user = await User.findByPk(used.userId, { transaction, lock: transaction.LOCK.UPDATE });
      if (!user) throw ValidationError.field('reset_password_token', 'is invalid or has expired; ask for a new link');
      await user.update({ password_digest: digest, confirmed_at: user.confirmed_at ?? new Date() }, { transaction });
    });
  }
}
