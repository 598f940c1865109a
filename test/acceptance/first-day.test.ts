// A team's first day, walked the way people walk it: `npm start` in this checkout (the same launcher,
// environment and sandbox a user gets, on a fresh database), then headless Chromium against what it
// serves. Only the outside world is played by the test: customers' mail arrives through the sandbox's
// control API and their mailboxes are read over IMAP, as a customer's mail client would.
// Screenshots and the product's output stay in a temp folder, printed when a step fails.
import { expect } from 'chai';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { controlFetch } from '../sandbox/helpers.js';
import { awaitMail } from '../email/send/send-runtime.js';
import { openBrowser, type BrowserSession } from '../e2e/support/browser.js';
import { startProduct, type RunningProduct } from './support/product.js';

const SUPPORT = 'support@contoso.test';
const JANE = 'jane@example.test';
const INFO = 'info@example.test';
const TRANSPORTS = ['graph_full', 'imap_leadmail', 'imap_smtp'] as const;
// The sandbox's sign-in pages have no favicon; Chromium's request for one is not the dashboard's error.
const SANDBOX_FAVICON = /404.*https:\/\/localhost:\d+\/favicon\.ico/;

describe('acceptance: a team\'s first day, from `npm start`', function () {
  this.timeout(90_000);
  this.bail(true);
  let product: RunningProduct;
  let browser: BrowserSession;
  let page: Page;
  let accountId: number;
  let failed = false;
  let expectedConsole: RegExp[] = [];

  const shot = (name: string) => browser.shot(name);
  const url = (path: string) => `${product.base}/app/accounts/${accountId}/${path}`;
  const passwordOf = (upn: string) => product.world.microsoft.users.find((u) => u.upn === upn)!.password;
  const deliver = (mail: Record<string, unknown>) => controlFetch(product, 'POST', '/mail/deliver', { from: `Jane Customer <${JANE}>`, to: SUPPORT, ...mail });

  before(async function () {
    this.timeout(360_000);
    product = await startProduct();
    browser = await openBrowser('leadchat-acceptance-shots-', { trustSandboxTls: true });
    page = browser.page;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
    const unexpected = browser?.takeConsoleErrors([SANDBOX_FAVICON, ...expectedConsole]) ?? [];
    expectedConsole = [];
    if (this.currentTest?.state === 'passed' && unexpected.length) {
      throw new Error(`browser console errors in "${this.currentTest.title}":\n${unexpected.join('\n')}`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    if (failed) console.log(`      screenshots: ${browser?.shotsDir}\n      npm start output: ${product?.logFile}`);
    await browser?.close();
    await product?.stop();
    if (!failed && browser) fs.rmSync(browser.shotsDir, { recursive: true, force: true });
    if (product) {
      expect(product.output(), 'Ctrl-C stops LeadChat cleanly').to.match(/"msg":"stopped"/);
      expect(product.output(), 'Ctrl-C stops the sandbox').to.match(/"msg":"stopping sandbox"/);
    }
  });

  it('npm start generated this installation\'s own secrets, said so once, and keeps them private', () => {
    expect(product.output()).to.contain(`Generated this installation's encryption key and session secret in ${product.secretsFile}`);
    expect(fs.statSync(product.secretsFile).mode & 0o777).to.equal(0o600);
    expect(fs.readFileSync(product.secretsFile, 'utf8')).to.match(/^ENCRYPTION_KEYS=local1:/m).and.match(/^SESSION_SECRET=\S{40,}/m);
  });

  it('the administrator signs in with the credentials npm start printed', async () => {
    expectedConsole = [/401 \(Unauthorized\).*\/auth\/sign_in/];
    await page.goto(product.base);
    await page.fill('#email', product.admin.email);
    await page.fill('#password', 'not-the-password');
    await page.click('button[type=submit]');
    await page.locator('[role=alert]').waitFor();
    await shot('sign-in-wrong-password');
    await page.fill('#password', product.admin.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/app\/accounts\/\d+\/conversations/);
    accountId = Number(/accounts\/(\d+)/.exec(page.url())![1]);
    await shot('signed-in');
  });

  /** The sandbox's Entra page: pick the account, type the password, accept. */
  async function signInAtMicrosoft(upn: string, shotName: string) {
    await page.waitForSelector('#login');
    expect(new URL(page.url()).host).to.equal(product.world.microsoft.authorityHost);
    await page.selectOption('#login', upn);
    await page.fill('#password', passwordOf(upn));
    await shot(shotName);
    await page.click('#accept');
  }

  async function startConnect(transport: string, upn: string, name: string) {
    await page.goto(url('settings/inboxes/new/email'));
    await page.click('[data-testid=provider-microsoft_shared]');
    await page.waitForSelector('#ms-email');
    await page.fill('#ms-name', name);
    await page.fill('#ms-email', SUPPORT);
    await page.check(`[data-testid=transport-${transport}] input`);
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await signInAtMicrosoft(upn, `${transport}-${upn.split('@')[0]}-consent`);
  }

  /** Inbox settings → Delete → confirm; back on the inbox list without it. */
  async function deleteInbox(inboxId: number, name: string) {
    await page.goto(url(`settings/inboxes/${inboxId}`));
    await page.getByRole('button', { name: 'Delete inbox' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('textbox').fill(name);
    await shot(`delete-${inboxId}-confirm`);
    await dialog.getByRole('button', { name: 'Delete inbox' }).click();
    await page.waitForURL(url('settings/inboxes'));
    await page.getByText(name, { exact: true }).waitFor({ state: 'detached' });
  }

  let supportInboxId: number;

  for (const transport of TRANSPORTS) {
    it(`${transport}: a delegate without Full Access is refused with the Full Access message, quickly`, async () => {
      const started = Date.now();
      await startConnect(transport, 'bob@contoso.test', `Support ${transport}`);
      const refused = page.locator('[data-testid=connect-refused]');
      await refused.waitFor({ timeout: 15_000 });
      expect(await refused.textContent()).to.contain('bob@contoso.test').and.contain('Full Access').and.contain(SUPPORT);
      expect(Date.now() - started, 'refused within 10 s of the sign-in').to.be.below(10_000);
      await shot(`${transport}-bob-refused`);
    });

    it(`${transport}: alice connects support@ through the wizard`, async () => {
      await startConnect(transport, 'alice@contoso.test', `Support ${transport}`);
      await page.waitForURL(/\/settings\/inboxes\/new\/\d+\/agents$/, { timeout: 20_000 });
      supportInboxId = Number(/new\/(\d+)\/agents/.exec(page.url())![1]);
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-step=FINISH][aria-current=step]');
      await shot(`${transport}-connected`);
      // One inbox per address: only the last transport stays for the rest of the walk.
      if (transport !== 'imap_smtp') await deleteInbox(supportInboxId, `Support ${transport}`);
    });
  }

  const subject = `Login problem ${Date.now()}`;
  const firstMessageId = `<login-${Date.now()}@example.test>`;
  let conversationUrl: string;

  it('a customer\'s email arrives live in the conversation list', async () => {
    await page.goto(url('conversations'));
    await page.waitForSelector('[data-testid=count-open]');
    const { status } = await deliver({ subject, text: 'I cannot sign in since this morning.', messageId: firstMessageId });
    expect(status).to.equal(201);
    const item = page.locator('[data-testid^=conversation-]', { hasText: subject });
    await item.waitFor({ timeout: 30_000 });
    await shot('email-arrived');
    await item.click();
    await page.waitForURL(/\/conversations\/\d+$/);
    conversationUrl = page.url();
    await page.locator('.conversation__thread').getByText('I cannot sign in since this morning.').waitFor();
  });

  it('the reply (attachment, Cc) reaches the customer from support@, threaded; the Cc gets it too', async () => {
    await page.fill('#reply-content', 'Please try resetting your password.');
    await page.getByRole('button', { name: 'Cc / Bcc' }).click();
    await page.fill('#reply-cc', INFO);
    await page.setInputFiles('#reply-attachments', { name: 'steps.txt', mimeType: 'text/plain', buffer: Buffer.from('1. Forgot password\n2. Check mail\n') });
    await shot('reply-written');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-status=sent]').waitFor({ timeout: 20_000 });
    const mail = await awaitMail(product, JANE, (m) => m.subject === `Re: ${subject}`, 20_000);
    expect(mail.from?.value[0]?.address).to.equal(SUPPORT);
    expect(mail.inReplyTo).to.equal(firstMessageId);
    expect(mail.attachments.map((a) => a.filename)).to.deep.equal(['steps.txt']);
    await awaitMail(product, INFO, (m) => m.subject === `Re: ${subject}`, 20_000);
    await shot('reply-sent');
  });

  it('a half-written reply stays with its conversation when the agent switches, and survives a reload', async () => {
    const other = `Invoice question ${Date.now()}`;
    await deliver({ subject: other, text: 'Where is my invoice?', messageId: `<invoice-${Date.now()}@example.test>` });
    await page.fill('#reply-content', 'Half-written answer for the login problem');
    await page.getByRole('button', { name: 'Cc / Bcc' }).click();
    await page.fill('#reply-cc', 'someone@example.test');
    const otherItem = page.locator('[data-testid^=conversation-]', { hasText: other });
    await otherItem.waitFor({ timeout: 30_000 });
    await otherItem.click();
    await page.locator('.conversation__thread').getByText('Where is my invoice?').waitFor();
    expect(await page.inputValue('#reply-content')).to.equal('');
    await shot('switched-no-draft');
    await page.goto(conversationUrl);
    await page.locator('.conversation__thread').getByText('I cannot sign in since this morning.').waitFor();
    await page.reload();
    await page.locator('.conversation__thread').getByText('I cannot sign in since this morning.').waitFor();
    expect(await page.inputValue('#reply-content')).to.equal('Half-written answer for the login problem');
    await shot('draft-restored');
    await page.fill('#reply-content', '');
  });

  it('resolving moves the conversation to Resolved, and the counters agree with the lists', async () => {
    const openBefore = Number(await page.textContent('[data-testid=count-open]'));
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('button', { name: 'Reopen' }).waitFor();
    await page.waitForFunction((n) => document.querySelector('[data-testid=count-open]')?.textContent?.trim() === String(n), openBefore - 1);
    expect(await page.locator('.conversation-list [data-testid^=conversation-]', { hasText: subject }).count()).to.equal(0);
    await page.getByRole('tab', { name: /Resolved/ }).click();
    await page.locator('.conversation-list [data-testid^=conversation-]', { hasText: subject }).waitFor();
    expect(Number(await page.textContent('[data-testid=count-resolved]'))).to.equal(await page.locator('.conversation-list [data-testid^=conversation-]').count());
    await shot('resolved');
  });

  it('the customer\'s answer lands in the same conversation and reopens it', async () => {
    const reply = await awaitMail(product, JANE, (m) => m.subject === `Re: ${subject}`);
    await deliver({ subject: `Re: ${subject}`, text: 'That worked, thank you!', messageId: `<thanks-${Date.now()}@example.test>`, inReplyTo: reply.messageId, references: [firstMessageId, reply.messageId] });
    await page.goto(conversationUrl);
    await page.locator('.conversation__thread').getByText('That worked, thank you!').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Resolve' }).waitFor();
    await shot('answer-joined');
  });
});
