import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * Chatwoot's `notification_settings`: per agent and account, which conversation notifications reach
 * them by email and which as push (the bell and the browser). Kept as lists of flag names rather than
 * Chatwoot's bit masks; no row means the defaults.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('notification_settings', {
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    account_id: { type: DataTypes.BIGINT, allowNull: false, references: { model: 'accounts', key: 'id' }, onDelete: 'CASCADE' },
    user_id: { type: DataTypes.BIGINT, allowNull: false, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE' },
    email_flags: { type: DataTypes.ARRAY(DataTypes.STRING), allowNull: false, defaultValue: [] },
    push_flags: { type: DataTypes.ARRAY(DataTypes.STRING), allowNull: false, defaultValue: [] },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('notification_settings', ['account_id', 'user_id'], { unique: true, name: 'index_notification_settings_on_account_id_and_user_id' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('notification_settings');
}
