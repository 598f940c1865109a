import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** Chatwoot's bot types; only webhook bots exist here (Chatwoot's CSML bots are not supported). */
export const BOT_TYPES = ['webhook'] as const;
export type BotType = (typeof BOT_TYPES)[number];

/**
 * Chatwoot's agent bot: receives its inboxes' events at `outgoing_url` and acts through the
 * Application API with its own access token (`access_tokens.owner_type = 'AgentBot'`). `account_id`
 * null is a system bot, made through the Platform API and offered to every account.
 */
export class AgentBot extends Model<InferAttributes<AgentBot>, InferCreationAttributes<AgentBot>> {
  declare id: CreationOptional<number>;
  declare account_id: number | null;
  declare name: string;
  declare description: string | null;
  declare outgoing_url: string | null;
  declare bot_type: CreationOptional<BotType>;
  declare bot_config: CreationOptional<Record<string, unknown>>;
  declare avatar_url: string | null;
  /** Signs what is POSTed to `outgoing_url`, as a webhook's secret does. */
  declare secret_ciphertext: string;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    AgentBot.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: DataTypes.BIGINT,
        name: { type: DataTypes.STRING, allowNull: false },
        description: DataTypes.TEXT,
        outgoing_url: DataTypes.TEXT,
        bot_type: { type: DataTypes.STRING, allowNull: false, defaultValue: 'webhook' },
        bot_config: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
        avatar_url: DataTypes.TEXT,
        secret_ciphertext: { type: DataTypes.TEXT, allowNull: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'agent_bots', underscored: true },
    );
  }
}

/** The bot an inbox hands its conversations to first (one per inbox). */
export class AgentBotInbox extends Model<InferAttributes<AgentBotInbox>, InferCreationAttributes<AgentBotInbox>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare inbox_id: number;
  declare agent_bot_id: number;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    AgentBotInbox.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        inbox_id: { type: DataTypes.BIGINT, allowNull: false },
        agent_bot_id: { type: DataTypes.BIGINT, allowNull: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'agent_bot_inboxes', underscored: true },
    );
  }
}
