import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type NonAttribute, type Sequelize } from 'sequelize';
import type { Inbox } from './inbox.model.js';

export class ContactInbox extends Model<InferAttributes<ContactInbox>, InferCreationAttributes<ContactInbox>> {
  declare id: CreationOptional<number>;
  declare contact_id: number;
  declare inbox_id: number;
  declare source_id: string;
  declare hmac_verified: CreationOptional<boolean>;
  /** Given to contacts the public client API creates (Chatwoot's), null otherwise. */
  declare pubsub_token: CreationOptional<string | null>;
  /** False for a public-API identity matched to an existing contact without proof: it may write, not edit the contact. */
  declare may_edit_contact: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
  declare inbox?: NonAttribute<Inbox>;

  static initModel(sequelize: Sequelize): void {
    ContactInbox.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        contact_id: { type: DataTypes.BIGINT, allowNull: false },
        inbox_id: { type: DataTypes.BIGINT, allowNull: false },
        source_id: { type: DataTypes.STRING, allowNull: false },
        hmac_verified: { type: DataTypes.BOOLEAN, defaultValue: false },
        pubsub_token: DataTypes.STRING,
        may_edit_contact: { type: DataTypes.BOOLEAN, defaultValue: true },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'contact_inboxes', underscored: true },
    );
  }
}
