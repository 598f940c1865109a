import { Router } from 'express';
import type { CannedResponse } from '../../models/index.js';
import type { CannedResponseService } from '../../services/canned-responses.service.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import { unix } from '../../serializers/user.serializer.js';
import { idParam } from '../../lib/validation.js';

/** Chatwoot's canned response payload. */
export function serializeCannedResponse(c: CannedResponse) {
  return { id: c.id, account_id: c.account_id, short_code: c.short_code, content: c.content, created_at: unix(c.created_at), updated_at: unix(c.updated_at) };
}

/** Chatwoot's `/canned_responses`: the list answers a bare array; changing or deleting one is for administrators. */
export function cannedResponsesRouter(canned: CannedResponseService): Router {
  const router = Router();

  router.get('/canned_responses', async (req, res) => {
    res.json((await canned.list(accountScope(req), req.query)).map(serializeCannedResponse));
  });

  router.post('/canned_responses', async (req, res) => {
    res.json(serializeCannedResponse(await canned.create(accountScope(req), req.body ?? {})));
  });

  const update = async (req: import('express').Request, res: import('express').Response) => {
    res.json(serializeCannedResponse(await canned.update(accountScope(req), idParam(req.params.id, 'Canned response'), req.body ?? {})));
  };
  router.patch('/canned_responses/:id', requireAdministrator, update);
  router.put('/canned_responses/:id', requireAdministrator, update);

  router.delete('/canned_responses/:id', requireAdministrator, async (req, res) => {
    await canned.destroy(accountScope(req), idParam(req.params.id, 'Canned response'));
    res.status(200).end();
  });

  return router;
}
