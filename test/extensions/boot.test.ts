import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { testEnv } from '../support/env.js';
import { resetTestDatabase } from '../support/runtime.js';

/** Boots the real entry point (`npm start`'s main) and returns how it ended. */
function boot(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], { env: { ...testEnv(), PORT: '0', ...env } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('boot', function () {
  this.timeout(30_000);

  it('fails with every duplicate id and every bad overlay setting (ctx.register.config) in one list', async () => {
    const { code, stderr } = await boot({ EXTENSIONS: 'leadchat,leadchat', MICROSOFT_SHARED_WEBHOOK_BASE_URL: 'ftp://example.test', GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE: 'lots' });
    expect(code).to.equal(78);
    expect(stderr).to.contain('Extension registration failed');
    expect(stderr).to.contain('MICROSOFT_SHARED_WEBHOOK_BASE_URL: must be an http(s) URL').and.contain('GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE: must be a positive whole number of units');
    expect(stderr).to.contain('duplicate email provider id "microsoft_shared": registered by leadchat and again by leadchat');
    expect(stderr).to.contain('duplicate route id "leadchat.microsoft_shared.transports"');
    expect(stderr).to.contain('duplicate migration folder id "leadchat"');
  });

  it('names a configured overlay that does not exist', async () => {
    const { code, stderr } = await boot({ EXTENSIONS: 'nosuchoverlay' });
    expect(code).to.equal(78);
    expect(stderr).to.contain('extension "nosuchoverlay" not found (expected overlays/nosuchoverlay/server/index.ts)');
  });

  it('reports bad configuration with each variable named and no stack trace', async () => {
    const { code, stderr } = await boot({ PORT: 'eighty', REDIS_URL: 'http://nope' });
    expect(code).to.equal(78);
    expect(stderr).to.match(/PORT:/).and.match(/REDIS_URL: must be a redis:\/\/ URL/);
    expect(stderr).not.to.match(/\n\s+at /);
  });

  it('refuses to start outside tests with the secrets published in the source (the old development defaults)', async () => {
    const { code, stderr } = await boot({
      NODE_ENV: 'development', ENCRYPTION_KEYS: `dev:${Buffer.alloc(32, 7).toString('base64')}`, SESSION_SECRET: 'development-session-secret-not-for-production',
    });
    expect(code).to.equal(78);
    expect(stderr).to.contain('ENCRYPTION_KEYS: holds a key published in the LeadChat source').and.contain('SESSION_SECRET: is a value published');
  });

  it('starts on an empty database: migrates, seeds the demo administrator, serves, and stops cleanly on SIGTERM', async () => {
    const databaseUrl = 'postgres://postgres@127.0.0.1:5432/leadchat_test_boot';
    await resetTestDatabase(databaseUrl);
    const port = String(41_000 + Math.floor(Math.random() * 1000));
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      env: { ...testEnv(), DATABASE_URL: databaseUrl, PORT: port, SEED_DEMO: 'true', DEMO_ADMIN_PASSWORD: 'Boot-test-1', REDIS_PREFIX: 'leadchat-test:boot' },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      // Healthy once it serves and the workers have put every schedule in Redis.
      let health: { status?: string } | undefined;
      while (Date.now() < deadline) {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        health = res ? await res.json() : undefined;
        if (health?.status === 'ok') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(health).to.deep.include({ status: 'ok', database: 'ok', redis: 'ok' });
      expect(health).to.have.nested.property('schedules.missing').that.deep.equals([]);
      expect(stdout).to.contain('admin@leadchat.localhost').and.contain('Boot-test-1');

      const signIn = await fetch(`http://127.0.0.1:${port}/auth/sign_in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@leadchat.localhost', password: 'Boot-test-1' }),
      });
      expect(signIn.status).to.equal(200);
      expect((await signIn.json()).data.accounts[0]).to.include({ name: 'Demo Company', role: 'administrator' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
  });
});
