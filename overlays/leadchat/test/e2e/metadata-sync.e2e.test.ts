// "Mail & calendar insights" end to end, as a team member clicks it: headless Chromium against the real
// app (HTTP + workers in this process, on the port FRONTEND_URL names, so the providers' redirects come
// back to it) and the sandbox (Entra and Google sign-in pages, Graph, Gmail, Google Calendar).
// Settings → Integrations → the page → tick Mail + Calendar → Connect → the sandbox's consent page as
// alice → back with "connected" → the source rows move to Synced (polling stops once idle) → Jane's
// contact page lists alice's mail and meetings with Jane and "who knows" = the signed-in member.
// Also: a declined consent comes back as an alert; switching on shared mail asks for the missing
// permission (Grant access = the same sign-in, incremental) and lists shared mailboxes; the callback's
// admin-approval return shows the link to send; Google with gina; Disconnect behind a confirm dialog.
// Screenshots (1280 px and 390 px wide) in os.tmpdir()/leadchat-metadata-e2e-<run>.
import { expect } from 'chai';
import path from 'node:path';
import type { Page, Request } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import type { TestSandbox } from '../../../../test/sandbox/helpers.js';
import { openBrowser, signIn, type BrowserSession } from '../../../../test/e2e/support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp, type E2eRuntime } from '../../../../test/e2e/support/app.js';
import { JANE, overlayEnabled, PASSWORDS } from '../microsoft-shared/shared-testbed.js';
import { POLL_GRACE_MS, POLL_INTERVAL_MS } from '../../client/metadata-sync/metadata-sync.logic.js';
import { providersSandboxEnv } from '../support/metadata-connect.js';

const PASSWORD = 'E2e-member-pass-1';
const ALICE = 'alice@contoso.test';
const GINA = { email: 'gina@fabrikam.test', password: 'gina-pass' };
// The sandbox's sign-in pages have no favicon; Chromium's request for one is not the dashboard's error.
const SANDBOX_FAVICON = /404.*https:\/\/localhost:\d+\/favicon\.ico/;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

