import type { Team } from '../models/index.js';

/** Chatwoot's team payload; `is_member` is whether the caller belongs to the team. */
export function serializeTeam(team: Team, memberTeamIds: Set<number>) {
  return {
    id: team.id,
    name: team.name,
    description: team.description ?? null,
    allow_auto_assign: team.allow_auto_assign,
    account_id: team.account_id,
    is_member: memberTeamIds.has(Number(team.id)),
  };
}
