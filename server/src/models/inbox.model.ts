import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type NonAttribute, type Sequelize } from 'sequelize';
import type { ChannelEmail } from './channel-email.model.js';

export class Inbox extends Model<InferAttributes<Inbox>, InferCreationAttributes<Inbox>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare name: string;
  declare channel_type: string;
  declare channel_id: number;
  declare greeting_enabled: CreationOptional<boolean>;
  declare greeting_message: CreationOptional<string | null>;
  declare enable_auto_assignment: CreationOptional<boolean>;
  /** Chatwoot's `auto_assignment_config`; `max_assignment_limit` caps an agent's open conversations in the inbox. */
  declare auto_assignment_config: CreationOptional<{ max_assignment_limit?: number | null }>;
  declare allow_messages_after_resolved: CreationOptional<boolean>;
  declare lock_to_single_conversation: CreationOptional<boolean>;
  declare sender_name_type: CreationOptional<string>;
  declare business_name: CreationOptional<string | null>;
  declare timezone: CreationOptional<string>;
  /** Added under the agent's own signature in every email reply; `{{agent.name}}` and friends are filled in. */
  declare email_signature: CreationOptional<string | null>;
  /** Whether the reply box quotes the previous message by default. */
  declare quote_history: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
  declare channel?: NonAttribute<ChannelEmail>;
  /** A non-email channel's fields of the inbox payload (webhook_url, inbox_identifier, ...), set by the inbox service. */
  declare channel_details?: NonAttribute<Record<string, unknown>>;

  static initModel(sequelize: Sequelize): void {
    Inbox.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        name: { type: DataTypes.STRING, allowNull: false },
        channel_type: { type: DataTypes.STRING, allowNull: false },
        channel_id: { type: DataTypes.BIGINT, allowNull: false },
        greeting_enabled: { type: DataTypes.BOOLEAN, defaultValue: false },
        greeting_message: DataTypes.TEXT,
        enable_auto_assignment: { type: DataTypes.BOOLEAN, defaultValue: true },
        auto_assignment_config: { type: DataTypes.JSONB, defaultValue: {} },
        allow_messages_after_resolved: { type: DataTypes.BOOLEAN, defaultValue: true },
        lock_to_single_conversation: { type: DataTypes.BOOLEAN, defaultValue: false },
        sender_name_type: { type: DataTypes.STRING, defaultValue: 'friendly' },
        business_name: DataTypes.STRING,
        timezone: { type: DataTypes.STRING, defaultValue: 'UTC' },
        email_signature: DataTypes.TEXT,
        quote_history: { type: DataTypes.BOOLEAN, defaultValue: true },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'inboxes', underscored: true },
    );
  }
}
