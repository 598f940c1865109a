import { DataTypes, type QueryInterface } from 'sequelize';

const id = { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true, allowNull: false };
const fk = (table: string, onDelete: 'CASCADE' | 'SET NULL' = 'CASCADE', allowNull = false) => ({
  type: DataTypes.BIGINT, allowNull, references: { model: table, key: 'id' }, onDelete,
});
const timestamps = {
  created_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
  updated_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
};

/** The columns a connected Microsoft or Google account shares (one connection per user and helpdesk account). */
const connectionColumns = (uidColumn: string) => ({
  id,
  account_id: fk('accounts'),
  user_id: fk('users'),
  email: { type: DataTypes.STRING, allowNull: false },
  [uidColumn]: { type: DataTypes.STRING, allowNull: false },
  tokens_ciphertext: { type: DataTypes.TEXT, allowNull: true },
  token_expires_at: { type: DataTypes.DATE, allowNull: true },
  scopes: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
  features: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
  status: { type: DataTypes.STRING, allowNull: false, defaultValue: 'active' },
  revoked_at: { type: DataTypes.DATE, allowNull: true },
  last_error: { type: DataTypes.TEXT, allowNull: true },
  ...timestamps,
});

/**
 * Metadata sync: the users' connected Microsoft 365 and Google accounts, the shared mailboxes they
 * list, one sync state per account × mailbox × source, and the interaction events the syncs produce.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('microsoft_accounts', { ...connectionColumns('microsoft_uid'), tenant_id: { type: DataTypes.STRING, allowNull: true } });
  await qi.addIndex('microsoft_accounts', ['account_id', 'user_id'], { unique: true });
  await qi.createTable('google_accounts', connectionColumns('google_uid'));
  await qi.addIndex('google_accounts', ['account_id', 'user_id'], { unique: true });

  await qi.createTable('metadata_shared_mailboxes', {
    id,
    account_id: fk('accounts'),
    microsoft_account_id: fk('microsoft_accounts'),
    email: { type: DataTypes.STRING, allowNull: false },
    include_calendar: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    ...timestamps,
  });
  await qi.addIndex('metadata_shared_mailboxes', ['microsoft_account_id', 'email'], { unique: true });
  await qi.addIndex('metadata_shared_mailboxes', ['account_id', 'email']);

  await qi.createTable('metadata_sync_states', {
    id,
    account_id: fk('accounts'),
    provider: { type: DataTypes.STRING, allowNull: false },
    mailbox: { type: DataTypes.STRING, allowNull: false },
    source: { type: DataTypes.STRING, allowNull: false },
    cursor: { type: DataTypes.TEXT, allowNull: true },
    page_cursor: { type: DataTypes.TEXT, allowNull: true },
    status: { type: DataTypes.STRING, allowNull: false, defaultValue: 'pending' },
    error: { type: DataTypes.TEXT, allowNull: true },
    progress: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
    backfill_completed_at: { type: DataTypes.DATE, allowNull: true },
    last_synced_at: { type: DataTypes.DATE, allowNull: true },
    retry_at: { type: DataTypes.DATE, allowNull: true },
    ...timestamps,
  });
  await qi.addIndex('metadata_sync_states', ['account_id', 'provider', 'mailbox', 'source'], { unique: true });

  await qi.createTable('interaction_events', {
    id,
    account_id: fk('accounts'),
    user_id: fk('users'),
    contact_id: fk('contacts', 'SET NULL', true),
    provider: { type: DataTypes.STRING, allowNull: false },
    source: { type: DataTypes.STRING, allowNull: false },
    mailbox: { type: DataTypes.STRING, allowNull: false },
    kind: { type: DataTypes.STRING, allowNull: false },
    direction: { type: DataTypes.STRING, allowNull: false },
    remote_id: { type: DataTypes.STRING(998), allowNull: false },
    item_id: { type: DataTypes.STRING(998), allowNull: true },
    occurred_at: { type: DataTypes.DATE, allowNull: false },
    counterpart_email: { type: DataTypes.STRING, allowNull: false },
    counterpart_name: { type: DataTypes.STRING, allowNull: true },
    subject: { type: DataTypes.TEXT, allowNull: true },
    newsletter: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    ...timestamps,
  });
  await qi.addIndex('interaction_events', ['account_id', 'user_id', 'source', 'mailbox', 'remote_id', 'counterpart_email'], {
    unique: true, name: 'interaction_events_remote_unique',
  });
  await qi.addIndex('interaction_events', ['account_id', 'counterpart_email', 'occurred_at']);
  await qi.addIndex('interaction_events', ['contact_id', 'occurred_at']);
  await qi.addIndex('interaction_events', ['account_id', 'source', 'mailbox', 'item_id']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const table of ['interaction_events', 'metadata_sync_states', 'metadata_shared_mailboxes', 'google_accounts', 'microsoft_accounts']) {
    await qi.dropTable(table);
  }
}
