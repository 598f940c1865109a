import { Router } from 'express';
import { accountScope } from '../api/request-context.js';
import type { RealtimeHub } from './realtime-hub.js';

/** `GET /api/v1/accounts/:account_id/events`: the dashboard's live-update stream (Server-Sent Events). */
export function eventsRouter(hub: RealtimeHub): Router {
  const router = Router();
  router.get('/events', async (req, res) => {
    const session = req.authMethod === 'session' ? { id: req.sessionID, epoch: req.session.epoch ?? 0 } : undefined;
    await hub.connect(accountScope(req), res, session);
  });
  return router;
}
