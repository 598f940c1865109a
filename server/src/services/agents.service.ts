import { Op, type Sequelize, type Transaction } from 'sequelize';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { AccountUser, Conversation, Inbox, InboxMember, User } from '../models/index.js';
import { AVAILABILITIES, ROLES } from '../models/account-user.model.js';
import type { AccountScope } from './account-scope.js';
import { emailAddress, looseBoolean, parse } from '../lib/validation.js';
import type { TransactionalMail } from '../mailers/transactional-mail.js';

const role = z.enum(ROLES, { message: 'must be administrator or agent' });
const availability = z.enum(AVAILABILITIES, { message: 'must be online, busy or offline' });

const agentCreate = z.object({
  name: z.string().trim().min(1, 'is required').max(255),
  email: emailAddress,
  role,
  availability_status: availability.optional(),
  auto_offline: looseBoolean.optional(),
});

/** Chatwoot sends `availability`; its agent payload calls the same thing `availability_status`, so both are accepted. */
const agentUpdate = z.object({
  name: z.string().trim().min(1, 'is required').max(255).optional(),
  role: role.optional(),
  availability: availability.optional(),
  availability_status: availability.optional(),
  auto_offline: looseBoolean.optional(),
});

/** An account membership with its user loaded: what `serializeAgent` renders. */
export type Agent = AccountUser & { user: User };

/** The account's agents among `userIds` (inbox or team members), by name: the rows `serializeAgent` renders. */
export async function agentsAmong(accountId: number, userIds: number[]): Promise<Agent[]> {
  if (!userIds.length) return [];
  const rows = await AccountUser.findAll({
    where: { account_id: accountId, user_id: { [Op.in]: userIds } },
    include: [{ model: User, as: 'user', required: true }],
    order: [[{ model: User, as: 'user' }, 'name', 'ASC'], ['user_id', 'ASC']],
  });
  return rows as Agent[];
}

export interface AgentServiceDeps {
  sequelize: Sequelize;
  mail: TransactionalMail;
}

/** The account's agents (Chatwoot's `/agents`): memberships of users in one account. */
export class AgentService {
  constructor(private readonly deps: AgentServiceDeps) {}

  async list(scope: AccountScope): Promise<Agent[]> {
    const rows = await AccountUser.findAll({
      where: { account_id: scope.account.id },
      include: [{ model: User, as: 'user', required: true }],
      order: [[{ model: User, as: 'user' }, 'name', 'ASC'], ['user_id', 'ASC']],
    });
    return rows as Agent[];
  }

  async find(scope: AccountScope, userId: number, transaction?: Transaction): Promise<Agent> {
    const row = await AccountUser.findOne({
      where: { account_id: scope.account.id, user_id: userId },
      include: [{ model: User, as: 'user', required: true }],
      transaction,
    });
    if (!row) throw new NotFoundError('Agent');
    return row as Agent;
  }

  /**
   * Invites an agent by email. A new email creates a user with no password (they set one through the
   * invitation link) and unconfirmed until then. An existing user is not added behind their back:
   * their membership waits for them to accept, under the name the administrator typed, so the answer
   * has the same shape and content whether or not the email was known. The invitation email is
   * queued once the membership is committed.
   */
  async create(scope: AccountScope, body: Record<string, unknown>): Promise<Agent> {
    const attrs = parse(agentCreate, body);
    const userId = await this.deps.sequelize.transaction(async (transaction) => {
      let user = await User.findOne({ where: { email: attrs.email }, transaction });
      if (user && (await AccountUser.findOne({ where: { account_id: scope.account.id, user_id: user.id }, transaction }))) {
        throw ValidationError.field('email', 'is already an agent of this account');
      }
      const existing = !!user;
      user ??= await User.create({ name: attrs.name, email: attrs.email, password_digest: null, confirmed_at: null }, { transaction });
      await AccountUser.create(
        {
          account_id: scope.account.id,
          user_id: user.id,
          role: attrs.role,
          inviter_id: scope.user.id,
          invitation_status: 'pending',
          invitation_pending: existing,
          invited_name: existing ? attrs.name : null,
          ...(attrs.availability_status ? { availability: attrs.availability_status } : {}),
          ...(attrs.auto_offline !== undefined ? { auto_offline: attrs.auto_offline } : {}),
        },
        { transaction },
      );
      return user.id;
    }).catch((err: Error) => {
      // Two requests adding the same email at once: the unique indexes decide, the loser gets a 422.
      if (err.name === 'SequelizeUniqueConstraintError') throw ValidationError.field('email', 'is already an agent of this account');
      throw err;
    });
    await this.deps.mail.enqueue({ kind: 'agent_invitation', userId, accountId: scope.account.id, inviterId: scope.user.id });
    return this.find(scope, userId);
  }

