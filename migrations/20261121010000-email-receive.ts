import { DataTypes, type QueryInterface } from 'sequelize';
import { fk, id, timestamps } from '../server/src/db/migration-columns.js';

/**
 * The receive path: every inbound email as it arrived (raw MIME kept in blob storage), the IMAP cursor
 * per channel and mailbox, the channel's fetch health, and in-app notifications for administrators.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('inbound_emails', {
    id,
    account_id: fk('accounts'),
    inbox_id: fk('inboxes'),
    source_kind: { type: DataTypes.STRING, allowNull: false },
    source_ref: { type: DataTypes.STRING(512), allowNull: false },
    message_id_header: { type: DataTypes.TEXT },
    sha256: { type: DataTypes.STRING(64) },
    storage_key: { type: DataTypes.STRING },
    byte_size: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    status: { type: DataTypes.STRING, allowNull: false, defaultValue: 'received' },
    error_reason: { type: DataTypes.TEXT },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    message_id: fk('messages', 'SET NULL', true),
    ...timestamps,
  });
  await qi.addIndex('inbound_emails', ['inbox_id', 'source_kind', 'source_ref'], { unique: true });
  await qi.addIndex('inbound_emails', ['inbox_id', 'status']);

  await qi.createTable('email_fetch_cursors', {
    id,
    channel_id: fk('channel_email'),
    mailbox: { type: DataTypes.STRING, allowNull: false },
    uid_validity: { type: DataTypes.STRING, allowNull: false },
    last_uid: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    ...timestamps,
  });
  await qi.addIndex('email_fetch_cursors', ['channel_id', 'mailbox'], { unique: true });

  await qi.createTable('email_fetch_states', {
    id,
    channel_id: { ...fk('channel_email'), unique: true },
    consecutive_failures: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    auth_failures: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    next_attempt_at: { type: DataTypes.DATE },
    last_error: { type: DataTypes.TEXT },
    last_error_kind: { type: DataTypes.STRING },
    last_fetched_at: { type: DataTypes.DATE },
    backfill_total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    backfill_done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...timestamps,
  });

  await qi.createTable('notifications', {
    id,
    account_id: fk('accounts'),
    user_id: fk('users'),
    notification_type: { type: DataTypes.STRING, allowNull: false },
    payload: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
    read_at: { type: DataTypes.DATE },
    ...timestamps,
  });
  await qi.addIndex('notifications', ['user_id', 'account_id', 'created_at']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const t of ['notifications', 'email_fetch_states', 'email_fetch_cursors', 'inbound_emails']) await qi.dropTable(t);
}
