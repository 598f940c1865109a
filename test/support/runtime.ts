import pg from 'pg';
import { Redis } from 'ioredis';
import supertest from 'supertest';
import { loadConfig, type Config } from '../../server/src/config.js';
import { createRuntime, type Runtime } from '../../server/src/runtime.js';
import { testEnv } from './env.js';

let shared: Promise<Runtime> | undefined;

/** Drops the database `databaseUrl` names (closing its connections), and creates it again unless `recreate` is false. */
export async function resetTestDatabase(databaseUrl: string, recreate = true): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    if (recreate) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

export async function clearRedisPrefix(config: Pick<Config, 'REDIS_URL' | 'REDIS_PREFIX'>): Promise<void> {
  const redis = new Redis(config.REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.REDIS_PREFIX}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ ...testEnv(), ...overrides });
}

/** The runtime most tests share: migrated once; tests isolate themselves by creating their own accounts. */
export function runtime(): Promise<Runtime> {
  shared ??= (async () => {
    const config = testConfig();
    await resetTestDatabase(config.DATABASE_URL);
    await clearRedisPrefix(config);
    const rt = await createRuntime(config);
    await rt.migrate();
    return rt;
  })();
  return shared;
}

export async function http() {
  return supertest((await runtime()).app);
}

export async function closeSharedRuntime(): Promise<void> {
  if (!shared) return;
  const rt = await shared;
  shared = undefined;
  await rt.close();
}
