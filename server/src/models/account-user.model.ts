import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type NonAttribute, type Sequelize } from 'sequelize';
import type { User } from './user.model.js';

export const ROLES = ['administrator', 'agent'] as const;
export type Role = (typeof ROLES)[number];
export const AVAILABILITIES = ['online', 'busy', 'offline'] as const;
export type InvitationStatus = 'pending' | 'sent' | 'failed';

export class AccountUser extends Model<InferAttributes<AccountUser>, InferCreationAttributes<AccountUser>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare user_id: number;
  declare role: Role;
  declare availability: CreationOptional<string>;
  declare auto_offline: CreationOptional<boolean>;
  declare inviter_id: CreationOptional<number | null>;
  declare active_at: CreationOptional<Date | null>;
  /** Delivery of the invitation email: null when none was sent (e.g. the account's creator). */
  declare invitation_status: CreationOptional<InvitationStatus | null>;
  declare invitation_error: CreationOptional<string | null>;
  declare invitation_sent_at: CreationOptional<Date | null>;
  /** An existing user invited to this account who has not accepted: not a member yet. */
  declare invitation_pending: CreationOptional<boolean>;
  /** The name the administrator typed for a pending invitation; the user's own name stays theirs. */
  declare invited_name: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
  declare user?: NonAttribute<User>;

  get isAdministrator(): NonAttribute<boolean> {
    return this.role === 'administrator';
  }

  static initModel(sequelize: Sequelize): void {
    AccountUser.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        user_id: { type: DataTypes.BIGINT, allowNull: false },
        role: { type: DataTypes.STRING, allowNull: false, validate: { isIn: [ROLES as unknown as string[]] } },
        availability: { type: DataTypes.STRING, defaultValue: 'online' },
        auto_offline: { type: DataTypes.BOOLEAN, defaultValue: true },
        inviter_id: DataTypes.BIGINT,
        active_at: DataTypes.DATE,
        invitation_status: DataTypes.STRING,
        invitation_error: DataTypes.TEXT,
        invitation_sent_at: DataTypes.DATE,
        invitation_pending: { type: DataTypes.BOOLEAN, defaultValue: false },
        invited_name: DataTypes.STRING,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'account_users', underscored: true },
    );
  }
}
