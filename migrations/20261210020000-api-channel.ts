import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * Chatwoot's `channel_api`: an inbox an outside system feeds through the API and whose agents'
 * replies are POSTed to its `webhook_url`. `identifier` names the inbox in the public client API;
 * `hmac_token` checks the contacts' identities there; `secret_ciphertext` signs the webhook posts.
 *
 * Its ids come from channel_email's sequence: `inboxes.channel_id` is polymorphic (with
 * `channel_type`), so no API channel ever shares an id with an email channel and a join of an inbox
 * to the wrong channel table finds nothing instead of another inbox's mailbox.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('channel_api', {
    id: { type: DataTypes.BIGINT, primaryKey: true, defaultValue: qi.sequelize.literal("nextval('channel_email_id_seq')") },
    account_id: { type: DataTypes.BIGINT, allowNull: false, references: { model: 'accounts', key: 'id' }, onDelete: 'CASCADE' },
    webhook_url: { type: DataTypes.STRING(2048), allowNull: true },
    identifier: { type: DataTypes.STRING, allowNull: false },
    hmac_token: { type: DataTypes.STRING, allowNull: false },
    hmac_mandatory: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    secret_ciphertext: { type: DataTypes.TEXT, allowNull: false },
    additional_attributes: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('channel_api', ['identifier'], { unique: true, name: 'index_channel_api_on_identifier' });
  await qi.addIndex('channel_api', ['hmac_token'], { unique: true, name: 'index_channel_api_on_hmac_token' });
  await qi.addIndex('channel_api', ['account_id']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('channel_api');
}
