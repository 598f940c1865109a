import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** Chatwoot's Channel::Api columns; the webhook signing secret is kept sealed (SecretBox). */
export class ChannelApi extends Model<InferAttributes<ChannelApi>, InferCreationAttributes<ChannelApi>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare webhook_url: string | null;
  declare identifier: string;
  declare hmac_token: string;
  declare hmac_mandatory: CreationOptional<boolean>;
  declare secret_ciphertext: string;
  declare additional_attributes: CreationOptional<Record<string, unknown>>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    ChannelApi.init(
      {
        // The default (channel_email's sequence) is the database's: see the migration.
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        webhook_url: DataTypes.STRING(2048),
        identifier: { type: DataTypes.STRING, allowNull: false },
        hmac_token: { type: DataTypes.STRING, allowNull: false },
        hmac_mandatory: { type: DataTypes.BOOLEAN, defaultValue: false },
        secret_ciphertext: { type: DataTypes.TEXT, allowNull: false },
        additional_attributes: { type: DataTypes.JSONB, defaultValue: {} },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'channel_api', underscored: true, freezeTableName: true },
    );
  }
}
