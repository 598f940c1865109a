import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { ChannelEmail } from '../../../models/index.js';

/** `filed`: read but kept apart from conversations on purpose (an abuse complaint, an aggregate report). */
export const INBOUND_STATUSES = ['received', 'ingested', 'duplicate', 'rejected', 'failed', 'filed'] as const;
export type InboundStatus = (typeof INBOUND_STATUSES)[number];

/**
 * One email as a transport handed it over (an IMAP UID, a Graph message id, ...). The raw MIME is in
 * blob storage before anything is parsed, so a failure at any later step loses nothing.
 */
export class InboundEmail extends Model<InferAttributes<InboundEmail>, InferCreationAttributes<InboundEmail>> {
  declare id: CreationOptional<number>;
  declare account_id: number;
  declare inbox_id: number;
  declare source_kind: string;
  declare source_ref: string;
  declare message_id_header: CreationOptional<string | null>;
  /** The sender and subject as parsed (capped like any header), to recognise an email that became no message. */
  declare sender: CreationOptional<string | null>;
  declare subject: CreationOptional<string | null>;
  declare sha256: CreationOptional<string | null>;
  declare storage_key: CreationOptional<string | null>;
  declare byte_size: CreationOptional<number>;
  declare status: CreationOptional<InboundStatus>;
  declare error_reason: CreationOptional<string | null>;
  declare attempts: CreationOptional<number>;
  declare message_id: CreationOptional<number | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    InboundEmail.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        account_id: { type: DataTypes.BIGINT, allowNull: false },
        inbox_id: { type: DataTypes.BIGINT, allowNull: false },
        source_kind: { type: DataTypes.STRING, allowNull: false },
        source_ref: { type: DataTypes.STRING(512), allowNull: false },
        message_id_header: DataTypes.TEXT,
        sender: DataTypes.TEXT,
        subject: DataTypes.TEXT,
        sha256: DataTypes.STRING(64),
        storage_key: DataTypes.STRING,
        byte_size: { type: DataTypes.BIGINT, defaultValue: 0 },
        status: { type: DataTypes.STRING, defaultValue: 'received', validate: { isIn: [INBOUND_STATUSES as unknown as string[]] } },
        error_reason: DataTypes.TEXT,
        attempts: { type: DataTypes.INTEGER, defaultValue: 0 },
        message_id: DataTypes.BIGINT,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'inbound_emails', underscored: true },
    );
  }
}

/** Where an IMAP fetch resumes: the last stored UID of a mailbox, valid only under its UIDVALIDITY. */
export class EmailFetchCursor extends Model<InferAttributes<EmailFetchCursor>, InferCreationAttributes<EmailFetchCursor>> {
  declare id: CreationOptional<number>;
  declare channel_id: number;
  declare mailbox: string;
  declare uid_validity: string;
  declare last_uid: CreationOptional<number>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    EmailFetchCursor.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        channel_id: { type: DataTypes.BIGINT, allowNull: false },
        mailbox: { type: DataTypes.STRING, allowNull: false },
        uid_validity: { type: DataTypes.STRING, allowNull: false },
        last_uid: { type: DataTypes.BIGINT, defaultValue: 0 },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'email_fetch_cursors', underscored: true },
    );
  }
}

/** A channel's fetch health: failures, backoff and backfill progress, shown on the inbox. */
export class EmailFetchState extends Model<InferAttributes<EmailFetchState>, InferCreationAttributes<EmailFetchState>> {
  declare id: CreationOptional<number>;
  declare channel_id: number;
  declare consecutive_failures: CreationOptional<number>;
  declare auth_failures: CreationOptional<number>;
  declare next_attempt_at: CreationOptional<Date | null>;
  declare last_error: CreationOptional<string | null>;
  declare last_error_kind: CreationOptional<string | null>;
  declare last_fetched_at: CreationOptional<Date | null>;
  declare backfill_total: CreationOptional<number>;
  declare backfill_done: CreationOptional<number>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    EmailFetchState.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        channel_id: { type: DataTypes.BIGINT, allowNull: false },
        consecutive_failures: { type: DataTypes.INTEGER, defaultValue: 0 },
        auth_failures: { type: DataTypes.INTEGER, defaultValue: 0 },
        next_attempt_at: DataTypes.DATE,
        last_error: DataTypes.TEXT,
        last_error_kind: DataTypes.STRING,
        last_fetched_at: DataTypes.DATE,
        backfill_total: { type: DataTypes.INTEGER, defaultValue: 0 },
        backfill_done: { type: DataTypes.INTEGER, defaultValue: 0 },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'email_fetch_states', underscored: true },
    );
  }

  /** The row for a channel, created on first use. */
  static async forChannel(channelId: number): Promise<EmailFetchState> {
    const [state] = await EmailFetchState.findOrCreate({ where: { channel_id: channelId } });
    return state;
  }
}

export function defineReceiveModels(sequelize: Sequelize): void {
  for (const model of [InboundEmail, EmailFetchCursor, EmailFetchState]) model.initModel(sequelize);
  // Lets the inbox payload carry the channel's health without a second query.
  ChannelEmail.hasOne(EmailFetchState, { foreignKey: 'channel_id', as: 'fetch_state' });
}
