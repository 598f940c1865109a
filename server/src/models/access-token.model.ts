import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** API access token of a user or an agent bot: looked up by SHA-256 digest, shown from the ciphertext. */
export class AccessToken extends Model<InferAttributes<AccessToken>, InferCreationAttributes<AccessToken>> {
  declare id: CreationOptional<number>;
  declare owner_type: 'User' | 'AgentBot';
  declare owner_id: number;
  declare token_digest: string;
  declare token_ciphertext: string;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    AccessToken.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        owner_type: { type: DataTypes.STRING, allowNull: false },
        owner_id: { type: DataTypes.BIGINT, allowNull: false },
        token_digest: { type: DataTypes.STRING(64), allowNull: false },
        token_ciphertext: { type: DataTypes.TEXT, allowNull: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'access_tokens', underscored: true },
    );
  }
}
