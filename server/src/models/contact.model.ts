import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type NonAttribute, type Sequelize } from 'sequelize';
import type { ContactInbox } from './contact-inbox.model.js';

export class Contact extends Model<InferAttributes<Contact>, InferCreationAttributes<Contact>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare name: CreationOptional<string>;
  declare email: CreationOptional<string | null>;
  declare phone_number: CreationOptional<string | null>;
  declare identifier: CreationOptional<string | null>;
  declare additional_attributes: CreationOptional<Record<string, unknown>>;
  declare custom_attributes: CreationOptional<Record<string, unknown>>;
  declare blocked: CreationOptional<boolean>;
  /** Titles of the contact's labels. */
  declare label_list: CreationOptional<string[]>;
  declare last_activity_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
  declare contact_inboxes?: NonAttribute<ContactInbox[]>;

  static initModel(sequelize: Sequelize): void {
    Contact.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        name: { type: DataTypes.STRING, defaultValue: '' },
        email: {
          type: DataTypes.STRING,
          set(v: string | null) { this.setDataValue('email', v ? v.trim().toLowerCase() : null); },
        },
        phone_number: DataTypes.STRING,
        identifier: DataTypes.STRING,
        additional_attributes: { type: DataTypes.JSONB, defaultValue: {} },
        custom_attributes: { type: DataTypes.JSONB, defaultValue: {} },
        blocked: { type: DataTypes.BOOLEAN, defaultValue: false },
        label_list: { type: DataTypes.ARRAY(DataTypes.STRING), allowNull: false, defaultValue: [] },
        last_activity_at: DataTypes.DATE,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'contacts', underscored: true },
    );
  }
}
