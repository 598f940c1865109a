import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * Receive state of each graph_full channel: mode, Graph subscription, delta cursor and health.
 * No foreign key to channel_email: the row must outlive the channel long enough for the cleanup job
 * to delete the Graph subscription it names.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('microsoft_shared_graph_state', {
    channel_id: { type: DataTypes.BIGINT, primaryKey: true },
    account_id: { type: DataTypes.BIGINT, allowNull: false },
    inbox_id: { type: DataTypes.BIGINT, allowNull: false },
    mailbox: { type: DataTypes.STRING, allowNull: false },
    tenant_id: { type: DataTypes.STRING, allowNull: false },
    receive_mode: { type: DataTypes.STRING, allowNull: false, defaultValue: 'polling' },
    subscription_id: { type: DataTypes.STRING, allowNull: true, unique: true },
    client_state_ciphertext: { type: DataTypes.TEXT, allowNull: true },
    subscription_expires_at: { type: DataTypes.DATE, allowNull: true },
    delta_link: { type: DataTypes.TEXT, allowNull: true },
    last_notification_at: { type: DataTypes.DATE, allowNull: true },
    last_sweep_at: { type: DataTypes.DATE, allowNull: true },
    last_sweep_error: { type: DataTypes.TEXT, allowNull: true },
    rejected_notifications: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('microsoft_shared_graph_state', ['receive_mode']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('microsoft_shared_graph_state');
}
