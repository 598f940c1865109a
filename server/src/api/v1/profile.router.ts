import { Router } from 'express';
import type { ProfileService } from '../../services/profiles.service.js';
import { currentUser } from '../request-context.js';
import { idParam } from '../../lib/validation.js';

export function profileRouter(profiles: ProfileService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.json(await profiles.show(currentUser(req)));
  });
  router.put('/', async (req, res) => {
    const user = currentUser(req);
    const profile = await profiles.update(user, req.body ?? {});
    // The password change ended every session older than the new epoch; this one goes on.
    if (req.authMethod === 'session') req.session.epoch = user.session_epoch;
    res.json(profile);
  });
  router.post('/availability', async (req, res) => {
    res.json(await profiles.setAvailability(currentUser(req), req.body ?? {}));
  });
  router.post('/invitations/:account_id', async (req, res) => {
    res.json(await profiles.acceptInvitation(currentUser(req), idParam(req.params.account_id, 'Invitation')));
  });
  router.delete('/invitations/:account_id', async (req, res) => {
    res.json(await profiles.declineInvitation(currentUser(req), idParam(req.params.account_id, 'Invitation')));
  });
  return router;
}
