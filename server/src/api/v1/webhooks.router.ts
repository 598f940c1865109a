import { Router } from 'express';
import type { WebhookService } from '../../webhooks/webhooks.service.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import { serializeDelivery, serializeWebhook } from '../../serializers/webhook.serializer.js';
import { idParam } from '../../lib/validation.js';

/** Chatwoot's `/webhooks` (administrators), plus the delivery log and "Resend". */
export function webhooksRouter(webhooks: WebhookService): Router {
  const router = Router();
  router.use('/webhooks', requireAdministrator);
  const render = (w: Parameters<typeof serializeWebhook>[0]) => serializeWebhook(w, webhooks.secretOf(w));

  router.get('/webhooks', async (req, res) => {
    res.json({ payload: { webhooks: (await webhooks.list(accountScope(req))).map(render) } });
  });

  router.post('/webhooks', async (req, res) => {
    res.json({ payload: { webhook: render(await webhooks.create(accountScope(req), req.body ?? {})) } });
  });

  router.patch('/webhooks/:id', async (req, res) => {
    res.json({ payload: { webhook: render(await webhooks.update(accountScope(req), idParam(req.params.id, 'Webhook'), req.body ?? {})) } });
  });

  router.delete('/webhooks/:id', async (req, res) => {
    await webhooks.destroy(accountScope(req), idParam(req.params.id, 'Webhook'));
    res.json({ message: 'Webhook deleted' });
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const { count, deliveries } = await webhooks.deliveries(accountScope(req), idParam(req.params.id, 'Webhook'), req.query);
    res.json({ meta: { count }, payload: deliveries.map(serializeDelivery) });
  });

  router.post('/webhooks/:id/deliveries/:delivery_id/resend', async (req, res) => {
    const delivery = await webhooks.resend(accountScope(req), idParam(req.params.id, 'Webhook'), idParam(req.params.delivery_id, 'Delivery'));
    res.json(serializeDelivery(delivery));
  });

  return router;
}
