import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class Account extends Model<InferAttributes<Account>, InferCreationAttributes<Account>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare locale: CreationOptional<string>;
  declare status: CreationOptional<string>;
  declare domain: CreationOptional<string | null>;
  declare support_email: CreationOptional<string | null>;
  declare custom_attributes: CreationOptional<Record<string, unknown>>;
  declare last_conversation_display_id: CreationOptional<number>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Account.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        name: { type: DataTypes.STRING, allowNull: false },
        locale: { type: DataTypes.STRING, defaultValue: 'en' },
        status: { type: DataTypes.STRING, defaultValue: 'active' },
        domain: DataTypes.STRING,
        support_email: DataTypes.STRING,
        custom_attributes: { type: DataTypes.JSONB, defaultValue: {} },
        last_conversation_display_id: { type: DataTypes.INTEGER, defaultValue: 0 },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'accounts', underscored: true },
    );
  }
}
