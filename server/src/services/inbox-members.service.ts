import { Op, type Sequelize } from 'sequelize';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { AccountUser, Inbox, InboxMember } from '../models/index.js';
import type { AccountScope } from './account-scope.js';
import { idParam, parse } from '../lib/validation.js';
import { agentsAmong, type Agent } from './agents.service.js';

const userIds = z.array(z.coerce.number().int().positive('must be user ids'), { message: 'must be a list of user ids' }).max(1000);
const membersParams = z.object({
  inbox_id: z.coerce.number({ message: 'must be an inbox id' }).int().positive('must be an inbox id'),
  user_ids: userIds,
});
const nonEmpty = membersParams.extend({ user_ids: userIds.min(1, 'must list at least one user') });

export interface InboxMemberServiceDeps {
  sequelize: Sequelize;
}

/** Which agents work an inbox (Chatwoot's `/inbox_members`). Members are always agents of the inbox's account. */
export class InboxMemberService {
  constructor(private readonly deps: InboxMemberServiceDeps) {}

  /** Administrators see any inbox's members; agents only those of inboxes they belong to (else 404). */
  async list(scope: AccountScope, inboxIdValue: unknown): Promise<Agent[]> {
    const inbox = await this.findInbox(scope, idParam(inboxIdValue, 'Inbox'));
    if (!scope.isAdministrator && !(await InboxMember.findOne({ where: { inbox_id: inbox.id, user_id: scope.user.id } }))) {
      throw new NotFoundError('Inbox');
    }
    return this.members(scope, inbox.id);
  }

  async add(scope: AccountScope, body: Record<string, unknown>): Promise<Agent[]> {
    const { inbox, ids } = await this.input(scope, body, nonEmpty);
    await InboxMember.bulkCreate(ids.map((user_id) => ({ inbox_id: inbox.id, user_id })), { ignoreDuplicates: true });
    return this.members(scope, inbox.id);
  }

  /** Makes the member list exactly `user_ids` (an empty list removes everyone). */
  async replace(scope: AccountScope, body: Record<string, unknown>): Promise<Agent[]> {
    const { inbox, ids } = await this.input(scope, body, membersParams);
    await this.deps.sequelize.transaction(async (transaction) => {
      await InboxMember.destroy({ where: { inbox_id: inbox.id, ...(ids.length ? { user_id: { [Op.notIn]: ids } } : {}) }, transaction });
      await InboxMember.bulkCreate(ids.map((user_id) => ({ inbox_id: inbox.id, user_id })), { ignoreDuplicates: true, transaction });
    });
    return this.members(scope, inbox.id);
  }

  async remove(scope: AccountScope, body: Record<string, unknown>): Promise<Agent[]> {
    const { inbox, ids } = await this.input(scope, body, nonEmpty);
    await InboxMember.destroy({ where: { inbox_id: inbox.id, user_id: { [Op.in]: ids } } });
    return this.members(scope, inbox.id);
  }

  private async input(scope: AccountScope, body: Record<string, unknown>, schema: typeof membersParams) {
    const { inbox_id, user_ids } = parse(schema, body);
    const inbox = await this.findInbox(scope, inbox_id);
    const ids = [...new Set(user_ids)];
    const members = await AccountUser.findAll({ where: { account_id: scope.account.id, user_id: { [Op.in]: ids }, invitation_pending: false }, attributes: ['user_id'] });
    const known = new Set(members.map((m) => Number(m.user_id)));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw ValidationError.field('user_ids', `must be agents of this account (not: ${unknown.join(', ')})`);
    return { inbox, ids };
  }

  private async findInbox(scope: AccountScope, id: number): Promise<Inbox> {
    const inbox = await Inbox.findOne({ where: { id, account_id: scope.account.id }, attributes: ['id', 'account_id'] });
    if (!inbox) throw new NotFoundError('Inbox');
    return inbox;
  }

  /** The inbox's members that are still agents of the account, as agent payload rows. */
  private async members(scope: AccountScope, inboxId: number): Promise<Agent[]> {
    const ids = (await InboxMember.findAll({ where: { inbox_id: inboxId }, attributes: ['user_id'] })).map((m) => m.user_id);
    return agentsAmong(scope.account.id, ids);
  }
}
