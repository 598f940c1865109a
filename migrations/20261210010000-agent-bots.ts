import { DataTypes, type QueryInterface } from 'sequelize';
import { fk, id, jsonb, timestamps } from '../server/src/db/migration-columns.js';

/**
 * Chatwoot's agent bots: an account's own (`account_id`) or the installation's (`account_id` null,
 * made through the Platform API), attached to at most one per inbox. A bot's events are deliveries
 * like a webhook's, so `webhook_deliveries` belongs to either a webhook or an agent bot.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('agent_bots', {
    id,
    account_id: fk('accounts', 'CASCADE', true),
    name: { type: DataTypes.STRING, allowNull: false },
    description: { type: DataTypes.TEXT },
    outgoing_url: { type: DataTypes.TEXT },
    bot_type: { type: DataTypes.STRING, allowNull: false, defaultValue: 'webhook' },
    bot_config: jsonb,
    avatar_url: { type: DataTypes.TEXT },
    secret_ciphertext: { type: DataTypes.TEXT, allowNull: false },
    ...timestamps,
  });
  await qi.addIndex('agent_bots', ['account_id']);

  await qi.createTable('agent_bot_inboxes', {
    id,
    account_id: fk('accounts'),
    inbox_id: fk('inboxes'),
    agent_bot_id: fk('agent_bots'),
    ...timestamps,
  });
  await qi.addIndex('agent_bot_inboxes', ['inbox_id'], { unique: true });
  await qi.addIndex('agent_bot_inboxes', ['agent_bot_id']);

  await qi.sequelize.query('ALTER TABLE webhook_deliveries ALTER COLUMN webhook_id DROP NOT NULL');
  await qi.addColumn('webhook_deliveries', 'agent_bot_id', fk('agent_bots', 'CASCADE', true));
  await qi.sequelize.query(
    'ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_one_target CHECK ((webhook_id IS NULL) <> (agent_bot_id IS NULL))',
  );
  await qi.addIndex('webhook_deliveries', ['agent_bot_id', 'ordering_key', 'id'], { where: { status: ['queued', 'retrying'] }, name: 'webhook_deliveries_bot_pending' });
  await qi.addIndex('webhook_deliveries', ['agent_bot_id', 'id'], { name: 'webhook_deliveries_bot' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query('DELETE FROM webhook_deliveries WHERE agent_bot_id IS NOT NULL');
  await qi.sequelize.query('ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_one_target');
  await qi.removeColumn('webhook_deliveries', 'agent_bot_id');
  await qi.sequelize.query('ALTER TABLE webhook_deliveries ALTER COLUMN webhook_id SET NOT NULL');
  await qi.sequelize.query("DELETE FROM access_tokens WHERE owner_type = 'AgentBot'");
  await qi.sequelize.query("UPDATE messages SET sender_type = NULL, sender_id = NULL WHERE sender_type = 'AgentBot'");
  await qi.dropTable('agent_bot_inboxes');
  await qi.dropTable('agent_bots');
}
