// The real app for a dashboard e2e suite: the client built, a sandbox, a runtime with workers (IMAP
// IDLE included) listening on the loopback port its FRONTEND_URL names — so OAuth redirects and Graph's
// notifications come back to it — and one teardown for all of it.
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import type { Context } from 'mocha';
import { startSecondRuntime } from '../../support/factories.js';
import { clearRedisPrefix } from '../../support/runtime.js';
import { startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { freePort } from '../../../sandbox/src/ports.js';
import { buildDashboard, type BrowserSession } from './browser.js';
import { passwordOf } from '../../email/send/send-runtime.js';

const INFO = 'info@example.test';

export type E2eRuntime = Awaited<ReturnType<typeof startSecondRuntime>>;

export interface E2eApp {
  sb: TestSandbox;
  rt: E2eRuntime;
  /** `http://127.0.0.1:<port>`, also the runtime's FRONTEND_URL. */
  base: string;
  close(): Promise<void>;
}

/** `env` adds settings that depend on the sandbox (e.g. the Microsoft app pointed at its Entra ID). */
export async function startE2eApp(name: string, env: (sb: TestSandbox) => NodeJS.ProcessEnv = () => ({})): Promise<E2eApp> {
  await buildDashboard();
  const sb = await startTestSandbox();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const rt = await startSecondRuntime({ REDIS_PREFIX: `leadchat-test-${name}-${randomUUID().slice(0, 8)}`, FRONTEND_URL: base, ...env(sb) });
  await rt.startWorkers();
  const server: Server = rt.app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    sb,
    rt,
    base,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rt.close();
      await clearRedisPrefix(rt.config);
      await sb.close();
    },
  };
}

/** For `afterEach`: a test that passed but left browser console errors it did not expect fails. */
export function failOnConsoleErrors(ctx: Context, browser: BrowserSession | undefined, expected: RegExp[]): void {
  const unexpected = browser ? browser.takeConsoleErrors(expected) : [];
  if (ctx.currentTest?.state === 'passed' && unexpected.length) {
    throw new Error(`browser console errors in "${ctx.currentTest.title}":\n${unexpected.join('\n')}`);
  }
}

/** An IMAP-only inbox for the sandbox's info@ mailbox (STARTTLS, its password), made through the API; returns its id. */
export async function createInfoInbox(app: E2eApp, account: { id: number }, admin: { token: string }): Promise<number> {
  const { sb } = app;
  const created = await supertest(app.rt.app).post(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', admin.token).send({
    name: 'Info', channel: {
      type: 'email', email: INFO, imap_enabled: true, imap_address: sb.world.imap.host, imap_port: sb.world.imap.port, imap_login: INFO,
      imap_password: passwordOf(sb, INFO), imap_enable_ssl: false,
    },
  });
  if (created.status !== 200) throw new Error(`creating the info@ inbox answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body.id as number;
}
