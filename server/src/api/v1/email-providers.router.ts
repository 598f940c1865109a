import { Router } from 'express';
import type { EmailProvider } from '../../extensions/types.js';

/**
 * `GET /email_providers`: the email providers this installation registered (core and overlays), so the
 * inbox wizard offers a provider's card only when the server can serve it. Read at request time: the
 * registry is complete (and sealed) once boot has finished.
 */
export function emailProvidersRouter(providers: () => EmailProvider[]): Router {
  const router = Router();
  router.get('/email_providers', (_req, res) => {
    res.json(providers().map((p) => ({ id: p.id, label: p.label, creatable_via_api: p.creatableViaApi })));
  });
  return router;
}
