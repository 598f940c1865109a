import pg from 'pg';
import { Sequelize } from 'sequelize';
import type { Logger } from '../lib/logger.js';

// Ids are BIGINT in the schema but stay far below 2^53; return them as numbers like Chatwoot's API does.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number.parseInt(v, 10));

export function createSequelize(databaseUrl: string, logger: Logger): Sequelize {
  const log = logger.child({ component: 'db' });
  return new Sequelize(databaseUrl, {
    dialect: 'postgres',
    dialectModule: pg,
    logging: (sql) => log.trace({ sql }, 'query'),
    pool: { max: 10, min: 0, idle: 10_000 },
    // The models declare `created_at`/`updated_at` themselves; naming them as the timestamp attributes keeps
    // Sequelize from adding `createdAt`/`updatedAt` over the same columns, which raw queries mapped to a
    // model (`mapToModel`) would fill instead of the declared ones.
    define: { underscored: true, createdAt: 'created_at', updatedAt: 'updated_at' },
  });
}

/** Creates the database named in the URL when it does not exist yet (first `npm start` on a machine). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
