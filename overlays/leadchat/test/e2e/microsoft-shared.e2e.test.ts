// The Microsoft 365 shared inbox end to end, per transport, as an administrator clicks it: headless
// Chromium against the real app (HTTP + workers in this process, on the port FRONTEND_URL names, so
// Entra's redirect and Graph's notifications reach it) and the sandbox (Entra sign-in pages, Graph,
// Dovecot, SMTP, LeadMail). Wizard card -> transport -> Connect -> the sandbox's consent page ->
// callback -> "add agents" -> Jane's email shows up live -> reply -> Jane's mailbox gets it From the
// shared mailbox, threaded, with the Sent Items copy in the SHARED mailbox -> Jane's answer joins the
// same conversation. graph_full starts in polling mode: the settings tab's "Grant push notifications"
// walks the admin consent back into the app, and Jane's email arrives by the catch-up sweep (the job the
// schedule runs, queued here at once), which picks it up in either mode; push itself is covered by
// graph-receive.test.ts and graph-clients.test.ts.
// Also: bob (no Full Access) is sent back to the refilled form, the administrator's sign-in link
// finished in another browser is refused, and the reauthorization banner's Reconnect signs in again
// for the same inbox. Screenshots in os.tmpdir()/leadchat-ms-e2e-<run>.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import { controlFetch, folderSubjects, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { awaitMail } from '../../../../test/email/send/send-runtime.js';
import { openBrowser, signIn, type BrowserSession } from '../../../../test/e2e/support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp, type E2eRuntime } from '../../../../test/e2e/support/app.js';
import { GRAPH_DUE_JOB } from '../../server/microsoft-shared/graph/graph-receive.job.js';
import { overlayEnabled, PASSWORDS, SUPPORT, JANE } from '../microsoft-shared/shared-testbed.js';

const ADMIN_PASSWORD = 'E2e-admin-pass-1';
// The sandbox's sign-in pages have no favicon; Chromium's request for one is not the dashboard's error.
const SANDBOX_FAVICON = /404.*https:\/\/localhost:\d+\/favicon\.ico/;
const TRANSPORTS = [
  { id: 'imap_smtp', sentCopy: true },
  { id: 'imap_leadmail', sentCopy: false },
  { id: 'graph_full', sentCopy: true },
] as const;

