import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createSequelize } from '../../server/src/db/sequelize.js';
import { createMigrator, migrate, type MigrationFolder } from '../../server/src/db/migrator.js';
import { createLogger } from '../../server/src/lib/logger.js';
import { resetTestDatabase } from '../support/runtime.js';

const url = 'postgres://postgres@127.0.0.1:5432/leadchat_test_migrations';
const logger = createLogger({ level: 'silent' });
const folders: MigrationFolder[] = [
  { id: 'core', path: path.resolve('migrations') },
  { id: 'leadchat', path: path.resolve('overlays/leadchat/migrations') },
];

describe('migrations (umzug over core and overlay folders)', function () {
  this.timeout(30_000);

  beforeEach(() => resetTestDatabase(url));

  it('run once even when two processes start together, core and overlay interleaved by timestamp', async () => {
    const a = createSequelize(url, logger);
    const b = createSequelize(url, logger);
    try {
      await Promise.all([migrate(url, a, folders, logger), migrate(url, b, folders, logger)]);
      const [rows] = await a.query('SELECT name FROM schema_migrations ORDER BY name');
      // Every migration file of both folders ran, each exactly once.
      const files = folders.flatMap((f) => readdirSync(f.path).filter((n) => n.endsWith('.ts')).map((n) => `${f.id}/${n.replace(/\.ts$/, '')}`)).sort();
      expect(files).to.include.members(['core/20261121000000-core-schema', 'leadchat/20261121000100-microsoft-shared-channel-index']);
      expect(rows.map((r) => (r as { name: string }).name)).to.deep.equal(files);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('can be rolled back completely', async () => {
    const s = createSequelize(url, logger);
    try {
      await migrate(url, s, folders, logger);
      await createMigrator(s, folders, logger).down({ to: 0 });
      const [tables] = await s.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
      expect(tables).to.deep.equal([]);
    } finally {
      await s.close();
    }
  });
});
