import { Router } from 'express';
import type { LabelService } from '../../services/labels.service.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import { serializeLabel } from '../../serializers/label.serializer.js';
import { idParam } from '../../lib/validation.js';

/** Chatwoot's `/labels` (administrators manage them, everyone reads) and `/contacts/:id/labels`. */
export function labelsRouter(labels: LabelService): Router {
  const router = Router();

  router.get('/labels', async (req, res) => {
    res.json({ payload: (await labels.list(accountScope(req))).map(serializeLabel) });
  });

  router.post('/labels', requireAdministrator, async (req, res) => {
    res.json(serializeLabel(await labels.create(accountScope(req), req.body ?? {})));
  });

  router.get('/labels/:id', async (req, res) => {
    res.json(serializeLabel(await labels.find(accountScope(req), idParam(req.params.id, 'Label'))));
  });

  router.patch('/labels/:id', requireAdministrator, async (req, res) => {
    res.json(serializeLabel(await labels.update(accountScope(req), idParam(req.params.id, 'Label'), req.body ?? {})));
  });

  router.delete('/labels/:id', requireAdministrator, async (req, res) => {
    await labels.destroy(accountScope(req), idParam(req.params.id, 'Label'));
    res.status(200).end();
  });

  router.get('/contacts/:id/labels', async (req, res) => {
    res.json({ payload: await labels.contactLabels(accountScope(req), idParam(req.params.id, 'Contact')) });
  });

  router.post('/contacts/:id/labels', async (req, res) => {
    res.json({ payload: await labels.setContactLabels(accountScope(req), idParam(req.params.id, 'Contact'), req.body ?? {}) });
  });

  return router;
}
