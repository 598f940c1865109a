// LeadChat as a user runs it: `npm start` in this checkout — the same launcher, build, environment and
// sandbox — on a fresh database, its own Redis prefix, its own secrets file and free loopback ports (so
// a developer's running LeadChat is never touched). Nothing here wires the product another way: the
// walk reads the credentials `npm start` prints and the sandbox's world from its control API.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort } from '../../../sandbox/src/ports.js';
import { PORT_ENV, type SandboxPorts } from '../../../sandbox/src/ports.js';
import type { WorldInfo } from '../../../sandbox/src/world-info.js';
import { repoRoot } from '../../sandbox/helpers.js';
import { clearRedisPrefix, resetTestDatabase } from '../../support/runtime.js';

export interface RunningProduct {
  base: string;
  world: WorldInfo;
  admin: { email: string; password: string };
  databaseUrl: string;
  secretsFile: string;
  /** Everything `npm start` printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Where that output is also written, kept for a failed run. */
  logFile: string;
  /** Ctrl-C, as a person stops it: SIGINT to the whole process group. */
  stop(): Promise<void>;
}

/** Variables the test runner sets for itself that a person typing `npm start` would not have. */
const TEST_ONLY = /^(NODE_ENV|EXTENSIONS|LOG_LEVEL|TEST_.*|MOCHA_.*|MICROSOFT_.*|GOOGLE_.*|LEADMAIL_.*|DATABASE_URL|REDIS_URL|REDIS_PREFIX|PLATFORM_API_TOKEN|SEED_DEMO|STORAGE_DIR|FRONTEND_URL|PORT|SANDBOX_.*|DEMO_ADMIN_PASSWORD|ENCRYPTION_KEYS|SESSION_SECRET|SECRETS_FILE)$/;

function waitFor(what: string, check: () => boolean, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
        clearInterval(timer);
        const why = child.exitCode !== null ? `npm start exited with code ${child.exitCode}` : `no ${what} within ${timeoutMs / 1000} s`;
        reject(new Error(`${why}; its output ends with:\n${output().slice(-4000)}`));
      }
    }, 100);
  });
}

let shared: Promise<RunningProduct> | undefined;

/**
 * The one `npm start` the acceptance group walks: started by the first file that asks, on a fresh
 * database, and stopped with Ctrl-C by the last file (`zz-shutdown.test.ts`), which checks it stops
 * cleanly. Files after the first-day walk find the installation that walk set up.
 */
export function sharedProduct(): Promise<RunningProduct> {
  shared ??= startProduct();
  return shared;
}

/** The shared product if a file started it; `undefined` otherwise. */
export function startedProduct(): Promise<RunningProduct> | undefined {
  return shared;
}

async function startProduct(): Promise<RunningProduct> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadchat-acceptance-'));
  // Dovecot's auth process runs as the dovecot user and must reach the sandbox's Lua script in here.
  fs.chmodSync(runDir, 0o755);
  // The kernel may hand the same free port out twice in a row: draw until each listener has its own.
  const taken = new Set<number>();
  const distinctPort = async () => {
    let p: number;
    do p = await freePort(); while (taken.has(p));
    taken.add(p);
    return p;
  };
  const port = await distinctPort();
  const sandboxPorts = {} as Record<keyof SandboxPorts, number>;
  for (const key of Object.keys(PORT_ENV) as (keyof SandboxPorts)[]) sandboxPorts[key] = await distinctPort();
  // Beside a test database of its own (parallel checkouts), the walk's database takes that name + _acceptance.
  const databaseUrl = process.env.TEST_DATABASE_URL ? `${process.env.TEST_DATABASE_URL}_acceptance` : 'postgres://postgres@127.0.0.1:5432/leadchat_acceptance';
  const redisPrefix = `leadchat-acceptance-${randomUUID().slice(0, 8)}`;
  const secretsFile = path.join(runDir, 'secrets.env');
  // `npm start` creates the database itself, as on a fresh machine.
  await resetTestDatabase(databaseUrl, false);

  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!TEST_ONLY.test(key)) env[key] = value;
  Object.assign(env, {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: redisPrefix,
    SECRETS_FILE: secretsFile,
    SANDBOX_RUNTIME_DIR: path.join(runDir, 'sandbox'),
    ...Object.fromEntries(Object.entries(sandboxPorts).map(([key, value]) => [PORT_ENV[key as keyof SandboxPorts], String(value)])),
  });

  const logFile = path.join(runDir, 'npm-start.log');
  const log = fs.createWriteStream(logFile);
  let output = '';
  const child = spawn('npm', ['start'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    log.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // A run that ends before the shutdown file (a failure, Ctrl-C on mocha) must not leave LeadChat running.
  process.once('exit', () => {
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, 'SIGINT');
      const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ } }, 20_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    await clearRedisPrefix({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: redisPrefix });
  };

  try {
    // npm ci (when needed), the Debian packages, vite and tsc builds, then migrations: minutes on a busy 2-core machine.
    await waitFor('"LeadChat is listening"', () => output.includes('LeadChat is listening'), child, () => output, 300_000);
    const credentials = /email:\s+(\S+)\s+password:\s+(\S+)/.exec(output);
    if (!credentials) throw new Error(`npm start printed no demo credentials:\n${output.slice(-3000)}`);
    const world = (await (await fetch(`http://127.0.0.1:${sandboxPorts.control}/world`)).json()) as WorldInfo;
    return {
      base: `http://127.0.0.1:${port}`,
      world,
      admin: { email: credentials[1]!, password: credentials[2]! },
      databaseUrl,
      secretsFile,
      output: () => output,
      logFile,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
