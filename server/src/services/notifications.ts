import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize, type Transaction } from 'sequelize';
import { z } from 'zod';
import type { EventBus } from '../extensions/events.js';
import { NotFoundError } from '../lib/errors.js';
import { AccountUser } from '../models/index.js';
import type { AccountScope } from '../api/request-context.js';
import { idParam, pageParam, parse } from '../api/validate.js';

export const NOTIFICATIONS_PER_PAGE = 15;

/** An in-app notification for one user of an account (Chatwoot's `notifications`). */
export class Notification extends Model<InferAttributes<Notification>, InferCreationAttributes<Notification>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare user_id: number;
  declare notification_type: string;
  declare payload: CreationOptional<Record<string, unknown>>;
  declare read_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Notification.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        user_id: { type: DataTypes.BIGINT, allowNull: false },
        notification_type: { type: DataTypes.STRING, allowNull: false },
        payload: { type: DataTypes.JSONB, defaultValue: {} },
        read_at: DataTypes.DATE,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'notifications', underscored: true },
    );
  }
}

const listParams = z.object({ page: pageParam });

export class NotificationService {
  constructor(sequelize: Sequelize, private readonly events: EventBus) {
    Notification.initModel(sequelize);
  }

  /**
   * One notification per administrator of the account, each announced to its user live once it is
   * committed (a caller's transaction delays the announcement to its commit); returns how many.
   */
  async notifyAdministrators(accountId: number, type: string, payload: Record<string, unknown>, transaction?: Transaction): Promise<number> {
    const admins = await AccountUser.findAll({ where: { account_id: accountId, role: 'administrator' }, attributes: ['user_id'], transaction });
    const created = await Notification.bulkCreate(admins.map((a) => ({ account_id: accountId, user_id: a.user_id, notification_type: type, payload })), { returning: true, transaction });
    const announce = async () => {
      for (const n of created) await this.events.emit('notification.created', { accountId, userId: Number(n.user_id), notificationId: Number(n.id) });
    };
    if (transaction) transaction.afterCommit(() => void announce());
    else await announce();
    return created.length;
  }

  /** The caller's notifications in this account, newest first, with the unread count. */
  async list(scope: AccountScope, query: unknown): Promise<{ count: number; unreadCount: number; page: number; notifications: Notification[] }> {
    const { page } = parse(listParams, query);
    const where = this.own(scope);
    const [count, unreadCount, notifications] = await Promise.all([
      Notification.count({ where }),
      this.unreadCount(scope),
      Notification.findAll({ where, order: [['created_at', 'DESC'], ['id', 'DESC']], limit: NOTIFICATIONS_PER_PAGE, offset: (page - 1) * NOTIFICATIONS_PER_PAGE }),
    ]);
    return { count, unreadCount, page, notifications };
  }

  unreadCount(scope: AccountScope): Promise<number> {
    return Notification.count({ where: { ...this.own(scope), read_at: null } });
  }

  /** Chatwoot's `read_all`: every unread notification of the caller in this account. */
  async readAll(scope: AccountScope): Promise<void> {
    await Notification.update({ read_at: new Date() }, { where: { ...this.own(scope), read_at: null } });
  }

  /** Marks one of the caller's notifications read (or unread again); another user's is a 404. */
  async setRead(scope: AccountScope, id: unknown, read: boolean): Promise<Notification> {
    const notification = await Notification.findOne({ where: { ...this.own(scope), id: idParam(id, 'Notification') } });
    if (!notification) throw new NotFoundError('Notification');
    // Marking read again keeps the first read time.
    if (read !== !!notification.read_at) await notification.update({ read_at: read ? new Date() : null });
    return notification;
  }

  /** Only the caller's own, in this account. */
  private own(scope: AccountScope) {
    return { account_id: scope.account.id, user_id: scope.user.id };
  }
}
