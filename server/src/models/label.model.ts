import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** An account label (Chatwoot's `labels`); conversations and contacts carry label titles in `label_list`. */
export class Label extends Model<InferAttributes<Label>, InferCreationAttributes<Label>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare title: string;
  declare description: CreationOptional<string | null>;
  declare color: CreationOptional<string>;
  declare show_on_sidebar: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Label.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        title: { type: DataTypes.STRING, allowNull: false },
        description: DataTypes.TEXT,
        color: { type: DataTypes.STRING, allowNull: false, defaultValue: '#1f93ff' },
        show_on_sidebar: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'labels', underscored: true },
    );
  }
}
