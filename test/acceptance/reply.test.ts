// Replying like an email client, on the installation the first-day walk set up (`npm start`, the
// default five-second undo window): the administrator saves a canned response in Settings, a
// customer writes to an IMAP/SMTP inbox, the agent answers in rich text with the canned response
// inserted by `/`, takes a first Send back with Undo, sends; the customer's mailbox gets the HTML and
// text parts with the signatures and the quoted email.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { controlFetch } from '../sandbox/helpers.js';
import { awaitMail } from '../email/send/send-runtime.js';
import { openBrowser, type BrowserSession } from '../e2e/support/browser.js';
import { sharedProduct, type RunningProduct } from './support/product.js';

const INFO = 'info@example.test';
const JANE = 'jane@example.test';

describe('acceptance: replying like an email client', function () {
  this.timeout(90_000);
  this.bail(true);
  let product: RunningProduct;
  let browser: BrowserSession;
  let page: Page;
  let accountId = 0;
  let token = '';
  let inboxId = 0;

  const url = (path: string) => `${product.base}/app/accounts/${accountId}/${path}`;
  const apiCall = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${product.base}/api/v1/accounts/${accountId}${path}`, {
      method, headers: { api_access_token: token, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : null };
  };

  before(async function () {
    this.timeout(360_000);
    product = await sharedProduct();
    browser = await openBrowser('leadchat-acceptance-reply-');
    page = browser.page;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await browser.shot('failed');
    if (this.currentTest?.state === 'failed') console.log(`      screenshots: ${browser.shotsDir}\n      npm start output: ${product.logFile}`);
  });

  after(async function () {
    this.timeout(30_000);
    if (inboxId) await apiCall('DELETE', `/inboxes/${inboxId}`);
    await browser?.close();
  });

  it('the administrator saves a canned response in Settings and connects an IMAP/SMTP inbox with a signature', async () => {
    await page.goto(product.base);
    await page.fill('#email', product.admin.email);
    await page.fill('#password', product.admin.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/app\/accounts\/\d+\/conversations/);
    accountId = Number(/accounts\/(\d+)/.exec(page.url())![1]);
    token = (await (await page.request.get(`${product.base}/api/v1/profile`)).json()).access_token;

    await page.goto(url('settings/canned_responses'));
    await page.getByTestId('canned-add').click();
    await page.fill('#canned-short-code', 'reset');
    await page.fill('#canned-content', 'Hi {{contact.name}}, your password link is on its way. {{agent.name}}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('canned-reset').waitFor();
    await browser.shot('canned-saved');

    const mailbox = product.world.plainMailboxes.find((m) => m.address === INFO)!;
    const created = await apiCall('POST', '/inboxes', {
      name: 'Info desk', email_signature: '{{inbox.name}} · Example Inc.',
      channel: {
        type: 'email', email: INFO, imap_enabled: true, imap_address: product.world.imap.host, imap_port: product.world.imap.port, imap_login: INFO,
        imap_password: mailbox.password, imap_enable_ssl: false, smtp_enabled: true, smtp_address: product.world.smtp.host, smtp_port: product.world.smtp.port,
        smtp_login: INFO, smtp_password: mailbox.password, smtp_enable_starttls_auto: true, smtp_authentication: 'login',
        // The customer's email may land before the first fetch has started: the first fetch imports the last day.
        backfill_days: 1,
      },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(200);
    inboxId = created.body.id;
  });

  it('the agent answers a customer in rich text with the canned response, undoes the first Send, and the customer gets it signed and quoted', async () => {
    const subject = `Password reset ${Date.now()}`;
    expect((await controlFetch(product, 'POST', '/mail/deliver', { from: `Jane Customer <${JANE}>`, to: INFO, subject, text: 'The reset link never came.' })).status).to.equal(201);
    await page.goto(url('conversations'));
    await page.locator('[data-testid^=conversation-]', { hasText: subject }).click({ timeout: 30_000 });
    await page.locator('.conversation__thread').getByText('The reset link never came.').waitFor();

    await page.locator('#reply-content').click();
    await page.keyboard.type('Too early');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('undo-send').click();
    await page.waitForFunction(() => document.querySelector('#reply-content')?.textContent === 'Too early');
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+b');
    await page.keyboard.type('Sorry!');
    await page.keyboard.press('Control+b');
    await page.keyboard.press('Enter');
    await page.keyboard.type('/res');
    await page.getByTestId('canned-menu').getByText('/reset').waitFor();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#reply-content')?.textContent?.includes('Hi Jane Customer, your password link'));
    await browser.shot('composed');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-status=sent]').waitFor({ timeout: 20_000 });

    const mail = await awaitMail(product, JANE, (m) => m.subject === `Re: ${subject}`, 20_000);
    expect(mail.html).to.match(/<strong[^>]*>Sorry!<\/strong>/);
    expect(mail.text).to.match(/^Sorry!\n\nHi Jane Customer, your password link is on its way\. /);
    expect(mail.text!.split('Info desk · Example Inc.').length - 1, 'inbox signature once').to.equal(1);
    expect(mail.text).to.match(/wrote:\n\n> The reset link never came\.$/);
    expect(mail.text).not.to.contain('Too early');
    await browser.shot('sent');
  });
});
