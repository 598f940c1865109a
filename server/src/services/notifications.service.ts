import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize, type Transaction } from 'sequelize';
import { z } from 'zod';
import type { EventBus } from '../extensions/events.js';
import { NotFoundError } from '../lib/errors.js';
import { AccountUser } from '../models/index.js';
import type { AccountScope } from './account-scope.js';
import { idParam, pageParam, parse } from '../lib/validation.js';

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

/** Chatwoot's conversation notification types (the `notification_type` of each). */
export const CONVERSATION_NOTIFICATION_TYPES = ['conversation_creation', 'conversation_assignment', 'assigned_conversation_new_message', 'conversation_mention'] as const;
export type ConversationNotificationType = (typeof CONVERSATION_NOTIFICATION_TYPES)[number];
const EMAIL_FLAGS = CONVERSATION_NOTIFICATION_TYPES.map((t) => `email_${t}`);
const PUSH_FLAGS = CONVERSATION_NOTIFICATION_TYPES.map((t) => `push_${t}`);
/**
 * Without a saved choice: what is about the agent personally (assigned, their customer replied,
 * mentioned) in the bell, assignments and mentions also by email. New conversations in every inbox
 * are opt-in, they would drown the rest.
 */
const DEFAULT_EMAIL_FLAGS = ['email_conversation_assignment', 'email_conversation_mention'];
const DEFAULT_PUSH_FLAGS = ['push_conversation_assignment', 'push_assigned_conversation_new_message', 'push_conversation_mention'];

/** Per agent and account: which conversation notifications reach them by email and which in the bell (Chatwoot's `notification_settings`). */
export class NotificationSetting extends Model<InferAttributes<NotificationSetting>, InferCreationAttributes<NotificationSetting>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare user_id: number;
  declare email_flags: string[];
  declare push_flags: string[];
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    NotificationSetting.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        user_id: { type: DataTypes.BIGINT, allowNull: false },
        email_flags: { type: DataTypes.ARRAY(DataTypes.STRING), allowNull: false, defaultValue: [] },
        push_flags: { type: DataTypes.ARRAY(DataTypes.STRING), allowNull: false, defaultValue: [] },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'notification_settings', underscored: true },
    );
  }
}

const flagList = (all: string[]) =>
  z.array(z.string().refine((f) => all.includes(f), { message: `must be one of ${all.join(', ')}` }), { message: 'must be a list of flags' }).max(all.length * 2);
const settingsParams = z.object({ selected_email_flags: flagList(EMAIL_FLAGS).optional(), selected_push_flags: flagList(PUSH_FLAGS).optional() }).strict();

/** Where a conversation notification goes: the email job for those who chose email. */
export interface NotificationMailer {
  enqueue(data: { kind: 'notification'; notificationId: number }): Promise<void>;
}

const listParams = z.object({ page: pageParam });

export class NotificationService {
  constructor(
    sequelize: Sequelize,
    private readonly events: EventBus,
    private readonly mailer?: NotificationMailer,
  ) {
    Notification.initModel(sequelize);
    NotificationSetting.initModel(sequelize);
  }

  /**
   * A conversation notification for each of the users who want it (as Chatwoot: a notification is
   * kept when either its email or its push flag is on; the email goes out when the email flag is).
   * Announced live and mailed after the caller's transaction, if any, commits. Returns who got one.
   */
  async notifyUsers(accountId: number, userIds: number[], type: ConversationNotificationType, payload: Record<string, unknown>): Promise<number[]> {
    const ids = [...new Set(userIds)];
    if (!ids.length) return [];
    const settings = new Map((await NotificationSetting.findAll({ where: { account_id: accountId, user_id: ids } })).map((s) => [Number(s.user_id), s]));
    const wanted = ids.map((id) => {
      const s = settings.get(id);
      const email = (s?.email_flags ?? DEFAULT_EMAIL_FLAGS).includes(`email_${type}`);
      const push = (s?.push_flags ?? DEFAULT_PUSH_FLAGS).includes(`push_${type}`);
      return { id, email, push };
    }).filter((w) => w.email || w.push);
    if (!wanted.length) return [];
    const created = await Notification.bulkCreate(
      wanted.map((w) => ({ account_id: accountId, user_id: w.id, notification_type: type, payload: { ...payload, push: w.push } })),
      { returning: true },
    );
    for (const [i, n] of created.entries()) {
      await this.events.emit('notification.created', { accountId, userId: Number(n.user_id), notificationId: Number(n.id) });
      if (wanted[i].email) await this.mailer?.enqueue({ kind: 'notification', notificationId: Number(n.id) });
    }
    return wanted.map((w) => w.id);
  }

  /** Chatwoot's `GET /notification_settings` payload for the caller in this account. */
  async settings(scope: AccountScope) {
    const s = await NotificationSetting.findOne({ where: this.own(scope) });
    return {
      id: s ? Number(s.id) : null,
      account_id: scope.account.id,
      user_id: scope.user.id,
      all_email_flags: EMAIL_FLAGS,
      selected_email_flags: s?.email_flags ?? DEFAULT_EMAIL_FLAGS,
      all_push_flags: PUSH_FLAGS,
      selected_push_flags: s?.push_flags ?? DEFAULT_PUSH_FLAGS,
    };
  }

  /** Chatwoot's `PATCH /notification_settings` (`{ notification_settings: { selected_email_flags, selected_push_flags } }`). */
  async updateSettings(scope: AccountScope, body: Record<string, unknown>) {
    const nested = body.notification_settings && typeof body.notification_settings === 'object';
    const attrs = parse(settingsParams, nested ? body.notification_settings : body, nested ? 'notification_settings' : '');
    const current = await this.settings(scope);
    const values = {
      email_flags: [...new Set(attrs.selected_email_flags ?? current.selected_email_flags)],
      push_flags: [...new Set(attrs.selected_push_flags ?? current.selected_push_flags)],
    };
    const [row] = await NotificationSetting.findOrCreate({ where: this.own(scope), defaults: { ...this.own(scope), ...values } });
    await row.update(values);
    return this.settings(scope);
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
