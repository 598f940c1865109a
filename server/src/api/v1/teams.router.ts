import { Router } from 'express';
import type { Agent } from '../../services/agents.service.js';
import type { TeamService } from '../../services/teams.service.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import { serializeTeam } from '../../serializers/team.serializer.js';
import { serializeAgent } from '../../serializers/user.serializer.js';
import { idParam } from '../../lib/validation.js';

const agents = (members: Agent[]) => members.map((m) => serializeAgent(m.user, m));

/** Chatwoot's `/teams` and `/teams/:id/team_members` (administrators change them, everyone reads). */
export function teamsRouter(teams: TeamService): Router {
  const router = Router();
  const teamId = (value: unknown) => idParam(value, 'Team');

  router.get('/teams', async (req, res) => {
    const scope = accountScope(req);
    const mine = await teams.memberTeamIds(scope.user.id);
    res.json((await teams.list(scope)).map((t) => serializeTeam(t, mine)));
  });

  router.post('/teams', requireAdministrator, async (req, res) => {
    const scope = accountScope(req);
    res.json(serializeTeam(await teams.create(scope, req.body ?? {}), await teams.memberTeamIds(scope.user.id)));
  });

  router.get('/teams/:id', async (req, res) => {
    const scope = accountScope(req);
    res.json(serializeTeam(await teams.find(scope, teamId(req.params.id)), await teams.memberTeamIds(scope.user.id)));
  });

  router.patch('/teams/:id', requireAdministrator, async (req, res) => {
    const scope = accountScope(req);
    res.json(serializeTeam(await teams.update(scope, teamId(req.params.id), req.body ?? {}), await teams.memberTeamIds(scope.user.id)));
  });

  router.delete('/teams/:id', requireAdministrator, async (req, res) => {
    await teams.destroy(accountScope(req), teamId(req.params.id));
    res.status(200).end();
  });

  router.get('/teams/:id/team_members', async (req, res) => {
    res.json(agents(await teams.members(accountScope(req), teamId(req.params.id))));
  });

  router.post('/teams/:id/team_members', requireAdministrator, async (req, res) => {
    res.json(agents(await teams.addMembers(accountScope(req), teamId(req.params.id), req.body ?? {})));
  });

  router.patch('/teams/:id/team_members', requireAdministrator, async (req, res) => {
    res.json(agents(await teams.replaceMembers(accountScope(req), teamId(req.params.id), req.body ?? {})));
  });

  router.delete('/teams/:id/team_members', requireAdministrator, async (req, res) => {
    await teams.removeMembers(accountScope(req), teamId(req.params.id), req.body ?? {});
    res.status(200).end();
  });

  return router;
}
