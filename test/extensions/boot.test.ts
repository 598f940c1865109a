import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { testEnv } from '../support/env.js';

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

  it('fails with every duplicate id listed when an overlay registers ids that are taken', async () => {
    const { code, stderr } = await boot({ EXTENSIONS: 'leadchat,leadchat' });
    expect(code).to.equal(78);
    expect(stderr).to.contain('Extension registration failed');
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
});
