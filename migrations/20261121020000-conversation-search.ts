import type { QueryInterface } from 'sequelize';

/**
 * Conversation search (`q`) matches contacts by a substring of their name or email (`ILIKE '%q%'`),
 * which a btree cannot serve; trigram GIN indexes can, and serve `GET /contacts/search` as well.
 * pg_trgm ships with PostgreSQL and is a trusted extension (the database owner may create it).
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await qi.sequelize.query('CREATE INDEX contacts_name_trgm ON contacts USING gin (name gin_trgm_ops)');
  await qi.sequelize.query('CREATE INDEX contacts_email_trgm ON contacts USING gin (email gin_trgm_ops)');
}

// The extension stays: other objects may have come to depend on it.
export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query('DROP INDEX contacts_email_trgm');
  await qi.sequelize.query('DROP INDEX contacts_name_trgm');
}
