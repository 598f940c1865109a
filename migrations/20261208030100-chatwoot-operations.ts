import { DataTypes, type QueryInterface } from 'sequelize';
import { fk, id, timestamps } from '../server/src/db/migration-columns.js';

/**
 * Chatwoot operations an integration uses: a conversation's mute (incoming mail no longer reopens
 * it), custom attribute definitions (what the dashboard shows and edits on contacts and
 * conversations), and the reporting events the reports count (a resolution and its time).
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('conversations', 'muted', { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false });

  await qi.createTable('custom_attribute_definitions', {
    id,
    account_id: fk('accounts'),
    attribute_model: { type: DataTypes.STRING, allowNull: false },
    attribute_key: { type: DataTypes.STRING, allowNull: false },
    attribute_display_name: { type: DataTypes.STRING, allowNull: false },
    attribute_display_type: { type: DataTypes.STRING, allowNull: false, defaultValue: 'text' },
    attribute_description: { type: DataTypes.TEXT },
    attribute_values: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
    default_value: { type: DataTypes.TEXT },
    regex_pattern: { type: DataTypes.TEXT },
    regex_cue: { type: DataTypes.TEXT },
    ...timestamps,
  });
  await qi.addIndex('custom_attribute_definitions', ['account_id', 'attribute_model', 'attribute_key'], { unique: true });

  await qi.createTable('reporting_events', {
    id,
    account_id: fk('accounts'),
    inbox_id: fk('inboxes', 'SET NULL', true),
    user_id: fk('users', 'SET NULL', true),
    conversation_id: fk('conversations', 'SET NULL', true),
    name: { type: DataTypes.STRING, allowNull: false },
    /** Seconds (a resolution's time since the conversation opened). */
    value: { type: DataTypes.DOUBLE, allowNull: false },
    event_start_time: { type: DataTypes.DATE, allowNull: false },
    event_end_time: { type: DataTypes.DATE, allowNull: false },
    ...timestamps,
  });
  await qi.addIndex('reporting_events', ['account_id', 'name', 'created_at']);

  await qi.createTable('custom_filters', {
    id,
    account_id: fk('accounts'),
    user_id: fk('users'),
    name: { type: DataTypes.STRING, allowNull: false },
    filter_type: { type: DataTypes.STRING, allowNull: false },
    query: { type: DataTypes.JSONB, allowNull: false },
    ...timestamps,
  });
  await qi.addIndex('custom_filters', ['account_id', 'user_id', 'filter_type']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('custom_filters');
  await qi.dropTable('reporting_events');
  await qi.dropTable('custom_attribute_definitions');
  await qi.removeColumn('conversations', 'muted');
}
