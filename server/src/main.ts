import type { Server } from 'node:http';
import path from 'node:path';
import { loadConfig } from './config.js';
import { ConfigError } from './lib/errors.js';
import { loadOrCreateLocalSecrets } from './lib/local-secrets.js';
import { createLogger } from './lib/logger.js';
import { repoRoot } from './lib/paths.js';
import { createRuntime } from './runtime.js';
import { seedDemo } from './services/demo-seed.js';

/**
 * `npm start`: migrate, then serve HTTP and/or run the workers (ROLE=all|web|worker). SIGTERM and
 * SIGINT stop accepting requests, let active jobs finish, then close every connection.
 */
async function main(): Promise<void> {
  const env = { ...process.env };
  // Production brings its own secrets; anything else started by hand gets its own random ones.
  const localSecrets = env.NODE_ENV === 'production' || env.NODE_ENV === 'test'
    ? undefined
    : loadOrCreateLocalSecrets(env, path.resolve(repoRoot, env.SECRETS_FILE ?? '.runtime/secrets.env'));
  const config = loadConfig({ ...env, ...localSecrets?.env });
  const logger = createLogger({ level: config.LOG_LEVEL });
  if (localSecrets?.created) {
    process.stdout.write(`\n  Generated this installation's encryption key and session secret in ${localSecrets.file} (mode 0600).\n  Keep that file: stored tokens and passwords cannot be decrypted without it.\n\n`);
  }
  const runtime = await createRuntime(config, { logger });
  let server: Server | undefined;

  // Installed before anything starts: a signal during start-up (e.g. while the workers connect)
  // waits for the start to settle, then shuts down cleanly instead of killing the process mid-way.
  let starting: Promise<void> = Promise.resolve();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await starting.catch(() => undefined);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await runtime.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  starting = (async () => {
    await runtime.migrate();
    if (config.ROLE !== 'worker') {
      if (config.SEED_DEMO) {
        const demo = await seedDemo(logger);
        if (demo) process.stdout.write(`\n  Demo administrator created. Sign in at ${config.FRONTEND_URL} with\n    email:    ${demo.email}\n    password: ${demo.password}\n\n`);
      }
      server = runtime.app.listen(config.PORT, config.HOST, () => logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'LeadChat is listening'));
    }
    if (config.ROLE !== 'web' && !stopping) {
      await runtime.startWorkers();
      logger.info({ jobs: runtime.registries.jobs.list().map((j) => j.id) }, 'workers started');
    }
  })();
  await starting;
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    // EX_CONFIG: a problem the operator fixes in the environment, not a crash.
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`LeadChat failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
