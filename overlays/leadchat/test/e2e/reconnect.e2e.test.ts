// A disconnected shared inbox as the administrator meets it in headless Chromium, against the real app
// and the sandbox: connect support@ (graph_full) in the wizard; a second inbox on the same address is
// refused at the form; the delegate's sign-in is revoked -> a reply fails at once with the reconnect
// reason, the bell counts the notification and the app-wide banner appears, live -> another reply fails
// at once -> the banner's Reconnect -> the inbox page's Reconnect -> Microsoft -> banner gone, both
// replies in Jane's mailbox -> the Health tab says how the inbox receives -> the inbox deleted from its settings. Screenshots in
// os.tmpdir()/leadchat-reconnect-e2e-<run>.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import { controlFetch, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { awaitMail } from '../../../../test/email/send/send-runtime.js';
import { openBrowser, signIn, type BrowserSession } from '../../../../test/e2e/support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp, type E2eRuntime } from '../../../../test/e2e/support/app.js';
import { overlayEnabled, PASSWORDS, SUPPORT, JANE } from '../microsoft-shared/shared-testbed.js';
import { providersSandboxEnv } from '../support/metadata-connect.js';

const ADMIN_PASSWORD = 'E2e-admin-pass-1';
const SANDBOX_FAVICON = /404.*https:\/\/localhost:\d+\/favicon\.ico/;
// The refused authorization request is the form's expected answer, which Chromium logs as a failed resource.
const REFUSED_AUTHORIZATION = /status of 422/;
const REASON = 'Support needs reconnecting — an administrator has been told';

