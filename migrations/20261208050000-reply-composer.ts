import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * Replying like an email client: an inbox's signature (with the agent's name as a placeholder) and
 * whether replies quote the previous message by default; Chatwoot's account-wide canned responses.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('inboxes', 'email_signature', { type: DataTypes.TEXT });
  await qi.addColumn('inboxes', 'quote_history', { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true });
  await qi.createTable('canned_responses', {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    account_id: { type: DataTypes.BIGINT, allowNull: false, references: { model: 'accounts', key: 'id' }, onDelete: 'CASCADE' },
    short_code: { type: DataTypes.STRING, allowNull: false },
    content: { type: DataTypes.TEXT, allowNull: false },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('canned_responses', ['account_id', 'short_code'], { unique: true, name: 'index_canned_responses_on_account_id_and_short_code' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('canned_responses');
  await qi.removeColumn('inboxes', 'quote_history');
  await qi.removeColumn('inboxes', 'email_signature');
}
