import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * Chatwoot's `contact_inboxes.pubsub_token`: the public client API hands it to a contact it creates
 * (with the source id), as Chatwoot does for its widget and API-channel clients.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('contact_inboxes', 'pubsub_token', { type: DataTypes.STRING, allowNull: true });
  await qi.addIndex('contact_inboxes', ['pubsub_token'], { unique: true, name: 'index_contact_inboxes_on_pubsub_token' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('contact_inboxes', 'pubsub_token');
}
