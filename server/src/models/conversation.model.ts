import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type NonAttribute, type Sequelize } from 'sequelize';
import type { Contact } from './contact.model.js';
import type { Inbox } from './inbox.model.js';
import type { Team } from './team.model.js';
import type { User } from './user.model.js';

export const CONVERSATION_STATUSES = ['open', 'resolved', 'pending', 'snoozed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;

export class Conversation extends Model<InferAttributes<Conversation>, InferCreationAttributes<Conversation>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare inbox_id: number;
  declare contact_id: number;
  declare contact_inbox_id: CreationOptional<number | null>;
  /** Per-account number shown to people and used in API paths (Chatwoot's `display_id`). */
  declare display_id: number;
  declare uuid: CreationOptional<string>;
  declare status: CreationOptional<ConversationStatus>;
  declare priority: CreationOptional<string | null>;
  declare assignee_id: CreationOptional<number | null>;
  declare team_id: CreationOptional<number | null>;
  /** Titles of the conversation's labels. */
  declare label_list: CreationOptional<string[]>;
  declare additional_attributes: CreationOptional<Record<string, unknown>>;
  declare custom_attributes: CreationOptional<Record<string, unknown>>;
  declare snoozed_until: CreationOptional<Date | null>;
  /** Chatwoot's mute: resolved, and the customer's next emails do not reopen it. */
  declare muted: CreationOptional<boolean>;
  declare last_activity_at: CreationOptional<Date>;
  declare agent_last_seen_at: CreationOptional<Date | null>;
  declare assignee_last_seen_at: CreationOptional<Date | null>;
  declare contact_last_seen_at: CreationOptional<Date | null>;
  declare first_reply_created_at: CreationOptional<Date | null>;
  declare waiting_since: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
  declare contact?: NonAttribute<Contact>;
  declare assignee?: NonAttribute<User | null>;
  declare inbox?: NonAttribute<Inbox>;
  declare team?: NonAttribute<Team | null>;

  static initModel(sequelize: Sequelize): void {
    Conversation.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        inbox_id: { type: DataTypes.BIGINT, allowNull: false },
        contact_id: { type: DataTypes.BIGINT, allowNull: false },
        contact_inbox_id: DataTypes.BIGINT,
        display_id: { type: DataTypes.INTEGER, allowNull: false },
        uuid: { type: DataTypes.UUID, defaultValue: DataTypes.UUIDV4 },
        status: { type: DataTypes.STRING, defaultValue: 'open', validate: { isIn: [CONVERSATION_STATUSES as unknown as string[]] } },
        priority: DataTypes.STRING,
        assignee_id: DataTypes.BIGINT,
        team_id: DataTypes.BIGINT,
        label_list: { type: DataTypes.ARRAY(DataTypes.STRING), allowNull: false, defaultValue: [] },
        additional_attributes: { type: DataTypes.JSONB, defaultValue: {} },
        custom_attributes: { type: DataTypes.JSONB, defaultValue: {} },
        snoozed_until: DataTypes.DATE,
        muted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        last_activity_at: { type: DataTypes.DATE, defaultValue: DataTypes.NOW },
        agent_last_seen_at: DataTypes.DATE,
        assignee_last_seen_at: DataTypes.DATE,
        contact_last_seen_at: DataTypes.DATE,
        first_reply_created_at: DataTypes.DATE,
        waiting_since: DataTypes.DATE,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'conversations', underscored: true },
    );
  }
}
