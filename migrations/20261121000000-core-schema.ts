import { DataTypes, type QueryInterface } from 'sequelize';
import { fk, id, jsonb, timestamps } from '../server/src/db/migration-columns.js';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('accounts', {
    id,
    name: { type: DataTypes.STRING, allowNull: false },
    locale: { type: DataTypes.STRING, allowNull: false, defaultValue: 'en' },
    status: { type: DataTypes.STRING, allowNull: false, defaultValue: 'active' },
    domain: { type: DataTypes.STRING },
    support_email: { type: DataTypes.STRING },
    custom_attributes: jsonb,
    last_conversation_display_id: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...timestamps,
  });

  await qi.createTable('users', {
    id,
    name: { type: DataTypes.STRING, allowNull: false },
    display_name: { type: DataTypes.STRING },
    email: { type: DataTypes.STRING, allowNull: false },
    password_digest: { type: DataTypes.STRING },
    type: { type: DataTypes.STRING },
    message_signature: { type: DataTypes.TEXT },
    ui_settings: jsonb,
    custom_attributes: jsonb,
    confirmed_at: { type: DataTypes.DATE },
    ...timestamps,
  });
  await qi.sequelize.query('CREATE UNIQUE INDEX users_email_lower ON users (lower(email))');

  await qi.createTable('access_tokens', {
    id,
    owner_type: { type: DataTypes.STRING, allowNull: false },
    owner_id: { type: DataTypes.BIGINT, allowNull: false },
    token_digest: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    token_ciphertext: { type: DataTypes.TEXT, allowNull: false },
    ...timestamps,
  });
  await qi.addIndex('access_tokens', ['owner_type', 'owner_id'], { unique: true });

  await qi.createTable('account_users', {
    id,
    account_id: fk('accounts'),
    user_id: fk('users'),
    role: { type: DataTypes.STRING, allowNull: false, defaultValue: 'agent' },
    availability: { type: DataTypes.STRING, allowNull: false, defaultValue: 'online' },
    auto_offline: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    inviter_id: fk('users', 'SET NULL', true),
    active_at: { type: DataTypes.DATE },
    ...timestamps,
  });
  await qi.addIndex('account_users', ['account_id', 'user_id'], { unique: true });
  await qi.addIndex('account_users', ['user_id']);

  await qi.createTable('channel_email', {
    id,
    account_id: fk('accounts'),
    email: { type: DataTypes.STRING, allowNull: false },
    forward_to_email: { type: DataTypes.STRING, allowNull: false },
    provider: { type: DataTypes.STRING, allowNull: false, defaultValue: 'imap' },
    provider_config: jsonb,
    provider_secrets_ciphertext: { type: DataTypes.TEXT },
    imap_enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    imap_address: { type: DataTypes.STRING, allowNull: false, defaultValue: '' },
    imap_port: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    imap_login: { type: DataTypes.STRING, allowNull: false, defaultValue: '' },
    imap_password_ciphertext: { type: DataTypes.TEXT },
    imap_enable_ssl: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    smtp_enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    smtp_address: { type: DataTypes.STRING, allowNull: false, defaultValue: '' },
    smtp_port: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    smtp_login: { type: DataTypes.STRING, allowNull: false, defaultValue: '' },
    smtp_password_ciphertext: { type: DataTypes.TEXT },
    smtp_domain: { type: DataTypes.STRING, allowNull: false, defaultValue: '' },
    smtp_enable_starttls_auto: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    smtp_authentication: { type: DataTypes.STRING, allowNull: false, defaultValue: 'login' },
    smtp_openssl_verify_mode: { type: DataTypes.STRING, allowNull: false, defaultValue: 'none' },
    smtp_enable_ssl_tls: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    reauthorization_required_at: { type: DataTypes.DATE },
    ...timestamps,
  });
  await qi.sequelize.query('CREATE UNIQUE INDEX channel_email_email_lower ON channel_email (lower(email))');
  await qi.sequelize.query('CREATE UNIQUE INDEX channel_email_forward_to_email ON channel_email (forward_to_email)');
  await qi.addIndex('channel_email', ['account_id']);

  await qi.createTable('inboxes', {
    id,
    account_id: fk('accounts'),
    name: { type: DataTypes.STRING, allowNull: false },
    channel_type: { type: DataTypes.STRING, allowNull: false },
    channel_id: { type: DataTypes.BIGINT, allowNull: false },
    greeting_enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    greeting_message: { type: DataTypes.TEXT },
    enable_auto_assignment: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    allow_messages_after_resolved: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    lock_to_single_conversation: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    sender_name_type: { type: DataTypes.STRING, allowNull: false, defaultValue: 'friendly' },
    business_name: { type: DataTypes.STRING },
    timezone: { type: DataTypes.STRING, allowNull: false, defaultValue: 'UTC' },
    ...timestamps,
  });
  await qi.addIndex('inboxes', ['account_id']);
  await qi.addIndex('inboxes', ['channel_type', 'channel_id'], { unique: true });

  await qi.createTable('inbox_members', {
    id,
    inbox_id: fk('inboxes'),
    user_id: fk('users'),
    ...timestamps,
  });
  await qi.addIndex('inbox_members', ['inbox_id', 'user_id'], { unique: true });
  await qi.addIndex('inbox_members', ['user_id']);

  await qi.createTable('contacts', {
    id,
    account_id: fk('accounts'),
    name: { type: DataTypes.STRING, allowNull: false, defaultValue: '' },
    email: { type: DataTypes.STRING },
    phone_number: { type: DataTypes.STRING },
    identifier: { type: DataTypes.STRING },
    additional_attributes: jsonb,
    custom_attributes: jsonb,
    blocked: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    last_activity_at: { type: DataTypes.DATE },
    ...timestamps,
  });
  await qi.sequelize.query('CREATE UNIQUE INDEX contacts_account_email ON contacts (account_id, lower(email)) WHERE email IS NOT NULL');
  await qi.sequelize.query('CREATE UNIQUE INDEX contacts_account_identifier ON contacts (account_id, identifier) WHERE identifier IS NOT NULL');
  await qi.addIndex('contacts', ['account_id', 'created_at']);
  await qi.sequelize.query('CREATE INDEX contacts_account_name_lower ON contacts (account_id, lower(name))');

  await qi.createTable('contact_inboxes', {
    id,
    contact_id: fk('contacts'),
    inbox_id: fk('inboxes'),
    source_id: { type: DataTypes.STRING, allowNull: false },
    hmac_verified: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    ...timestamps,
  });
  await qi.addIndex('contact_inboxes', ['inbox_id', 'source_id'], { unique: true });
  await qi.addIndex('contact_inboxes', ['contact_id']);

  await qi.createTable('conversations', {
    id,
    account_id: fk('accounts'),
    inbox_id: fk('inboxes'),
    contact_id: fk('contacts'),
    contact_inbox_id: fk('contact_inboxes', 'SET NULL', true),
    display_id: { type: DataTypes.INTEGER, allowNull: false },
    uuid: { type: DataTypes.UUID, allowNull: false, defaultValue: DataTypes.UUIDV4, unique: true },
    status: { type: DataTypes.STRING, allowNull: false, defaultValue: 'open' },
    priority: { type: DataTypes.STRING },
    assignee_id: fk('users', 'SET NULL', true),
    additional_attributes: jsonb,
    custom_attributes: jsonb,
    snoozed_until: { type: DataTypes.DATE },
    last_activity_at: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    agent_last_seen_at: { type: DataTypes.DATE },
    assignee_last_seen_at: { type: DataTypes.DATE },
    contact_last_seen_at: { type: DataTypes.DATE },
    first_reply_created_at: { type: DataTypes.DATE },
    waiting_since: { type: DataTypes.DATE },
    ...timestamps,
  });
  await qi.addIndex('conversations', ['account_id', 'display_id'], { unique: true });
  await qi.addIndex('conversations', ['account_id', 'status', 'last_activity_at']);
  await qi.addIndex('conversations', ['inbox_id', 'status', 'last_activity_at']);
  await qi.addIndex('conversations', ['assignee_id', 'status']);
  await qi.addIndex('conversations', ['contact_id']);

  await qi.createTable('messages', {
    id,
    account_id: fk('accounts'),
    inbox_id: fk('inboxes'),
    conversation_id: fk('conversations'),
    message_type: { type: DataTypes.STRING, allowNull: false },
    content: { type: DataTypes.TEXT },
    content_type: { type: DataTypes.STRING, allowNull: false, defaultValue: 'text' },
    content_attributes: jsonb,
    private: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    status: { type: DataTypes.STRING, allowNull: false, defaultValue: 'sent' },
    source_id: { type: DataTypes.TEXT },
    external_error: { type: DataTypes.TEXT },
    sender_type: { type: DataTypes.STRING },
    sender_id: { type: DataTypes.BIGINT },
    ...timestamps,
  });
  await qi.addIndex('messages', ['conversation_id', 'created_at']);
  await qi.addIndex('messages', ['account_id', 'created_at']);
  await qi.sequelize.query('CREATE UNIQUE INDEX messages_inbox_source_id ON messages (inbox_id, source_id) WHERE source_id IS NOT NULL');

  await qi.createTable('attachments', {
    id,
    account_id: fk('accounts'),
    message_id: fk('messages'),
    file_type: { type: DataTypes.STRING, allowNull: false, defaultValue: 'file' },
    filename: { type: DataTypes.STRING, allowNull: false },
    content_type: { type: DataTypes.STRING, allowNull: false, defaultValue: 'application/octet-stream' },
    byte_size: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    storage_key: { type: DataTypes.STRING },
    external_url: { type: DataTypes.TEXT },
    content_id: { type: DataTypes.STRING },
    inline: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    ...timestamps,
  });
  await qi.addIndex('attachments', ['message_id']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const t of ['attachments', 'messages', 'conversations', 'contact_inboxes', 'contacts', 'inbox_members', 'inboxes', 'channel_email', 'account_users', 'access_tokens', 'users', 'accounts']) {
    await qi.dropTable(t);
  }
}
