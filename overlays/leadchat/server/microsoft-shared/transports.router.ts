import { Router } from 'express';
import { SCOPES_BY_TRANSPORT, TRANSPORT_LEGS, TRANSPORTS } from './transports.js';

/** `GET /microsoft_shared/transports`: what the wizard offers, with the scopes each one asks for. */
export function transportsRouter(): Router {
  const router = Router();
  router.get('/microsoft_shared/transports', (_req, res) => {
    res.json({
      payload: TRANSPORTS.map((id) => ({ id, scopes: SCOPES_BY_TRANSPORT[id], ...TRANSPORT_LEGS[id] })),
    });
  });
  return router;
}
