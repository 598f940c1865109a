import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class InboxMember extends Model<InferAttributes<InboxMember>, InferCreationAttributes<InboxMember>> {
  declare id: CreationOptional<number>;
  declare inbox_id: number;
  declare user_id: number;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    InboxMember.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        inbox_id: { type: DataTypes.BIGINT, allowNull: false },
        user_id: { type: DataTypes.BIGINT, allowNull: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'inbox_members', underscored: true },
    );
  }
}
