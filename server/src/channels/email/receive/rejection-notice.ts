import { QueryTypes, type Sequelize } from 'sequelize';
import type { Logger } from '../../../lib/logger.js';
import type { Inbox } from '../../../models/index.js';
import type { NotificationService } from '../../../services/notifications.service.js';

export const NOTIFY_INBOUND_REJECTED = 'email_inbound_rejected';

/**
 * Tells an inbox's administrators that an email was turned away (they review it on the Health tab):
 * once per inbox per UTC day, however many emails are rejected and however many workers see them.
 */
export class RejectionNotice {
  constructor(private readonly deps: { sequelize: Sequelize; notifications: NotificationService; logger: Logger }) {}

  async rejected(inbox: Inbox): Promise<void> {
    await this.deps.sequelize.transaction(async (transaction) => {
      // Serialises the check-then-notify of concurrent workers for this inbox only.
      await this.deps.sequelize.query('SELECT pg_advisory_xact_lock(hashtext($1))', { bind: [`inbound-rejected:${inbox.id}`], type: QueryTypes.SELECT, transaction });
      const [today] = await this.deps.sequelize.query<{ id: number }>(
        `SELECT id FROM notifications WHERE account_id = $1 AND notification_type = $2 AND (payload->>'inbox_id')::bigint = $3
           AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' LIMIT 1`,
        { bind: [inbox.account_id, NOTIFY_INBOUND_REJECTED, inbox.id], type: QueryTypes.SELECT, transaction },
      );
      if (today) return;
      this.deps.logger.warn({ inboxId: inbox.id }, 'inbound email rejected; administrators notified');
      await this.deps.notifications.notifyAdministrators(inbox.account_id, NOTIFY_INBOUND_REJECTED, { inbox_id: inbox.id, inbox_name: inbox.name }, transaction);
    });
  }
}