describe('microsoft_shared dashboard (e2e, headless Chromium)', function () {
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
  let inboxId: number | undefined;
  let expectedConsole: RegExp[] = [];

  const api = () => supertest(rt.app);
  const shot = (name: string) => browser.shot(name);
  const settingsUrl = (path: string) => `${base}/app/accounts/${account.id}/settings/${path}`;
  const deliver = (mail: Record<string, unknown>) => controlFetch(sb, 'POST', '/mail/deliver', { from: `Jane Customer <${JANE}>`, to: SUPPORT, ...mail });

  before(async function () {
    if (!overlayEnabled()) return this.skip();
    this.timeout(120_000);
    // Entra's redirect, the admin-consent return and Graph's webhook all come back to this app.
    app = await startE2eApp('ms-e2e', (sandbox) => {
      const msApp = sandbox.world.microsoft.apps[0]!;
      return {
        MICROSOFT_CLIENT_ID: msApp.clientId,
        MICROSOFT_CLIENT_SECRET: msApp.clientSecret,
        MICROSOFT_AUTHORITY: `https://${sandbox.world.microsoft.authorityHost}/organizations`,
        MICROSOFT_GRAPH_BASE_URL: sandbox.world.microsoft.graphBaseUrl,
        MICROSOFT_IMAP_HOST: sandbox.world.imap.host,
        MICROSOFT_IMAP_PORT: String(sandbox.world.imap.port),
        MICROSOFT_SMTP_HOST: sandbox.world.smtp.host,
        MICROSOFT_SMTP_PORT: String(sandbox.world.smtp.port),
        LEADMAIL_BASE_URL: sandbox.world.leadmail.baseUrl,
        LEADMAIL_API_KEY: sandbox.world.leadmail.apiKey,
      };
    });
    ({ sb, rt, base } = app);

    account = await createAccount();
    admin = await createUser('Sam Admin', { password: ADMIN_PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    browser = await openBrowser('leadchat-ms-e2e-', { trustSandboxTls: true });
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
  });

  afterEach(function () {
    failOnConsoleErrors(this, browser, [SANDBOX_FAVICON, ...expectedConsole]);
    expectedConsole = [];
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await removeInbox();
    await app?.close();
  });

  /** support@ is one inbox per installation: free it for the next transport. */
  async function removeInbox() {
    if (!inboxId) return;
    await api().delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token).expect(200);
    inboxId = undefined;
  }

  /** The sandbox's Entra page: pick the account, type the password, accept. */
  async function signInAtMicrosoft(upn: string, password: string, shotName: string) {
    await page.waitForSelector('#login');
    expect(new URL(page.url()).host).to.equal(sb.world.microsoft.authorityHost);
    await page.selectOption('#login', upn);
    await page.fill('#password', password);
    await shot(shotName);
    await page.click('#accept');
  }

  async function openCard() {
    await page.goto(settingsUrl('inboxes/new/email'));
    await page.click('[data-testid=provider-microsoft_shared]');
    await page.waitForSelector('#ms-email');
  }

  async function connect(transport: string, upn: string, name: string) {
    await openCard();
    await page.fill('#ms-name', name);
    await page.fill('#ms-email', SUPPORT);
    await page.check(`[data-testid=transport-${transport}] input`);
    await shot(`${transport}-card-filled`);
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await signInAtMicrosoft(upn, PASSWORDS[upn]!, `${transport}-consent`);
  }

  it('signs in; the wizard offers the Microsoft 365 shared inbox card next to Microsoft 365, and checks the form before leaving', async () => {
    await page.goto(`${base}/`);
    await signIn(page, { email: admin.email, password: ADMIN_PASSWORD }, account.id);
    await page.goto(settingsUrl('inboxes/new/email'));
    await page.waitForSelector('[data-testid=provider-microsoft_shared]');
    const cards = await page.$$eval('[data-testid^=provider-]', (els) => els.map((e) => e.getAttribute('data-testid')));
    expect(cards).to.deep.equal(['provider-microsoft', 'provider-microsoft_shared', 'provider-google', 'provider-imap']);
    await shot('wizard-providers');

    await page.click('[data-testid=provider-microsoft_shared]');
    await page.waitForSelector('#ms-email');
    expect(await page.locator('fieldset.transports legend').textContent()).to.equal('How LeadChat reads and sends this mailbox\'s mail');
    expect(await page.locator('input[name=ms-transport]').count()).to.equal(3);
    await page.fill('#ms-email', 'support@contoso');
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.locator('[data-testid=error-ms-email]').getByText('This is not an email address').waitFor();
    await page.locator('[data-testid=error-ms-transport]').getByText('Pick how LeadChat reads').waitFor();
    expect(await page.getAttribute('#ms-email', 'aria-invalid')).to.equal('true');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('ms-email');
    // Keyboard: arrow keys move between the radios.
    await page.focus('[data-testid=transport-graph_full] input');
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    expect(await page.isChecked('[data-testid=transport-imap_smtp] input')).to.equal(true);
    expect(page.url()).to.match(/\/settings\/inboxes\/new\/email\/microsoft_shared$/);
    await shot('card-validation');
  });

  it('bob (no Full Access on support@) is sent back to the form with the no-such-mailbox-or-no-Full-Access message, his entries kept', async () => {
    await connect('imap_leadmail', 'bob@contoso.test', 'Support desk');
    await page.waitForURL(/\/settings\/inboxes\/new\/email\/microsoft_shared\?/);
    const refused = page.locator('[data-testid=connect-refused]');
    await refused.waitFor();
    // Over IMAP Exchange refuses a missing mailbox and a forbidden one alike, so the form names both.
    expect(await refused.textContent()).to.contain('The shared mailbox was not connected.')
      .and.contain('either the address is not a mailbox in your organization (check it for a typo), or that account has no Full Access on it');
    expect(await page.inputValue('#ms-name')).to.equal('Support desk');
    expect(await page.inputValue('#ms-email')).to.equal(SUPPORT);
    expect(await page.isChecked('[data-testid=transport-imap_leadmail] input')).to.equal(true);
    await shot('bob-refused');
    const inboxes = await api().get(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', admin.token).expect(200);
    expect(inboxes.body.payload).to.deep.equal([]);
  });

  it('the administrator\'s sign-in link opened in another browser is refused at the callback: nothing is connected', async () => {
    // The administrator starts, then sends the Microsoft link to someone without a LeadChat session,
    // who signs in there as alice (who could open support@) and accepts.
    await openCard();
    await page.fill('#ms-email', SUPPORT);
    await page.check('[data-testid=transport-imap_smtp] input');
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await page.waitForSelector('#login');
    const link = page.url();
    const elsewhere = await browser.browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 } });
    try {
      const other = await elsewhere.newPage();
      await other.goto(link);
      await other.selectOption('#login', 'alice@contoso.test');
      await other.fill('#password', PASSWORDS['alice@contoso.test']!);
      await other.click('#accept');
      await other.waitForURL(`${base}/microsoft_shared/callback?**`);
      const heading = await other.locator('h1').textContent();
      expect(heading).to.equal('Could not connect the Microsoft 365 shared inbox');
      expect(await other.locator('body').textContent()).to.contain('started in another browser or another LeadChat session')
        .and.contain('Nothing was connected. Start again from Settings → Inboxes → Add inbox in LeadChat, in this browser.');
      await other.screenshot({ path: `${browser.shotsDir}/other-browser-refused.png` });
    } finally {
      await elsewhere.close();
    }
    const inboxes = await api().get(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', admin.token).expect(200);
    expect(inboxes.body.payload).to.deep.equal([]);
    expect(await rt.models.ChannelEmail.count({ where: { email: SUPPORT } })).to.equal(0);
  });

  /** graph_full's settings tab: polling with the delegate, "Grant push notifications" walks Entra's admin consent and returns to the app. */
  async function walkAdminConsent() {
    await page.goto(settingsUrl(`inboxes/${inboxId}?tab=microsoft_shared`));
    const mode = page.locator('[data-testid=ms-receive-mode]');
    await mode.waitFor();
    expect(await mode.getAttribute('data-mode')).to.equal('polling');
    expect(await page.textContent('[data-testid=ms-delegate]')).to.equal('alice@contoso.test');
    await shot('graph_full-settings-polling');
    // Limiting the app to the mailbox: RBAC for Applications, with this app's id and this mailbox filled in.
    await page.locator('[data-testid=ms-app-scope] summary').click();
    const commands = await page.textContent('[data-testid=ms-app-scope] pre');
    expect(commands).to.contain(`-Role "Application Mail.Read" -CustomResourceScope "LeadChat ${SUPPORT}"`);
    expect(commands).to.contain(`Test-ServicePrincipalAuthorization -Identity ${sb.world.microsoft.apps[0]!.clientId} -Resource ${SUPPORT}`);
    await page.getByRole('link', { name: 'Grant push notifications' }).click();
    await signInAtMicrosoft('admin@contoso.test', sb.world.microsoft.users.find((u) => u.isAdmin)!.password, 'graph_full-admin-consent');
    // Entra -> /microsoft_shared/admin_consent (re-decides the tenant's channels) -> back on this tab, which says so.
    await page.waitForURL(settingsUrl(`inboxes/${inboxId}?tab=microsoft_shared&admin_consent=granted`));
    await page.locator('[data-testid=ms-admin-consent][data-consent=granted]').getByText('Admin consent granted').waitFor();
    await page.locator('[data-testid=ms-receive-mode][data-mode=push]').waitFor({ timeout: 15_000 });
    await shot('graph_full-admin-consent-returned');
  }

  for (const { id: transport, sentCopy } of TRANSPORTS) {
    it(`${transport}: connect in the wizard -> Jane's email arrives live -> reply From support@, threaded${sentCopy ? ', copy in the shared Sent Items' : ''} -> her answer joins`, async () => {
      await connect(transport, 'alice@contoso.test', `Support ${transport}`);
      await page.waitForURL(/\/settings\/inboxes\/new\/\d+\/agents$/, { timeout: 15_000 });
      inboxId = Number(/new\/(\d+)\/agents/.exec(page.url())![1]);
      await page.waitForSelector('[data-step=AGENTS][aria-current=step]');
      await shot(`${transport}-agents-step`);
      const inbox = await api().get(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token).expect(200);
      expect(inbox.body).to.deep.include({ email: SUPPORT, provider: 'microsoft_shared', name: `Support ${transport}` });
      expect(inbox.body.provider_config).to.include({ transport, delegate_upn: 'alice@contoso.test' });
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-step=FINISH][aria-current=step]');

      if (transport === 'graph_full') await walkAdminConsent();
      await page.goto(`${base}/app/accounts/${account.id}/conversations`);
      // graph_full's first sweep backfills the earlier transports' mail from support@: only this run's subject counts.
      await page.waitForSelector('[data-testid=count-open]');

      const subject = `Printer jam via ${transport}`;
      const messageId = `<jam-${transport}-${Date.now()}@example.test>`;
      expect((await deliver({ subject, text: 'The printer is jammed again.', messageId })).status).to.equal(201);
      // IMAP transports: the core's IDLE connection (as the shared UPN) sees it; graph_full: the polling sweep.
      if (transport === 'graph_full') await rt.queues.enqueue(GRAPH_DUE_JOB, { task: 'sweep_polling' });
      const item = page.locator('[data-testid^=conversation-]', { hasText: subject });
      await item.waitFor({ timeout: 20_000 });
      await shot(`${transport}-email-arrived`);
      await item.click();
      await page.waitForURL(/\/conversations\/\d+$/);
      const conversationUrl = page.url();
      await page.locator('.conversation__thread').getByText('The printer is jammed again.').waitFor();

      await page.fill('#reply-content', `Open tray 2 (${transport}).`);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('[data-status=sent]').waitFor({ timeout: 15_000 });
      await shot(`${transport}-reply-sent`);

      const mail = await awaitMail(sb, JANE, (m) => m.subject === `Re: ${subject}`, 10_000);
      expect(mail.from?.value[0]?.address).to.equal(SUPPORT);
      expect(mail.inReplyTo).to.equal(messageId);
      expect(mail.references).to.include(messageId);
      // The reply comes first; the customer's email follows quoted.
      expect(mail.text?.trim()).to.match(new RegExp(`^Open tray 2 \\(${transport}\\)\\.`));
      const { json } = await controlFetch(sb, 'POST', '/tokens/issue', { user: 'alice@contoso.test', scopes: ['IMAP.AccessAsUser.All'] });
      const sharedSent = await folderSubjects(sb, { user: SUPPORT, accessToken: (json as { access_token: string }).access_token }, 'Sent Items');
      expect(sharedSent.includes(`Re: ${subject}`)).to.equal(sentCopy);

      await deliver({
        subject: `Re: ${subject}`, text: 'Tray 2 did it, thanks!', messageId: `<thanks-${transport}-${Date.now()}@example.test>`,
        inReplyTo: mail.messageId, references: [messageId, mail.messageId],
      });
      if (transport === 'graph_full') await rt.queues.enqueue(GRAPH_DUE_JOB, { task: 'sweep_polling' });
      await page.locator('.conversation__thread').getByText('Tray 2 did it, thanks!').waitFor({ timeout: 20_000 });
      expect(page.url()).to.equal(conversationUrl);
      expect(await page.locator('[data-testid^=conversation-]', { hasText: subject }).count()).to.equal(1);
      await shot(`${transport}-answer-joined`);
      if (transport !== 'graph_full') await removeInbox();
    });
  }

  it('the reauthorization banner\'s Reconnect opens the card for the same inbox and transport and signs in again', async () => {
    await rt.models.ChannelEmail.update({ reauthorization_required_at: new Date() }, { where: { email: SUPPORT } });
    await page.goto(settingsUrl(`inboxes/${inboxId}`));
    const banner = page.locator('[data-testid=reauth-banner]');
    await banner.waitFor();
    await shot('reauth-banner');
    await banner.getByRole('button', { name: 'Reconnect' }).click();
    await page.waitForURL(/\/settings\/inboxes\/new\/email\/microsoft_shared\?/);
    await page.waitForFunction(() => (document.querySelector('[data-testid=transport-graph_full] input') as HTMLInputElement | null)?.checked === true);
    expect(await page.inputValue('#ms-email')).to.equal(SUPPORT);
    expect(await page.getAttribute('#ms-email', 'readonly')).to.not.equal(null);
    await shot('reconnect-card');
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await signInAtMicrosoft('alice@contoso.test', PASSWORDS['alice@contoso.test']!, 'reconnect-consent');
    await page.waitForURL(new RegExp(`/settings/inboxes/new/${inboxId}/agents$`), { timeout: 15_000 });
    const inbox = await api().get(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token).expect(200);
    expect(inbox.body.reauthorization_required).to.equal(false);
    expect(inbox.body.provider_config.transport).to.equal('graph_full');
    await shot('reconnected');
  });
});
