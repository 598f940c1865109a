import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * What an administrator needs to recognise an email that did not become a message (rejected, failed,
 * filed) without opening its raw MIME: who sent it and its subject, as the parser read them.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('inbound_emails', 'sender', { type: DataTypes.TEXT });
  await qi.addColumn('inbound_emails', 'subject', { type: DataTypes.TEXT });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('inbound_emails', 'subject');
  await qi.removeColumn('inbound_emails', 'sender');
}
