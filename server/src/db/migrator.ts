import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { codeExt } from '../lib/paths.js';
import type { Logger } from '../lib/logger.js';

export interface MigrationFolder {
  /** Who owns the folder: `core` or the overlay's name. */
  id: string;
  path: string;
}

type MigrationFn = (params: { context: QueryInterface }) => Promise<void>;

/**
 * One umzug over the core folder and every overlay folder. Files are named `<timestamp>-<what>`, so
 * sorting by file name interleaves core and overlay migrations in the order they were written.
 */
export function createMigrator(sequelize: Sequelize, folders: MigrationFolder[], logger: Logger) {
  const log = logger.child({ component: 'migrator' });
  const files = folders.flatMap((folder) =>
    existsSync(folder.path)
      ? readdirSync(folder.path)
          .filter((f) => f.endsWith(codeExt) && !f.endsWith('.d.ts'))
          .map((f) => ({ folder, file: f, name: `${folder.id}/${f.replace(/\.(ts|js)$/, '')}` }))
      : [],
  );
  files.sort((a, b) => a.file.localeCompare(b.file));

  return new Umzug<QueryInterface>({
    migrations: files.map(({ folder, file, name }) => ({
      name,
      up: async ({ context }) => (await load(path.join(folder.path, file))).up({ context }),
      down: async ({ context }) => (await load(path.join(folder.path, file))).down({ context }),
    })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: {
      info: (m) => log.info(renameKey(m)),
      warn: (m) => log.warn(renameKey(m)),
      error: (m) => log.error(renameKey(m)),
      debug: (m) => log.debug(renameKey(m)),
    },
  });
}

/** umzug logs `{ name }`, which would clash with pino's logger name. */
function renameKey(entry: Record<string, unknown>): Record<string, unknown> {
  const { name, ...rest } = entry;
  return name === undefined ? rest : { ...rest, migration: name };
}

async function load(file: string): Promise<{ up: MigrationFn; down: MigrationFn }> {
  return (await import(pathToFileURL(file).href)) as { up: MigrationFn; down: MigrationFn };
}

const MIGRATION_LOCK_KEY = 727_001;

/**
 * Runs pending migrations under a Postgres advisory lock, so a web and a worker process starting
 * together do not race each other over the same migration.
 */
export async function migrate(databaseUrl: string, sequelize: Sequelize, folders: MigrationFolder[], logger: Logger): Promise<void> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await createMigrator(sequelize, folders, logger).up();
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}
