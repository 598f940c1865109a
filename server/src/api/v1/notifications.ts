import { Router } from 'express';
import type { NotificationService } from '../../services/notifications.js';
import { accountScope } from '../request-context.js';
import { unix } from '../serializers/user.js';

/** Chatwoot's `GET /notifications`: the caller's own notifications in the account. */
export function notificationsRouter(notifications: NotificationService): Router {
  const router = Router();

  router.get('/notifications', async (req, res) => {
    const { count, unreadCount, page, notifications: list } = await notifications.list(accountScope(req), req.query);
    res.json({
      data: {
        meta: { count, unread_count: unreadCount, current_page: page },
        payload: list.map((n) => ({
          id: n.id,
          notification_type: n.notification_type,
          account_id: n.account_id,
          user_id: n.user_id,
          meta: n.payload,
          read_at: unix(n.read_at),
          created_at: unix(n.created_at),
        })),
      },
    });
  });

  return router;
}
