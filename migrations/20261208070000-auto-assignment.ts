import { DataTypes, type QueryInterface } from 'sequelize';

/** Chatwoot's per-inbox `auto_assignment_config` (e.g. `max_assignment_limit`, open conversations per agent). */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('inboxes', 'auto_assignment_config', { type: DataTypes.JSONB, allowNull: false, defaultValue: {} });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('inboxes', 'auto_assignment_config');
}
