import type { QueryInterface } from 'sequelize';

/** Background jobs list microsoft_shared channels on every sweep; keep that lookup off a full scan. */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query(`CREATE INDEX channel_email_microsoft_shared ON channel_email (id) WHERE provider = 'microsoft_shared'`);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.sequelize.query('DROP INDEX IF EXISTS channel_email_microsoft_shared');
}
