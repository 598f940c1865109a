import { DataTypes, type QueryInterface } from 'sequelize';
import { fk, id, timestamps } from '../server/src/db/migration-columns.js';

/**
 * Account webhooks (Chatwoot's outgoing webhooks) and one row per delivery: what was sent, how it
 * went (attempts, status, latency, last error), so the settings page can show the log and resend.
 * `ordering_key` (the conversation or contact) orders deliveries of one webhook: the next one waits
 * until the one before it was delivered or given up.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('webhooks', {
    id,
    account_id: fk('accounts'),
    url: { type: DataTypes.TEXT, allowNull: false },
    name: { type: DataTypes.STRING },
    subscriptions: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
    secret_ciphertext: { type: DataTypes.TEXT, allowNull: false },
    enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    failing_since: { type: DataTypes.DATE },
    disabled_reason: { type: DataTypes.TEXT },
    ...timestamps,
  });
  await qi.addIndex('webhooks', ['account_id']);

  await qi.createTable('webhook_deliveries', {
    id,
    webhook_id: fk('webhooks'),
    event: { type: DataTypes.STRING, allowNull: false },
    ordering_key: { type: DataTypes.STRING, allowNull: false },
    delivery_uuid: { type: DataTypes.UUID, allowNull: false },
    payload: { type: DataTypes.JSONB, allowNull: false },
    status: { type: DataTypes.STRING, allowNull: false, defaultValue: 'queued' },
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    response_status: { type: DataTypes.INTEGER },
    latency_ms: { type: DataTypes.INTEGER },
    last_error: { type: DataTypes.TEXT },
    delivered_at: { type: DataTypes.DATE },
    ...timestamps,
  });
  await qi.addIndex('webhook_deliveries', ['webhook_id', 'id']);
  await qi.addIndex('webhook_deliveries', ['webhook_id', 'ordering_key', 'id'], { where: { status: ['queued', 'retrying'] }, name: 'webhook_deliveries_pending' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('webhook_deliveries');
  await qi.dropTable('webhooks');
}
