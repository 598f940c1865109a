import { DataTypes, type QueryInterface } from 'sequelize';
import { fk, id, timestamps } from '../server/src/db/migration-columns.js';

/**
 * Chatwoot's automation rules: on an event (conversation created, updated, opened, resolved, message
 * created), when the conversation matches the conditions, the actions run. Conditions and actions are
 * stored as Chatwoot's JSON lists; rules are read by account and event, active ones only.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('automation_rules', {
    id,
    account_id: fk('accounts'),
    name: { type: DataTypes.STRING, allowNull: false },
    description: { type: DataTypes.TEXT },
    event_name: { type: DataTypes.STRING, allowNull: false },
    conditions: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
    actions: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
    active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    ...timestamps,
  });
  await qi.addIndex('automation_rules', ['account_id', 'event_name'], { where: { active: true }, name: 'automation_rules_active' });
  await qi.addIndex('automation_rules', ['account_id']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('automation_rules');
}
