import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type NonAttribute, type Sequelize } from 'sequelize';

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare display_name: CreationOptional<string | null>;
  declare email: string;
  declare password_digest: CreationOptional<string | null>;
  /** `SuperAdmin` for installation operators (job dashboard); null for everyone else. */
  declare type: CreationOptional<string | null>;
  declare message_signature: CreationOptional<string | null>;
  declare ui_settings: CreationOptional<Record<string, unknown>>;
  declare custom_attributes: CreationOptional<Record<string, unknown>>;
  declare confirmed_at: CreationOptional<Date | null>;
  /** Raised when the password changes; sessions signed in under an older epoch are over. */
  declare session_epoch: CreationOptional<number>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  get availableName(): NonAttribute<string> {
    return this.display_name || this.name;
  }

  static initModel(sequelize: Sequelize): void {
    User.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        name: { type: DataTypes.STRING, allowNull: false },
        display_name: DataTypes.STRING,
        email: { type: DataTypes.STRING, allowNull: false, set(v: string) { this.setDataValue('email', v.trim().toLowerCase()); } },
        password_digest: DataTypes.STRING,
        type: DataTypes.STRING,
        message_signature: DataTypes.TEXT,
        ui_settings: { type: DataTypes.JSONB, defaultValue: {} },
        custom_attributes: { type: DataTypes.JSONB, defaultValue: {} },
        confirmed_at: DataTypes.DATE,
        session_epoch: { type: DataTypes.INTEGER, defaultValue: 0 },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'users', underscored: true },
    );
  }
}
