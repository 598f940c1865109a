import { Router } from 'express';
import type { ProfileService } from '../../services/profiles.js';
import { currentUser } from '../request-context.js';

export function profileRouter(profiles: ProfileService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.json(await profiles.show(currentUser(req)));
  });
  router.put('/', async (req, res) => {
    res.json(await profiles.update(currentUser(req), req.body ?? {}));
  });
  return router;
}