describe('reconnecting a shared inbox (e2e, headless Chromium)', function () {
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
  let conversationId = 0;

  const api = () => supertest(rt.app);
  const shot = (name: string) => browser.shot(name);
  const accountUrl = (path: string) => `${base}/app/accounts/${account.id}${path}`;

  before(async function () {
    if (!overlayEnabled()) return this.skip();
    this.timeout(120_000);
    app = await startE2eApp('reconnect-e2e', providersSandboxEnv);
    ({ sb, rt, base } = app);
    account = await createAccount();
    admin = await createUser('Sam Admin', { password: ADMIN_PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    browser = await openBrowser('leadchat-reconnect-e2e-', { trustSandboxTls: true });
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
  });

  afterEach(function () {
    failOnConsoleErrors(this, browser, [SANDBOX_FAVICON, REFUSED_AUTHORIZATION]);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    if (inboxId) await api().delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token);
    await app?.close();
  });

  async function signInAtMicrosoft(shotName: string) {
    await page.waitForSelector('#login');
    await page.selectOption('#login', 'alice@contoso.test');
    await page.fill('#password', PASSWORDS['alice@contoso.test']!);
    await shot(shotName);
    await page.click('#accept');
  }

  async function fillCard(name: string, email: string) {
    await page.goto(accountUrl('/settings/inboxes/new/email'));
    await page.click('[data-testid=provider-microsoft_shared]');
    await page.fill('#ms-name', name);
    await page.fill('#ms-email', email);
    await page.check('[data-testid=transport-graph_full] input');
  }

  async function reply(text: string) {
    await page.fill('#reply-content', text);
    await page.getByRole('button', { name: 'Send' }).click();
  }

  it('an administrator opening /settings lands on a settings page for administrators', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('#email');
    await signIn(page, { email: admin.email, password: ADMIN_PASSWORD }, account.id);
    // A fresh load of /settings: the session is restored before the landing page is chosen.
    await page.goto(accountUrl('/settings'));
    await page.waitForURL('**/settings/agents');
    expect(await page.locator('[data-testid=notification-bell]').getAttribute('aria-label')).to.equal('Notifications');
  });

  it('connects support@, then refuses a second inbox on the same address at the form, before any sign-in', async () => {
    await fillCard('Support', SUPPORT);
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await signInAtMicrosoft('consent');
    await page.waitForURL(/\/settings\/inboxes\/new\/\d+\/agents$/, { timeout: 15_000 });
    inboxId = Number(/new\/(\d+)\/agents/.exec(page.url())![1]);

    await fillCard('Support again', ' SUPPORT@Contoso.test');
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.getByText('is already connected as the inbox "Support"').waitFor();
    expect(new URL(page.url()).host, 'still on the form').to.equal(new URL(base).host);
    await shot('duplicate-refused');
  });

  it('token revoked: the reply fails at once with the reason, the bell and the banner show it live; the next reply fails at once too', async () => {
    const contact = (await api().post(`/api/v1/accounts/${account.id}/contacts`).set('api_access_token', admin.token).send({ name: 'Jane Customer', email: JANE }).expect(200)).body.payload.contact;
    conversationId = (await api().post(`/api/v1/accounts/${account.id}/conversations`).set('api_access_token', admin.token).send({ inbox_id: inboxId, contact_id: contact.id }).expect(200)).body.id;
    await page.goto(accountUrl(`/conversations/${conversationId}`));
    await page.waitForSelector('#reply-content');
    expect(await page.locator('[data-testid=reconnect-banner]').count()).to.equal(0);

    // Entra refuses the next refresh; the token is near its end, so the reply's send asks for one.
    const channel = (await rt.models.ChannelEmail.findOne({ where: { email: SUPPORT } }))!;
    await channel.update({ provider_config: { ...channel.provider_config, token_expires_at: new Date(Date.now() + 60_000).toISOString() } });
    expect((await controlFetch(sb, 'POST', '/tokens/revoke', { user: 'alice@contoso.test' })).status).to.equal(200);

    const started = Date.now();
    await reply('Your order ships on Monday.');
    const failed = page.locator('[data-status=failed]', { hasText: REASON });
    await failed.waitFor({ timeout: 10_000 });
    expect(Date.now() - started, 'no minutes of retries').to.be.below(8_000);
    await page.locator('[data-testid=awaiting-reconnect]').first().waitFor();
    await page.locator('[data-testid=notification-count]', { hasText: '1' }).waitFor({ timeout: 5_000 });
    const banner = page.locator('[data-testid=reconnect-banner]');
    await banner.getByText('Support needs reconnecting.').waitFor({ timeout: 5_000 });
    await shot('reply-failed-bell-banner');

    await reply('And the invoice is attached to your account.');
    await page.locator('[data-status=failed]').nth(1).waitFor({ timeout: 5_000 });
    expect(await page.locator('[data-status=failed]', { hasText: REASON }).count()).to.equal(2);

    await page.click('[data-testid=notification-bell]');
    const panel = page.locator('[data-testid=notifications-panel]');
    await panel.getByText('Support needs reconnecting').waitFor();
    await shot('bell-open');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('phone-bell-open-banner');
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('Reconnect from the banner -> the inbox page -> Microsoft: the banner goes and both replies reach Jane', async () => {
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=reconnect-banner-link]').click();
    await page.waitForURL(new RegExp(`/settings/inboxes/${inboxId}$`));
    await page.locator('[data-testid=reauth-banner]').getByRole('button', { name: 'Reconnect' }).click();
    await page.waitForURL(/\/settings\/inboxes\/new\/email\/microsoft_shared\?/);
    // The card loads the inbox before it can reconnect it: its transport is then preselected.
    await page.waitForFunction(() => (document.querySelector('[data-testid=transport-graph_full] input') as HTMLInputElement | null)?.checked === true);
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await signInAtMicrosoft('reconnect-consent');
    await page.waitForURL(new RegExp(`/settings/inboxes/new/${inboxId}/agents$`), { timeout: 15_000 });

    await page.goto(accountUrl(`/conversations/${conversationId}`));
    await page.locator('[data-status=sent]').nth(1).waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid=reconnect-banner]').count()).to.equal(0);
    await shot('reconnected-replies-sent');
    await awaitMail(sb, JANE, (m) => !!m.text?.startsWith('Your order ships on Monday.'), 10_000);
    await awaitMail(sb, JANE, (m) => !!m.text?.startsWith('And the invoice is attached to your account.'), 10_000);

    // The bell: newest first; marking them all read clears the badge.
    await page.click('[data-testid=notification-bell]');
    const titles = await page.locator('[data-testid=notifications-panel] .bell__title').allInnerTexts();
    expect(titles.slice(0, 2)).to.deep.equal(['Support is connected again', 'Support needs reconnecting']);
    await page.click('[data-testid=notifications-read-all]');
    await page.locator('[data-testid=notification-count]').waitFor({ state: 'detached' });
    await shot('bell-all-read');
    await page.keyboard.press('Escape');
  });

  it('the Health tab says how a graph_full inbox receives; the Microsoft 365 tab words a refused admin consent', async () => {
    await page.goto(accountUrl(`/settings/inboxes/${inboxId}?tab=health`));
    const receive = page.locator('[data-testid=graph-receive-health][data-mode=polling]');
    await receive.getByText('LeadChat checks the mailbox every two minutes.').waitFor();
    await receive.getByText('Last check for new mail').waitFor();
    expect(await page.getByText('This inbox does not fetch mail').count()).to.equal(0);
    await shot('health-graph-polling');

    await page.goto(accountUrl(`/settings/inboxes/${inboxId}?tab=microsoft_shared&admin_consent=denied`));
    await page.locator('[data-testid=ms-admin-consent][data-consent=denied]').getByText('Admin consent was not granted').waitFor();
    await page.goto(accountUrl(`/settings/inboxes/${inboxId}?tab=microsoft_shared&admin_consent=<script>`));
    await page.locator('[data-testid=ms-receive-mode]').waitFor();
    expect(await page.locator('[data-testid=ms-admin-consent]').count(), 'an unknown code shows nothing').to.equal(0);
  });

  it('deletes the inbox after its name is typed, and goes back to the inbox list', async () => {
    await page.goto(accountUrl(`/settings/inboxes/${inboxId}`));
    await page.click('[data-testid=delete-inbox]');
    const dialog = page.locator('[data-testid=delete-inbox-dialog]');
    await dialog.getByText('Delete Support?').waitFor();
    const confirm = dialog.locator('[data-testid=delete-inbox-confirm]');
    await dialog.locator('input').fill('support');
    expect(await confirm.isDisabled(), 'another spelling').to.equal(true);
    await dialog.locator('input').fill('Support ');
    await shot('delete-dialog');
    await confirm.click();
    await page.waitForURL('**/settings/inboxes');
    await page.getByText('No inboxes yet').waitFor();
    expect(await rt.models.Inbox.count({ where: { id: inboxId } })).to.equal(0);
    inboxId = 0;
    await shot('inbox-deleted');
  });
});
