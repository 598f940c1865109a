import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

/** Chatwoot's webhook events an account webhook can subscribe to. */
export const WEBHOOK_EVENTS = [
  'conversation_created',
  'conversation_status_changed',
  'conversation_updated',
  'message_created',
  'message_updated',
  'contact_created',
  'contact_updated',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * What an agent bot is sent: Chatwoot's bot events (`conversation_opened`, `conversation_resolved`,
 * `message_created`, `message_updated`) and the conversation's creation and status changes.
 */
export const AGENT_BOT_EVENTS = [
  'conversation_created',
  'conversation_status_changed',
  'conversation_opened',
  'conversation_resolved',
  'message_created',
  'message_updated',
] as const;
export type AgentBotEvent = (typeof AGENT_BOT_EVENTS)[number];

export class Webhook extends Model<InferAttributes<Webhook>, InferCreationAttributes<Webhook>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare url: string;
  declare name: string | null;
  declare subscriptions: WebhookEvent[];
  declare secret_ciphertext: string;
  declare enabled: CreationOptional<boolean>;
  /** Since when every attempt failed (cleared by the next success): the automatic disable counts from it. */
  declare failing_since: Date | null;
  declare disabled_reason: string | null;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    Webhook.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        url: { type: DataTypes.TEXT, allowNull: false },
        name: DataTypes.STRING,
        subscriptions: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        secret_ciphertext: { type: DataTypes.TEXT, allowNull: false },
        enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        failing_since: DataTypes.DATE,
        disabled_reason: DataTypes.TEXT,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'webhooks', underscored: true },
    );
  }
}

export const DELIVERY_STATUSES = ['queued', 'retrying', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class WebhookDelivery extends Model<InferAttributes<WebhookDelivery>, InferCreationAttributes<WebhookDelivery>> {
  declare id: CreationOptional<number>;
  /** Whom it is for: an account webhook, or an agent bot (exactly one of the two). */
  declare webhook_id: number | null;
  declare agent_bot_id: number | null;
  declare event: WebhookEvent | AgentBotEvent;
  /** `conversation:<id>` or `contact:<id>`: deliveries with the same key go out one after another, in order. */
  declare ordering_key: string;
  /** Sent as `X-Chatwoot-Delivery`, the same on every attempt and resend, so receivers can drop duplicates. */
  declare delivery_uuid: string;
  declare payload: Record<string, unknown>;
  declare status: CreationOptional<DeliveryStatus>;
  declare attempts: CreationOptional<number>;
  declare response_status: number | null;
  declare latency_ms: number | null;
  declare last_error: string | null;
  declare delivered_at: Date | null;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    WebhookDelivery.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        webhook_id: DataTypes.BIGINT,
        agent_bot_id: DataTypes.BIGINT,
        event: { type: DataTypes.STRING, allowNull: false },
        ordering_key: { type: DataTypes.STRING, allowNull: false },
        delivery_uuid: { type: DataTypes.UUID, allowNull: false },
        payload: { type: DataTypes.JSONB, allowNull: false },
        status: { type: DataTypes.STRING, allowNull: false, defaultValue: 'queued' },
        attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        response_status: DataTypes.INTEGER,
        latency_ms: DataTypes.INTEGER,
        last_error: DataTypes.TEXT,
        delivered_at: DataTypes.DATE,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'webhook_deliveries', underscored: true },
    );
  }
}