  /**
   * Sends the invitation again with a fresh link; the old link stops working now, not when the new
   * email goes out. Only while the agent has not accepted.
   */
  async resendInvitation(scope: AccountScope, userId: number): Promise<Agent> {
    const agent = await this.find(scope, userId);
    if (agent.user.password_digest && !agent.invitation_pending) throw ValidationError.field('id', 'has already accepted the invitation');
    await this.deps.mail.tokens.revoke(userId, 'invitation');
    await agent.update({ invitation_status: 'pending', invitation_error: null });
    await this.deps.mail.enqueue({ kind: 'agent_invitation', userId, accountId: scope.account.id, inviterId: scope.user.id });
    return this.find(scope, userId);
  }

  async update(scope: AccountScope, userId: number, body: Record<string, unknown>): Promise<Agent> {
    const { name, availability_status, availability: availabilityParam, ...membership } = parse(agentUpdate, body);
    const availabilityValue = availabilityParam ?? availability_status;
    await this.deps.sequelize.transaction(async (transaction) => {
      const agent = await this.find(scope, userId, transaction);
      if (membership.role === 'agent' && agent.role === 'administrator' && (await this.isLastAdministrator(agent, transaction))) {
        throw ValidationError.field('role', 'cannot be changed: this is the last administrator of the account');
      }
      await agent.update(
        { ...Object.fromEntries(Object.entries(membership).filter(([, v]) => v !== undefined)), ...(availabilityValue ? { availability: availabilityValue } : {}) },
        { transaction },
      );
      if (name) await this.rename(agent, name, transaction);
    });
    return this.find(scope, userId);
  }

  /**
   * A name is the user's, shown in every account they belong to: an account may rename only a user
   * who belongs to it alone. A pending invitation's name is the account's own, so it may change.
   */
  private async rename(agent: Agent, name: string, transaction: Transaction): Promise<void> {
    if (agent.invitation_pending) {
      await agent.update({ invited_name: name }, { transaction });
      return;
    }
    const elsewhere = await AccountUser.count({ where: { user_id: agent.user_id, account_id: { [Op.ne]: agent.account_id }, invitation_pending: false }, transaction });
    if (elsewhere) throw ValidationError.field('name', 'cannot be changed here: this user also belongs to other accounts and changes their name on their profile');
    await agent.user.update({ name }, { transaction });
  }

  /** Removes the membership, the user's inbox memberships in this account and their assignments here. */
  async destroy(scope: AccountScope, userId: number): Promise<void> {
    await this.deps.sequelize.transaction(async (transaction) => {
      const agent = await this.find(scope, userId, transaction);
      if (agent.role === 'administrator' && (await this.isLastAdministrator(agent, transaction))) {
        throw ValidationError.field('id', 'is the last administrator of the account and cannot be removed');
      }
      const inboxIds = (await Inbox.findAll({ where: { account_id: scope.account.id }, attributes: ['id'], transaction })).map((i) => i.id);
      if (inboxIds.length) await InboxMember.destroy({ where: { user_id: userId, inbox_id: { [Op.in]: inboxIds } }, transaction });
      await Conversation.update({ assignee_id: null }, { where: { account_id: scope.account.id, assignee_id: userId }, transaction });
      await agent.destroy({ transaction });
    });
  }

  /**
   * Locks the account's administrator rows, so two concurrent demotions or removals cannot both see
   * "another administrator remains" and leave the account with none.
   */
  private async isLastAdministrator(agent: AccountUser, transaction: Transaction): Promise<boolean> {
    const admins = await AccountUser.findAll({
      where: { account_id: agent.account_id, role: 'administrator' },
      attributes: ['id'],
      lock: transaction.LOCK.UPDATE,
      transaction,
    });
    return !admins.some((a) => a.id !== agent.id);
  }
}
