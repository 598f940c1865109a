import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** Chatwoot's canned response: an account-wide saved reply, inserted by its short code. */
export class CannedResponse extends Model<InferAttributes<CannedResponse>, InferCreationAttributes<CannedResponse>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare short_code: string;
  declare content: string;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    CannedResponse.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        short_code: { type: DataTypes.STRING, allowNull: false },
        content: { type: DataTypes.TEXT, allowNull: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'canned_responses', underscored: true },
    );
  }
}
