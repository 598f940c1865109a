import { DataTypes, type QueryInterface } from 'sequelize';

/**
 * What an administrator needs to recognise an email that did not become a message (rejected, failed,
 * filed) without opening its raw MIME: who sent it and its subject, as the parser read them. And
 * subjects stored whole before they were capped at 998 characters (RFC 5322's line limit) are cut
 * the same way: every conversation list carried them; the raw email keeps the full value.
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('inbound_emails', 'sender', { type: DataTypes.TEXT });
  await qi.addColumn('inbound_emails', 'subject', { type: DataTypes.TEXT });
  await qi.sequelize.query(`UPDATE conversations SET additional_attributes = jsonb_set(additional_attributes, '{mail_subject}', to_jsonb(left(additional_attributes->>'mail_subject', 997) || '…'))
    WHERE length(additional_attributes->>'mail_subject') > 998`);
  await qi.sequelize.query(`UPDATE messages SET content_attributes = jsonb_set(content_attributes, '{email,subject}', to_jsonb(left(content_attributes#>>'{email,subject}', 997) || '…'))
    WHERE length(content_attributes#>>'{email,subject}') > 998`);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('inbound_emails', 'subject');
  await qi.removeColumn('inbound_emails', 'sender');
}
