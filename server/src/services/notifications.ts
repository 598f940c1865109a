import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize, type Transaction } from 'sequelize';
import { z } from 'zod';
import { AccountUser } from '../models/index.js';
import type { AccountScope } from '../api/request-context.js';
import { pageParam, parse } from '../api/validate.js';

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
  constructor(sequelize: Sequelize) {
    Notification.initModel(sequelize);
  }

  /** One notification per administrator of the account; returns how many were created. */
  async notifyAdministrators(accountId: number, type: string, payload: Record<string, unknown>, transaction?: Transaction): Promise<number> {
    const admins = await AccountUser.findAll({ where: { account_id: accountId, role: 'administrator' }, attributes: ['user_id'], transaction });
    await Notification.bulkCreate(admins.map((a) => ({ account_id: accountId, user_id: a.user_id, notification_type: type, payload })), { transaction });
    return admins.length;
  }

  /** The caller's notifications in this account, newest first, with the unread count. */
  async list(scope: AccountScope, query: unknown): Promise<{ count: number; unreadCount: number; page: number; notifications: Notification[] }> {
    const { page } = parse(listParams, query);
    const where = { account_id: scope.account.id, user_id: scope.user.id };
    const [count, unreadCount, notifications] = await Promise.all([
      Notification.count({ where }),
      Notification.count({ where: { ...where, read_at: null } }),
      Notification.findAll({ where, order: [['created_at', 'DESC'], ['id', 'DESC']], limit: NOTIFICATIONS_PER_PAGE, offset: (page - 1) * NOTIFICATIONS_PER_PAGE }),
    ]);
    return { count, unreadCount, page, notifications };
  }
}
