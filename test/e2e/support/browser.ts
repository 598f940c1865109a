// What every dashboard e2e suite needs: the client built once per mocha process, headless Debian
// Chromium (playwright-core), numbered screenshots into a fresh temp folder, and the browser console
// collected so a suite can fail on any error or warning it did not provoke on purpose.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { repoRoot } from '../../sandbox/helpers.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let built: Promise<unknown> | undefined;

/** `vite build` of the dashboard into client/dist (which the app serves), once however many suites ask. */
export function buildDashboard(): Promise<unknown> {
  built ??= build({ configFile: path.join(repoRoot, 'client', 'vite.config.ts'), logLevel: 'error' });
  return built;
}

export interface BrowserSession {
  browser: Browser;
  page: Page;
  shotsDir: string;
  /** Saves `<nn>-<name>.png` of the page. */
  shot(name: string): Promise<void>;
  /** Console errors/warnings and page errors since the last call, except those matching `expected`. */
  takeConsoleErrors(expected?: RegExp[]): string[];
  close(): Promise<void>;
}

/** `trustSandboxTls`: the sandbox's sign-in pages are served with its own local CA, which Chromium does not know. */
export async function openBrowser(shotsPrefix: string, opts: { trustSandboxTls?: boolean } = {}): Promise<BrowserSession> {
  const shotsDir = fs.mkdtempSync(path.join(os.tmpdir(), shotsPrefix));
  let shotCount = 0;
  let consoleErrors: string[] = [];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, ignoreHTTPSErrors: opts.trustSandboxTls ?? false });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()} @ ${JSON.stringify(m.location())}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  return {
    browser, page, shotsDir,
    async shot(name) {
      await page.screenshot({ path: path.join(shotsDir, `${String(++shotCount).padStart(2, '0')}-${name}.png`) });
    },
    takeConsoleErrors(expected = []) {
      const unexpected = consoleErrors.filter((e) => !expected.some((re) => re.test(e)));
      consoleErrors = [];
      return unexpected;
    },
    close: () => browser.close(),
  };
}

/** On the sign-in page: types the credentials, submits, and waits for the account's conversation list. */
export async function signIn(page: Page, user: { email: string; password: string }, accountId: number): Promise<void> {
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`**/app/accounts/${accountId}/conversations`);
}
