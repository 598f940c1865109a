import { Router } from 'express';
import type { NotificationService } from '../../services/notifications.js';
import { accountScope } from '../request-context.js';
import { serializeNotification } from '../serializers/notification.js';

/**
 * Chatwoot's notifications API, the caller's own notifications in the account: the list (with the
 * unread count), `unread_count`, `read_all`, and one marked read (`PATCH`) or unread again.
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

  return router;
}
