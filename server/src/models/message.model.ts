import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type NonAttribute, type Sequelize } from 'sequelize';
import type { Attachment } from './attachment.model.js';

/** Order matters: the index is Chatwoot's integer `message_type` in API payloads. */
export const MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const MESSAGE_STATUSES = ['sending', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export const CONTENT_TYPES = ['text', 'input_text', 'input_email', 'cards', 'form', 'article', 'incoming_email', 'sticker'] as const;

export class Message extends Model<InferAttributes<Message>, InferCreationAttributes<Message>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare inbox_id: number;
  declare conversation_id: number;
  declare message_type: MessageType;
  declare content: CreationOptional<string | null>;
  declare content_type: CreationOptional<string>;
  declare content_attributes: CreationOptional<Record<string, unknown>>;
  declare private: CreationOptional<boolean>;
  declare status: CreationOptional<MessageStatus>;
  /** For email: the RFC 5322 Message-ID; unique per inbox. */
  declare source_id: CreationOptional<string | null>;
  declare external_error: CreationOptional<string | null>;
  declare sender_type: CreationOptional<'User' | 'Contact' | 'AgentBot' | null>;
  declare sender_id: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
  declare attachments?: NonAttribute<Attachment[]>;

  static initModel(sequelize: Sequelize): void {
    Message.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        inbox_id: { type: DataTypes.BIGINT, allowNull: false },
        conversation_id: { type: DataTypes.BIGINT, allowNull: false },
        message_type: { type: DataTypes.STRING, allowNull: false, validate: { isIn: [MESSAGE_TYPES as unknown as string[]] } },
        content: DataTypes.TEXT,
        content_type: { type: DataTypes.STRING, defaultValue: 'text' },
        content_attributes: { type: DataTypes.JSONB, defaultValue: {} },
        private: { type: DataTypes.BOOLEAN, defaultValue: false },
        status: { type: DataTypes.STRING, defaultValue: 'sent', validate: { isIn: [MESSAGE_STATUSES as unknown as string[]] } },
        source_id: DataTypes.TEXT,
        external_error: DataTypes.TEXT,
        sender_type: DataTypes.STRING,
        sender_id: DataTypes.BIGINT,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'messages', underscored: true },
    );
  }
}
