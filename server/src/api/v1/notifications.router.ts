import { Router, type Request, type Response } from 'express';
import type { NotificationService } from '../../services/notifications.service.js';
import { accountScope } from '../request-context.js';
import { serializeNotification } from '../../serializers/notification.serializer.js';

/**
 * Chatwoot's notifications API, the caller's own notifications in the account: the list (with the
 * unread count), `unread_count`, `read_all`, one marked read (`PATCH`) or unread again, and the
 * caller's choice of which conversation notifications reach them.
 */
export function notificationsRouter(notifications: NotificationService): Router {
  const router = Router();

  router.get('/notifications', async (req, res) => {
    const { count, unreadCount, page, notifications: list } = await notifications.list(accountScope(req), req.query);
    res.json({ data: { meta: { count, unread_count: unreadCount, current_page: page }, payload: list.map(serializeNotification) } });
  });

  router.get('/notifications/unread_count', async (req, res) => {
    res.json(await notifications.unreadCount(accountScope(req)));
  });

  router.post('/notifications/read_all', async (req, res) => {
    await notifications.readAll(accountScope(req));
    res.status(200).end();
  });

  router.patch('/notifications/:id', async (req, res) => {
    res.json(serializeNotification(await notifications.setRead(accountScope(req), req.params.id, true)));
  });

  router.post('/notifications/:id/unread', async (req, res) => {
    res.json(serializeNotification(await notifications.setRead(accountScope(req), req.params.id, false)));
  });

  // Chatwoot's `notification_settings` (PUT as Chatwoot's clients send it; PATCH too).
  router.get('/notification_settings', async (req, res) => {
    res.json(await notifications.settings(accountScope(req)));
  });
  const update = async (req: Request, res: Response) => {
    res.json(await notifications.updateSettings(accountScope(req), req.body ?? {}));
  };
  router.put('/notification_settings', update);
  router.patch('/notification_settings', update);

  return router;
}
