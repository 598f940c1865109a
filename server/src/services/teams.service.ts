import { Op, type Sequelize } from 'sequelize';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { AccountUser, Team, TeamMember } from '../models/index.js';
import type { AccountScope } from './account-scope.js';
import { looseBoolean, parse } from '../lib/validation.js';
import { agentsAmong, type Agent } from './agents.service.js';

const teamParams = z.object({
  name: z.string({ message: 'is required' }).trim().min(1, 'is required').max(255),
  description: z.string().trim().max(1000).nullable().optional(),
  allow_auto_assign: looseBoolean.optional(),
});
const userIds = z.array(z.coerce.number().int().positive('must be user ids'), { message: 'must be a list of user ids' }).max(1000);
const membersParams = z.object({ user_ids: userIds });
const nonEmpty = z.object({ user_ids: userIds.min(1, 'must list at least one user') });

export interface TeamServiceDeps {
  sequelize: Sequelize;
}

/** Chatwoot's `/teams` and `/teams/:id/team_members`. Members are always agents of the team's account. */
export class TeamService {
  constructor(private readonly deps: TeamServiceDeps) {}

  list(scope: AccountScope): Promise<Team[]> {
    return Team.findAll({ where: { account_id: scope.account.id }, order: [['name', 'ASC'], ['id', 'ASC']] });
  }

  async find(scope: AccountScope, id: number): Promise<Team> {
    const team = await Team.findOne({ where: { id, account_id: scope.account.id } });
    if (!team) throw new NotFoundError('Team');
    return team;
  }

  /** The ids of the teams `userId` is a member of (the `is_member` of Chatwoot's team payload). */
  async memberTeamIds(userId: number): Promise<Set<number>> {
    return new Set((await TeamMember.findAll({ where: { user_id: userId }, attributes: ['team_id'] })).map((m) => Number(m.team_id)));
  }

  async create(scope: AccountScope, body: Record<string, unknown>): Promise<Team> {
    const attrs = parse(teamParams, body);
    await this.ensureFree(scope, attrs.name);
    return Team.create({ account_id: scope.account.id, ...attrs });
  }

  async update(scope: AccountScope, id: number, body: Record<string, unknown>): Promise<Team> {
    const attrs = parse(teamParams.partial(), body);
    const team = await this.find(scope, id);
    if (attrs.name) await this.ensureFree(scope, attrs.name, team.id);
    return team.update(attrs);
  }

  /** Deleting a team leaves its conversations without a team (the foreign key sets it null). */
  async destroy(scope: AccountScope, id: number): Promise<void> {
    await (await this.find(scope, id)).destroy();
  }

  async members(scope: AccountScope, teamId: number): Promise<Agent[]> {
    const team = await this.find(scope, teamId);
    return this.agents(scope, (await TeamMember.findAll({ where: { team_id: team.id }, attributes: ['user_id'] })).map((m) => Number(m.user_id)));
  }

  /** Chatwoot answers a POST with the agents it added. */
  async addMembers(scope: AccountScope, teamId: number, body: Record<string, unknown>): Promise<Agent[]> {
    const { team, ids } = await this.input(scope, teamId, body, nonEmpty);
    const existing = new Set((await TeamMember.findAll({ where: { team_id: team.id }, attributes: ['user_id'] })).map((m) => Number(m.user_id)));
    const added = ids.filter((id) => !existing.has(id));
    await TeamMember.bulkCreate(added.map((user_id) => ({ team_id: team.id, user_id })), { ignoreDuplicates: true });
    return this.agents(scope, added);
  }

  /** Makes the member list exactly `user_ids`; answers with the members after the change. */
  async replaceMembers(scope: AccountScope, teamId: number, body: Record<string, unknown>): Promise<Agent[]> {
    const { team, ids } = await this.input(scope, teamId, body, membersParams);
    await this.deps.sequelize.transaction(async (transaction) => {
      await TeamMember.destroy({ where: { team_id: team.id, ...(ids.length ? { user_id: { [Op.notIn]: ids } } : {}) }, transaction });
      await TeamMember.bulkCreate(ids.map((user_id) => ({ team_id: team.id, user_id })), { ignoreDuplicates: true, transaction });
    });
    return this.members(scope, team.id);
  }

  async removeMembers(scope: AccountScope, teamId: number, body: Record<string, unknown>): Promise<void> {
    const { team, ids } = await this.input(scope, teamId, body, nonEmpty);
    await TeamMember.destroy({ where: { team_id: team.id, user_id: { [Op.in]: ids } } });
  }

  private async input(scope: AccountScope, teamId: number, body: Record<string, unknown>, schema: typeof membersParams) {
    const { user_ids } = parse(schema, body);
    const team = await this.find(scope, teamId);
    const ids = [...new Set(user_ids)];
    const known = new Set((await AccountUser.findAll({ where: { account_id: scope.account.id, user_id: { [Op.in]: ids }, invitation_pending: false }, attributes: ['user_id'] })).map((m) => Number(m.user_id)));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw ValidationError.field('user_ids', `must be agents of this account (not: ${unknown.join(', ')})`);
    return { team, ids };
  }

  private async ensureFree(scope: AccountScope, name: string, exceptId?: number): Promise<void> {
    const taken = await Team.findOne({
      where: { account_id: scope.account.id, [Op.and]: [this.deps.sequelize.where(this.deps.sequelize.fn('lower', this.deps.sequelize.col('name')), name.toLowerCase())], ...(exceptId ? { id: { [Op.ne]: exceptId } } : {}) },
    });
    if (taken) throw ValidationError.field('name', 'is already taken');
  }

  private agents(scope: AccountScope, ids: number[]): Promise<Agent[]> {
    return agentsAmong(scope.account.id, ids);
  }
}
