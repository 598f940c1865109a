// Inbound email in the real dashboard (headless Chromium). The inbox Health tab: an email that was
// turned away and an abuse complaint filed apart are listed with sender, subject and reason; "Import
// anyway" makes the complaint a conversation. The message view: the real From address, where replies
// go, a display name that passes for another address, and the kind of automatic mail.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { controlFetch, type TestSandbox } from '../sandbox/helpers.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { createInfoInbox, failOnConsoleErrors, startE2eApp, type E2eApp, type E2eRuntime } from './support/app.js';

const INFO = 'info@example.test';
const PASSWORD = 'E2e-review-pass-1';

describe('inbound email in the dashboard: Health tab review and honest senders (e2e, headless Chromium)', function () {
  this.timeout(90_000);
  let sb: TestSandbox;
  let rt: E2eRuntime;
  let app: E2eApp;
  let base: string;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let admin: TestUser;
  let inboxId: number | undefined;

  const api = () => supertest(rt.app);
  const deliver = async (raw: string) => expect((await controlFetch(sb, 'POST', '/mail/deliver', { to: INFO, raw: Buffer.from(raw).toString('base64'), rawEncoding: 'base64' })).status).to.equal(201);

  before(async function () {
    this.timeout(180_000);
    app = await startE2eApp('review');
    ({ sb, rt, base } = app);
    account = await createAccount();
    admin = await createUser('Rita Admin', { password: PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    inboxId = await createInfoInbox(app, account, admin);
    browser = await openBrowser('leadchat-review-');
    page = browser.page;
    await page.goto(`${base}/`);
    await signIn(page, { email: admin.email, password: PASSWORD }, account.id);
  });

  afterEach(function () {
    failOnConsoleErrors(this, browser, []);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    if (inboxId) await api().delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token);
    await app?.close();
  });

  it('lists a rejected and a filed email; Import anyway makes the complaint a conversation', async () => {
    const stamp = Date.now();
    await deliver([`From: ${INFO}`, `To: ${INFO}`, 'Subject: LeadChat connection test', `Message-ID: <wizard-${stamp}@example.test>`, 'X-LeadChat-Connection-Check: 1', 'Content-Type: text/plain', '', 'test', ''].join('\r\n'));
    await deliver([
      'From: Abuse Desk <abuse@isp.example>', `To: ${INFO}`, 'Subject: FW: Earn money fast', `Message-ID: <arf-${stamp}@isp.example>`, 'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="b"', '',
      '--b', 'Content-Type: text/plain', '', 'An abuse report.', '--b', 'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', 'Version: 1', '--b--', '',
    ].join('\r\n'));
    const listed = async () => (await api().get(`/api/v1/accounts/${account.id}/inboxes/${inboxId}/inbound_emails`).set('api_access_token', admin.token)).body.meta?.count ?? 0;
    for (let i = 0; i < 100 && (await listed()) < 2; i++) await new Promise((r) => setTimeout(r, 200));

    await page.goto(`${base}/app/accounts/${account.id}/settings/inboxes/${inboxId}?tab=health`);
    const section = page.locator('[data-testid=rejected-emails]');
    await section.getByText('FW: Earn money fast').waitFor();
    await section.getByText('LeadChat connection test').waitFor();
    await expect(await section.getByText('Abuse Desk <abuse@isp.example>').count()).to.equal(1);
    await expect(await section.getByText(/connection test message sent by the inbox wizard/).count()).to.equal(1);
    await browser.shot('health-rejected-emails');
    // Phone width: the list wraps, nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).to.equal(true);
    await browser.shot('health-rejected-emails-phone');
    await page.setViewportSize({ width: 1366, height: 768 });

    const complaint = section.locator('li', { hasText: 'FW: Earn money fast' });
    await complaint.getByRole('button', { name: 'Import anyway' }).click();
    await section.getByRole('status').getByText('Imported into a conversation.').waitFor();
    expect(await section.locator('li').count()).to.equal(1);
    await browser.shot('health-after-import');
    await section.getByRole('link', { name: 'Open conversation' }).click();
    await page.locator('.conversation__thread').getByText('An abuse report.').waitFor();
    await browser.shot('imported-complaint');
  });

  it('shows the real From with display names, where replies go, an impersonating name, and the mail class', async () => {
    const stamp = Date.now();
    await deliver([
      'From: "alice@example.com" <bob@evil.test>', 'Reply-To: Carol <carol@third.test>', `To: =?UTF-8?B?6rmAIO2YhOynhA==?= <${INFO}>`, 'Subject: Updated bank details',
      `Message-ID: <spoof-${stamp}@evil.test>`, 'Content-Type: text/plain; charset=utf-8', '', 'Please pay the invoice to our new account.', '',
    ].join('\r\n'));
    await deliver([
      'From: Jane <jane@example.test>', `To: ${INFO}`, 'Subject: Out of office', 'Auto-Submitted: auto-replied', `Message-ID: <ooo-${stamp}@example.test>`, 'Content-Type: text/plain', '', 'I am away until Monday.', '',
    ].join('\r\n'));
    await page.goto(`${base}/app/accounts/${account.id}/conversations`);
    const item = page.locator('[data-testid^=conversation-]', { hasText: 'Updated bank details' });
    await item.waitFor({ timeout: 20_000 });
    await item.click();
    const message = page.locator('article.message', { hasText: 'Please pay the invoice' });
    await message.waitFor();
    expect(await message.locator('[data-testid^=from-]').innerText()).to.equal('alice@example.com <bob@evil.test>');
    expect(await message.locator('[data-testid^=reply-to-]').innerText()).to.match(/^Carol <carol@third\.test> Replies go to this address/);
    expect(await message.locator('[data-testid^=sender-warning-]').innerText()).to.include('name shows alice@example.com, but this email was sent from bob@evil.test');
    expect(await message.innerText()).to.include('김 현진 <info@example.test>');
    await browser.shot('honest-sender');

    await page.locator('[data-testid^=conversation-]', { hasText: 'Out of office' }).click();
    const auto = page.locator('article.message', { hasText: 'I am away until Monday.' });
    await auto.waitFor();
    expect(await auto.locator('[data-testid^=mail-class-]').innerText()).to.equal('Auto-reply');
    await browser.shot('auto-reply-badge');
  });

  it('reads a forwarded email inline in the conversation, with its files and its own forward', async () => {
    const stamp = Date.now();
    const inner = ['From: Origin <origin@example.test>', 'To: mid@example.test', 'Subject: The original question', `Message-ID: <inner-${stamp}@example.test>`, 'Content-Type: text/plain', '', 'Where is my parcel?', ''].join('\r\n');
    const middle = [
      'From: Mid <mid@example.test>', 'To: fwd@example.test', 'Subject: Fwd: The original question', 'Date: Mon, 7 Dec 2026 09:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="m"', '',
      '--m', 'Content-Type: text/plain', '', 'See the customer below.', '--m', 'Content-Type: text/csv; name="prices.csv"', 'Content-Disposition: attachment; filename="prices.csv"', '', 'a,b', '--m',
      'Content-Type: message/rfc822', '', inner, '--m--', '',
    ].join('\r\n');
    await deliver([
      'From: Fwd <fwd@example.test>', `To: ${INFO}`, 'Subject: Forward only', `Message-ID: <fwd-${stamp}@example.test>`, 'MIME-Version: 1.0', 'Content-Type: message/rfc822', '', middle,
    ].join('\r\n'));
    await page.goto(`${base}/app/accounts/${account.id}/conversations`);
    const item = page.locator('[data-testid^=conversation-]', { hasText: 'Forward only' });
    await item.waitFor({ timeout: 20_000 });
    expect(await item.innerText(), 'the list previews the forward').to.include('Forwarded message');
    await item.click();
    const forwards = page.locator('[data-testid=embedded-email]');
    await forwards.first().waitFor();
    expect(await forwards.count()).to.equal(2);
    expect(await forwards.first().innerText()).to.include('See the customer below.').and.include('prices.csv').and.include('Mid <mid@example.test>');
    expect(await forwards.nth(1).innerText()).to.include('The original question').and.include('Where is my parcel?');
    await browser.shot('forwarded-inline');
  });
});
