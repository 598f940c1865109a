// "Check connection" as the administrator meets it in headless Chromium, against the real app and the
// sandbox: connect support@ (graph_full) in the wizard, check it on the inbox's Microsoft 365 tab (every
// line OK but push, a warning with the admin-consent link, since nobody consented), take Send As away in Exchange, check again (that line failed, with what to do under it).
// Screenshots in os.tmpdir()/leadchat-doctor-e2e-<run>.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import { controlFetch, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { openBrowser, signIn, type BrowserSession } from '../../../../test/e2e/support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp, type E2eRuntime } from '../../../../test/e2e/support/app.js';
import { overlayEnabled, PASSWORDS, SUPPORT } from '../microsoft-shared/shared-testbed.js';
import { providersSandboxEnv } from '../support/metadata-connect.js';

const ADMIN_PASSWORD = 'E2e-admin-pass-1';
const ALICE = 'alice@contoso.test';
const SANDBOX_FAVICON = /404.*https:\/\/localhost:\d+\/favicon\.ico/;

describe('Check connection on a shared inbox (e2e, headless Chromium)', function () {
  this.timeout(60_000);
  this.bail(true);
  let sb: TestSandbox;
  let rt: E2eRuntime;
  let app: E2eApp;
  let base: string;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let admin: TestUser;
  let inboxId = 0;

  const accountUrl = (path: string) => `${base}/app/accounts/${account.id}${path}`;
  const lines = () => page.locator('[data-testid=ms-doctor] li').evaluateAll((els) => els.map((e) => [e.getAttribute('data-check'), e.getAttribute('data-status')]));

  before(async function () {
    if (!overlayEnabled()) return this.skip();
    this.timeout(120_000);
    app = await startE2eApp('doctor-e2e', providersSandboxEnv);
    ({ sb, rt, base } = app);
    account = await createAccount();
    admin = await createUser('Sam Admin', { password: ADMIN_PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    browser = await openBrowser('leadchat-doctor-e2e-', { trustSandboxTls: true });
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
  });

  afterEach(function () {
    failOnConsoleErrors(this, browser, [SANDBOX_FAVICON]);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    if (sb) await controlFetch(sb, 'POST', '/permissions', { mailbox: SUPPORT, user: ALICE, right: 'SendAs', grant: true });
    if (inboxId) await supertest(rt.app).delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token);
    await app?.close();
  });

  it('connects support@ over Graph; Check connection: every line OK, push a warning with its fix', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('#email');
    await signIn(page, { email: admin.email, password: ADMIN_PASSWORD }, account.id);
    await page.goto(accountUrl('/settings/inboxes/new/email'));
    await page.click('[data-testid=provider-microsoft_shared]');
    await page.fill('#ms-name', 'Support');
    await page.fill('#ms-email', SUPPORT);
    await page.check('[data-testid=transport-graph_full] input');
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.waitForSelector('#login');
    await page.selectOption('#login', ALICE);
    await page.fill('#password', PASSWORDS[ALICE]!);
    await page.click('#accept');
    await page.waitForURL(/\/settings\/inboxes\/new\/\d+\/agents$/, { timeout: 15_000 });
    inboxId = Number(/new\/(\d+)\/agents/.exec(page.url())![1]);

    await page.goto(accountUrl(`/settings/inboxes/${inboxId}?tab=microsoft_shared`));
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.locator('[data-testid=ms-doctor-checked-at]').waitFor({ timeout: 30_000 });
    expect(await lines()).to.deep.equal([
      ['token', 'ok'], ['graph', 'ok'], ['full_access', 'ok'], ['send_as', 'ok'], ['push', 'warning'], ['subscription', 'skipped'], ['last_activity', 'ok'], ['backlog', 'ok'],
    ]);
    expect(await page.locator('[data-check=push] [data-testid=ms-doctor-fix]').innerText()).to.equal('What to do: Ask a Microsoft Entra admin to grant admin consent with the link below.');
    expect(await page.locator('[data-check=push] [data-testid=ms-doctor-link]').getAttribute('href')).to.match(/^https:\/\/.+\/v2\.0\/adminconsent\?client_id=/);
    await browser.shot('doctor-all-ok');
  });

  it('Send As taken away in Exchange: checking again shows that line failed, with the fix under it', async () => {
    await controlFetch(sb, 'POST', '/permissions', { mailbox: SUPPORT, user: ALICE, right: 'SendAs', grant: false });
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.locator('[data-check=send_as][data-status=failed]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-check=send_as]').innerText()).to.contain('Sending as the mailbox (Send As) — Failed')
      .and.contain(`What to do: Ask your Exchange admin to grant ${ALICE} Send As on ${SUPPORT}`);
    expect(await page.locator('[data-testid=ms-doctor-fix]').count()).to.equal(2);
    expect(await page.locator('[data-testid=ms-doctor-checked-at]').textContent()).to.match(/^Checked /);
    await page.locator('[data-testid=ms-doctor]').scrollIntoViewIfNeeded();
    await browser.shot('doctor-send-as-failed');
  });
});