describe('metadata sync dashboard (e2e, headless Chromium)', function () {
  this.timeout(90_000);
  this.bail(true);
  let sb: TestSandbox;
  let rt: E2eRuntime;
  let app: E2eApp;
  let base: string;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let member: TestUser;
  let janeId: number;

  const api = () => supertest(rt.app);
  const shot = (name: string) => browser.shot(name);
  /** The whole page, below the fold too (the cards are long). */
  const fullShot = (name: string) => page.screenshot({ path: path.join(browser.shotsDir, `full-${name}.png`), fullPage: true });
  const pageUrl = (query = '') => `${base}/app/accounts/${account.id}/settings/integrations/metadata-sync${query}`;
  const card = (provider: string) => page.locator(`[data-testid=ms-card-${provider}]`);

  before(async function () {
    if (!overlayEnabled()) return this.skip();
    this.timeout(120_000);
    // FRONTEND_URL stays the app's own port (startE2eApp); the providers point at the sandbox.
    app = await startE2eApp('metadata-e2e', providersSandboxEnv);
    ({ sb, rt, base } = app);

    account = await createAccount();
    // Each person connects their own mailbox: an agent, not an administrator, reaches Settings → Integrations.
    member = await createUser('Alice Archer', { password: PASSWORD });
    await addToAccount(account.id, member, 'agent');
    // Jane writes to and meets alice (sandbox seed): her contact exists before the sync matches events to it.
    const contact = await api().post(`/api/v1/accounts/${account.id}/contacts`).set('api_access_token', member.token).send({ name: 'Jane Customer', email: JANE }).expect(200);
    janeId = contact.body.payload.contact.id;
    browser = await openBrowser('leadchat-metadata-e2e-', { trustSandboxTls: true });
    page = browser.page;
    await page.setViewportSize(DESKTOP);
    console.log(`      screenshots: ${browser.shotsDir}`);
  });

  afterEach(function () {
    failOnConsoleErrors(this, browser, [SANDBOX_FAVICON]);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await app?.close();
  });

  /**
   * A 390 px wide screenshot, with the core's own phone layout (top bar, settings tabs, the contact
   * page in one column), checking that what this overlay draws fits the phone's width.
   */
  async function phoneShot(name: string, selector: string) {
    await page.setViewportSize(PHONE);
    const overflow = await page.locator(selector).first().evaluate((el) => [...el.querySelectorAll('*')].filter((c) => c.getBoundingClientRect().right > window.innerWidth + 1).map((c) => c.outerHTML.slice(0, 80)));
    await shot(name);
    await page.setViewportSize(DESKTOP);
    expect(overflow, `${selector} overflows 390 px`).to.deep.equal([]);
  }

  /** The sandbox's sign-in page (Entra's or Google's): pick the account, type the password, accept or cancel. */
  async function signInAtProvider(login: string, password: string, shotName: string, decision: 'accept' | 'cancel' = 'accept') {
    await page.waitForSelector('#login');
    expect(new URL(page.url()).protocol).to.equal('https:');
    await page.selectOption('#login', login);
    await page.fill('#password', password);
    await shot(shotName);
    await page.click(`#${decision}`);
  }

  /** After the provider's redirect: the "connected" note (or the test fails with the alert the page shows instead). */
  async function expectConnected(provider: string) {
    const outcome = page.locator('[data-testid=ms-connected-note], [data-testid=ms-connect-error]');
    await outcome.first().waitFor({ timeout: 15_000 });
    const said = (await outcome.first().textContent())?.trim() ?? '';
    expect(said.startsWith(`${provider} is connected.`), `the page says: ${said}`).to.equal(true);
  }

  /** Waits until every source row of the card is Synced, and returns their ids (mailbox-source). */
  async function waitForSynced(provider: string, expected: string[], shotName: string): Promise<void> {
    const rows = card(provider).locator('[data-testid^=source-][data-status]');
    await page.waitForFunction(
      ({ provider, n }) => {
        const rows = [...document.querySelectorAll(`[data-testid=ms-card-${provider}] [data-testid^=source-][data-status]`)];
        return rows.length >= n && rows.every((r) => r.getAttribute('data-status') === 'idle');
      },
      { provider, n: expected.length }, { timeout: 45_000, polling: 250 },
    );
    expect((await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).sort()).to.deep.equal(expected.map((s) => `source-${s}`).sort());
    for (const badge of await rows.locator('[data-testid=source-status]').allTextContents()) expect(badge.trim()).to.equal('Synced');
    for (const synced of await rows.locator('[data-testid=source-last-synced]').allTextContents()) expect(synced.trim()).to.match(/^Synced (now|\d+ minutes? ago)$/);
    await shot(shotName);
  }

  it('signs in; Settings → Integrations lists "Mail & calendar insights"; its cards offer the scope toggles as labelled checkboxes', async () => {
    await page.goto(`${base}/`);
    await signIn(page, { email: member.email, password: PASSWORD }, account.id);
    // An agent's Settings opens on Integrations (agents and inboxes are the administrators').
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(`**/app/accounts/${account.id}/settings/integrations`);
    expect(await page.locator('.settings__nav a').allTextContents()).to.deep.equal(['Integrations']);
    await page.getByRole('link', { name: /Mail & calendar insights/ }).click();
    await page.waitForURL(pageUrl());
    await card('microsoft').waitFor();
    expect(await page.locator('h2').first().textContent()).to.equal('Mail & calendar insights');

    const ms = card('microsoft');
    expect(await ms.locator('fieldset legend').textContent()).to.equal('What LeadChat may read');
    expect(await ms.getByRole('checkbox').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).labels?.[0]?.textContent))).to.deep.equal(['Mail', 'Calendar', 'Shared mailboxes\' mail', 'Shared calendars']);
    expect(await card('google').getByRole('checkbox').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).labels?.[0]?.textContent))).to.deep.equal(['Gmail', 'Calendar']);
    // Mail and Calendar start ticked; the keyboard toggles a box.
    expect(await ms.getByRole('checkbox', { name: 'Mail', exact: true }).isChecked()).to.equal(true);
    await ms.getByRole('checkbox', { name: 'Shared calendars' }).focus();
    await page.keyboard.press('Space');
    expect(await ms.getByRole('checkbox', { name: 'Shared calendars' }).isChecked()).to.equal(true);
    await page.keyboard.press('Space');
    expect(await ms.getByRole('checkbox', { name: 'Shared calendars' }).isChecked()).to.equal(false);
    await fullShot('page-not-connected');
    await phoneShot('page-not-connected-390', '.metadata-sync');
  });

  it('a declined consent comes back to the page with the reason, in the page\'s own words, in an alert', async () => {
    await card('microsoft').getByRole('button', { name: 'Connect Microsoft' }).click();
    await signInAtProvider(ALICE, PASSWORDS[ALICE]!, 'consent-declining', 'cancel');
    const alert = page.locator('[data-testid=ms-connect-error]');
    await alert.waitFor();
    expect(await alert.getAttribute('role')).to.equal('alert');
    expect(await alert.textContent()).to.contain('Microsoft 365 was not connected.')
      .and.contain('The sign-in was cancelled or permission was not granted, so nothing was connected.');
    // The callback's parameters are dropped once read: a reload does not repeat the alert.
    await page.waitForURL(pageUrl());
    await shot('consent-declined');
  });

  it('connects Microsoft 365 (Mail + Calendar) through the consent page; the source rows move to Synced, then polling stops', async () => {
    await page.goto(pageUrl());
    const ms = card('microsoft');
    await ms.getByRole('checkbox', { name: 'Mail', exact: true }).waitFor();
    await ms.getByLabel('Work email (optional)').fill(ALICE);
    await ms.getByRole('button', { name: 'Connect Microsoft' }).click();
    await signInAtProvider(ALICE, PASSWORDS[ALICE]!, 'ms-consent');
    await expectConnected('Microsoft 365');
    await ms.locator('[data-testid=connection-email]').waitFor();
    expect(await ms.locator('[data-testid=connection-email]').textContent()).to.equal(ALICE);
    expect((await ms.locator('[data-testid=connection-status]').textContent())?.trim()).to.equal('Connected');
    await shot('ms-connected');

    await waitForSynced('microsoft', [`${ALICE}-mail:inbox`, `${ALICE}-mail:sentitems`, `${ALICE}-calendar`], 'ms-synced');
    // Past the short grace period after connecting, an idle page stops asking.
    await page.waitForTimeout(POLL_GRACE_MS);
    const polls: string[] = [];
    const count = (r: Request) => void (r.url().includes('/integrations/metadata_sync') && polls.push(r.url()));
    page.on('request', count);
    await page.waitForTimeout(2 * POLL_INTERVAL_MS);
    page.off('request', count);
    expect(polls, 'the page keeps polling although every source is idle').to.deep.equal([]);
  });

  it('Jane\'s contact page lists alice\'s mail and meetings with her, and "who knows" her = the signed-in member', async () => {
    await page.goto(`${base}/app/accounts/${account.id}/contacts/${janeId}`);
    const panel = page.locator('[data-slot-panel=interactions]');
    await panel.locator('[data-testid=interactions-events]').waitFor();
    expect(await panel.locator('h3').textContent()).to.equal('Interactions');
    // Inbox "Thanks for the call", Sent "Follow-up", the onboarding meeting; the declined and the cancelled meetings do not count.
    expect(await panel.locator('[data-testid=interactions-summary]').textContent()).to.match(/^\s*2 emails · 1 meeting\s*· last \d+ days ago\s*$/);
    const team = panel.locator('[data-testid=interactions-team] li');
    expect(await team.count()).to.equal(1);
    expect(await team.first().textContent()).to.match(/^Alice Archer \(you\)\s*3 interactions · last \d+ days ago\s*$/);
    const events = await panel.locator('[data-testid=interactions-events] li').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}:${e.getAttribute('data-direction')}:${e.querySelector('.event__subject')?.textContent}`));
    expect(events).to.have.lengthOf(3);
    expect(events).to.include.members(['email:inbound:Thanks for the call', 'email:outbound:Follow-up']);
    expect(events.filter((e) => e.startsWith('meeting:') && e.endsWith(':Onboarding call with Jane'))).to.have.lengthOf(1);
    expect(await panel.getByText('Email from the contact · Alice Archer').count()).to.equal(1);
    await shot('contact-interactions');
    await phoneShot('contact-interactions-390', '[data-slot-panel=interactions]');
  });

  it('switching on shared mail asks for the missing permission; Grant access signs in again and the shared mailbox list takes an address', async () => {
    await page.goto(pageUrl());
    const ms = card('microsoft');
    await ms.locator('[data-testid=connection-email]').waitFor();
    await ms.getByRole('checkbox', { name: 'Shared mailboxes\' mail' }).check();
    const grant = ms.locator('[data-testid=grant-access]');
    await grant.waitFor();
    expect(await ms.locator('[data-testid=feature-microsoft-shared_mail]').textContent()).to.contain('Not granted yet');
    // The tenant's admin-consent link is one click away, for organisations where users may not consent.
    await ms.getByText('Does your organisation need an administrator to approve this?').click();
    expect(await ms.getByLabel('Approval link for your IT administrator').inputValue()).to.match(/\/adminconsent\?/);
    await fullShot('ms-grant-access');

    // The shared mailbox list shows with the feature; the browser checks the address before sending it.
    const shared = ms.locator('[data-testid=ms-shared-mailboxes]');
    await shared.getByRole('button', { name: 'Add' }).click();
    expect(await shared.getByRole('alert').textContent()).to.equal('Enter the shared mailbox\'s address.');
    await shared.getByLabel('Shared mailbox address').fill('support@contoso.test');
    await shared.getByRole('button', { name: 'Add' }).click();
    await shared.locator('[data-testid="shared-support@contoso.test"]').waitFor();
    await fullShot('ms-shared-added');

    await grant.getByRole('button', { name: 'Grant access' }).click();
    await signInAtProvider(ALICE, PASSWORDS[ALICE]!, 'ms-incremental-consent');
    await expectConnected('Microsoft 365');
    await ms.locator('[data-testid=connection-email]').waitFor();
    expect(await ms.locator('[data-testid=grant-access]').count()).to.equal(0);
    expect(await ms.getByRole('checkbox', { name: 'Shared mailboxes\' mail' }).isChecked()).to.equal(true);
    await waitForSynced('microsoft', [
      `${ALICE}-mail:inbox`, `${ALICE}-mail:sentitems`, `${ALICE}-calendar`, 'support@contoso.test-mail:inbox', 'support@contoso.test-mail:sentitems',
    ], 'ms-shared-synced');
    await phoneShot('ms-shared-synced-390', '.metadata-sync');

    await shared.getByRole('button', { name: 'Remove support@contoso.test' }).click();
    await shared.getByText('No shared mailboxes listed yet.').waitFor();
  });

  it('a crafted admin-approval return is said in the page\'s own words, and its link for IT is not shown', async () => {
    // `message` and `admin_consent_url` are what a crafted link could add: LeadChat serves the real link itself.
    const query = new URLSearchParams({ provider: 'microsoft', error: 'admin_approval_required', message: 'Call +1 555 0100 to approve LeadChat.', admin_consent_url: 'https://evil.test/adminconsent' });
    await page.goto(pageUrl(`?${query}`));
    const said = await page.locator('[data-testid=ms-connect-error]').textContent();
    expect(said).to.contain('Your organization requires an administrator to approve LeadChat before you can connect.').and.not.contain('555 0100');
    await page.locator('.provider-cards').waitFor();
    expect(await page.content()).not.to.contain('evil.test');
    await shot('admin-approval-crafted');
  });

  it('Disconnect asks first, explains what is deleted, and then Jane\'s panel is empty and points to the page', async () => {
    await page.goto(pageUrl());
    const ms = card('microsoft');
    await ms.locator('[data-testid=connection-email]').waitFor();
    await ms.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.locator('[data-testid=disconnect-dialog-microsoft]');
    await dialog.waitFor();
    expect(await dialog.textContent()).to.contain('Microsoft sign-in tokens are deleted on our side');
    await fullShot('ms-disconnect-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await ms.getAttribute('data-connected')).to.equal('true');

    await ms.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.getByRole('button', { name: 'Disconnect and delete' }).click();
    await page.waitForSelector('[data-testid=ms-card-microsoft][data-connected=false]');
    expect(await page.getByRole('status').filter({ hasText: 'Microsoft 365 is disconnected.' }).count()).to.equal(1);
    await shot('ms-disconnected');

    await page.goto(`${base}/app/accounts/${account.id}/contacts/${janeId}`);
    const empty = page.locator('[data-slot-panel=interactions] [data-testid=interactions-empty]');
    await empty.waitFor();
    await shot('contact-interactions-empty');
    await empty.getByRole('link', { name: 'Settings → Integrations → Mail & calendar insights' }).click();
    await page.waitForURL(pageUrl());
    await page.waitForSelector('[data-testid=ms-card-microsoft][data-connected=false]');
  });
  it('connects Google Workspace with gina; Gmail and Google Calendar sync, and Jane\'s panel lists gina\'s mail and meeting; Disconnect revokes at Google', async () => {
    await page.goto(pageUrl());
    const google = card('google');
    await google.getByRole('button', { name: 'Connect Google' }).click();
    await signInAtProvider(GINA.email, GINA.password, 'google-consent');
    await expectConnected('Google Workspace');
    await waitForSynced('google', [`${GINA.email}-gmail`, `${GINA.email}-google_calendar`], 'google-synced');

    await page.goto(`${base}/app/accounts/${account.id}/contacts/${janeId}`);
    const panel = page.locator('[data-slot-panel=interactions]');
    await panel.locator('[data-testid=interactions-events]').waitFor();
    const subjects = await panel.locator('.event__subject').allTextContents();
    expect(subjects).to.have.members(['Question about pricing', 'Re: Question about pricing', 'Intro call with Jane']);
    await shot('contact-interactions-google');

    await page.goto(pageUrl());
    await card('google').getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.locator('[data-testid=disconnect-dialog-google]');
    expect(await dialog.textContent()).to.contain('revokes its access at Google');
    await dialog.getByRole('button', { name: 'Disconnect and delete' }).click();
    await page.waitForSelector('[data-testid=ms-card-google][data-connected=false]');
  });

});
