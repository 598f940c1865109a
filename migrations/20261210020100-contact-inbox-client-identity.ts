import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * What the public client API keeps on the identities it creates: Chatwoot's `pubsub_token`, handed
 * to the contact with its source id, and whether the identity may edit its contact — not when it was
 * matched to an existing contact by email, phone number or an unproven identifier.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('contact_inboxes', 'pubsub_token', { type: DataTypes.STRING, allowNull: true });
  await qi.addIndex('contact_inboxes', ['pubsub_token'], { unique: true, name: 'index_contact_inboxes_on_pubsub_token' });
  await qi.addColumn('contact_inboxes', 'may_edit_contact', { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('contact_inboxes', 'may_edit_contact');
  await qi.removeColumn('contact_inboxes', 'pubsub_token');
}
