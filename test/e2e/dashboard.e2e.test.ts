// The dashboard end to end, as a person uses it: headless Debian Chromium (playwright-core) against the
// real app (HTTP + workers in this process, IMAP IDLE included) and the sandbox's Dovecot and SMTP.
// Sign in -> add an IMAP/SMTP inbox in the wizard (a wrong IMAP password first) -> a customer email
// shows up live -> reply with an attachment -> it reaches the customer threaded -> the customer's
// answer joins live -> a refused send shows the server's error and Retry sends it. Every step leaves
// a screenshot in os.tmpdir()/leadchat-e2e-<run>; any browser console error fails the test.
import { expect } from 'chai';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createAgent, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { controlFetch, type TestSandbox } from '../sandbox/helpers.js';
import { awaitMail, passwordOf } from '../email/send/send-runtime.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp, type E2eRuntime } from './support/app.js';

const INFO = 'info@example.test';
const JANE = 'jane@example.test';
const ADMIN_PASSWORD = 'E2e-admin-pass-1';
// A 1x1 PNG: the customer's inline image.
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describe('dashboard (e2e, headless Chromium)', function () {
  this.timeout(60_000);
  // Each step builds on the one before: stop at the first failure instead of timing out the rest.
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
  let conversationUrl = '';
  /** Console errors the current test provokes on purpose (a 422 the form shows), matched and dropped. */
  let expectedConsole: RegExp[] = [];

  const api = () => supertest(rt.app);
  const shot = (name: string) => browser.shot(name);
  const deliver = (raw: Buffer) => controlFetch(sb, 'POST', '/mail/deliver', { to: INFO, raw: raw.toString('base64'), rawEncoding: 'base64' });

  before(async function () {
    this.timeout(120_000);
    app = await startE2eApp('e2e');
    ({ sb, rt, base } = app);

    account = await createAccount();
    admin = await createUser('Sam Admin', { password: ADMIN_PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    await createAgent(account, 'Alex Agent');

    browser = await openBrowser('leadchat-e2e-');
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
  });

  afterEach(function () {
    // A failing hook stops the suite: the steps build on each other anyway.
    failOnConsoleErrors(this, browser, expectedConsole);
    expectedConsole = [];
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    // info@example.test is one inbox per installation: free it for the other suites.
    if (inboxId) await api().delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token);
    await app?.close();
  });

  it('signs in and shows empty states for conversations and inboxes', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('#email');
    await shot('sign-in');
    await signIn(page, { email: admin.email, password: ADMIN_PASSWORD }, account.id);
    await page.getByText('No conversations here').waitFor();
    await shot('conversations-empty');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.locator('table').getByText('Alex Agent', { exact: true }).waitFor();
    await shot('settings-agents');
    await page.getByRole('link', { name: 'Integrations' }).click();
    // The core lists its webhooks page; the LeadChat overlay adds its metadata sync page.
    await page.getByRole('link', { name: /Webhooks/ }).waitFor();
    const overlay = (process.env.EXTENSIONS ?? 'leadchat').split(',').map((s) => s.trim()).includes('leadchat');
    if (overlay) await page.getByRole('link', { name: /Mail & calendar insights/ }).waitFor();
    await shot('settings-integrations');
    await page.getByRole('link', { name: 'Inboxes' }).click();
    await page.getByText('No inboxes yet').waitFor();
    await shot('inboxes-empty');
  });

  it('wizard: a sign-in sent back with ?error= is explained in the wizard\'s own words, never with text from the link', async () => {
    const wizard = `${base}/app/accounts/${account.id}/settings/inboxes/new/email`;
    const crafted = 'Your mailbox is locked: call +1 555 0100';
    await page.goto(`${wizard}?${new URLSearchParams({ error: 'access_denied', message: crafted })}`);
    const banner = page.getByRole('alert');
    await banner.waitFor();
    expect(await banner.textContent()).to.equal('The sign-in was cancelled or permission was not granted, so no inbox was created.');
    await shot('wizard-oauth-denied');
    await page.goto(`${wizard}?${new URLSearchParams({ error: crafted })}`);
    await banner.waitFor();
    expect(await banner.textContent()).to.equal('The mailbox could not be connected, so no inbox was created. Start again; if it keeps happening, ask your administrator.');
    expect(await page.content()).to.not.contain('555 0100');
    await page.goto(`${base}/app/accounts/${account.id}/settings/inboxes`);
    await page.getByText('No inboxes yet').waitFor();
  });

  async function fillImapSmtp(imapPassword: string) {
    await page.fill('#name', 'Info');
    await page.fill('#email', INFO);
    await page.fill('#imap_address', sb.world.imap.host);
    await page.fill('#imap_port', String(sb.world.imap.port));
    await page.selectOption('#imap_enable_ssl', 'false');
    await page.fill('#imap_password', imapPassword);
    await page.fill('#smtp_address', sb.world.smtp.host);
    await page.fill('#smtp_port', String(sb.world.smtp.port));
    await page.fill('#smtp_password', passwordOf(sb, INFO));
  }

  it('wizard: a wrong IMAP password shows the server\'s error at the IMAP password field, and nothing is created', async () => {
    expectedConsole = [/status of 422/];
    await page.getByRole('link', { name: 'Add inbox' }).click();
    await page.waitForSelector('[data-step=CHANNEL][aria-current=step]');
    await shot('wizard-channel');
    await page.click('[data-testid=channel-email]');
    await page.waitForSelector('[data-testid=provider-imap]');
    await shot('wizard-providers');
    // A card for each provider the server has: the core's three, and the overlay's next to Microsoft 365 when it is on.
    const cards = await page.$$eval('[data-testid^=provider-]', (els) => els.map((e) => e.getAttribute('data-testid')));
    const overlay = (process.env.EXTENSIONS ?? 'leadchat').split(',').map((s) => s.trim()).includes('leadchat');
    expect(cards).to.deep.equal(['provider-microsoft', ...(overlay ? ['provider-microsoft_shared'] : []), 'provider-google', 'provider-imap']);
    await page.click('[data-testid=provider-imap]');
    await fillImapSmtp('not-the-password');
    await page.click('button[type=submit]');
    const error = page.locator('[data-testid=error-imap_password]');
    await error.waitFor({ timeout: 15_000 });
    expect(await error.textContent()).to.match(/authentication failed/i);
    expect(await page.getAttribute('#imap_password', 'aria-invalid')).to.equal('true');
    expect(await page.getAttribute('[data-testid=check-imap]', 'data-status')).to.equal('failed');
    await shot('wizard-imap-password-refused');
    const inboxes = await api().get(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', admin.token).expect(200);
    expect(inboxes.body.payload).to.deep.equal([]);
  });

  it('wizard: checks IMAP, SMTP and a round trip, creates the inbox, adds agents, finishes', async () => {
    await page.fill('#imap_password', passwordOf(sb, INFO));
    await page.click('button[type=submit]');
    await page.waitForURL(/\/settings\/inboxes\/new\/\d+\/agents$/, { timeout: 45_000 });
    inboxId = Number(/new\/(\d+)\/agents/.exec(page.url())![1]);
    await page.getByText('Alex Agent').waitFor();
    await shot('wizard-agents');
    await page.getByLabel(/Alex Agent/).check();
    await page.click('button[type=submit]');
    await page.waitForURL(/\/new\/\d+\/finish$/);
    await page.waitForSelector('[data-step=FINISH][aria-current=step]');
    await shot('wizard-finish');
    const members = await api().get(`/api/v1/accounts/${account.id}/inbox_members/${inboxId}`).set('api_access_token', admin.token).expect(200);
    expect(members.body.payload.map((m: { name: string }) => m.name)).to.deep.equal(['Alex Agent']);
    const inbox = await api().get(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token).expect(200);
    expect(inbox.body).to.include({ email: INFO, provider: 'imap', imap_enabled: true, smtp_enabled: true, imap_password_set: true, smtp_password_set: true });
    await page.getByRole('link', { name: 'Go to conversations' }).click();
    await page.waitForURL(`**/app/accounts/${account.id}/conversations`);
    // The sandbox's info@ holds one email from yesterday: the backfill (last 7 days) imported it.
    await page.locator('[data-testid^=conversation-]', { hasText: 'Hello info' }).waitFor();
  });

  it('shows a customer email as it arrives, without a reload, rendered safely with its inline image, quote and attachment', async () => {
    const raw = await new MailComposer({
      from: 'Jane Doe <jane@example.test>',
      to: INFO,
      subject: 'Printer on fire',
      messageId: '<printer-1@customer.example>',
      text: 'Hello, our printer is on fire.',
      html: '<p>Hello, our <b>printer</b> is on fire.</p><p><img src="cid:flame@customer.example" alt="flame"></p>'
        + '<img src="x" onerror="window.__xss=1"><script>window.__xss=2</script><a href="javascript:window.__xss=3">details</a>'
        + '<blockquote>On Monday, support wrote:<br>Have you tried turning it off?</blockquote>',
      attachments: [
        { filename: 'flame.png', content: PIXEL, contentType: 'image/png', cid: 'flame@customer.example' },
        { filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4 tiny'), contentType: 'application/pdf' },
      ],
    }).compile().build();
    const delivered = await deliver(raw);
    expect(delivered.status).to.equal(201);

    const item = page.locator('[data-testid^=conversation-]', { hasText: 'Printer on fire' });
    await item.waitFor({ timeout: 15_000 });
    // The Open tab's count follows too (recounted shortly after the event).
    await page.waitForFunction(() => document.querySelector('[data-testid=count-open]')?.textContent === '2');
    await shot('conversation-arrived');
    await item.click();
    await page.waitForURL(/\/conversations\/\d+$/);
    conversationUrl = page.url();
    const image = page.locator('.email-html img[alt=flame]');
    await image.waitFor();
    expect(await image.getAttribute('src')).to.match(new RegExp(`^/api/v1/accounts/${account.id}/attachments/\\d+/download$`));
    await page.waitForFunction(() => (document.querySelector('.email-html img[alt=flame]') as HTMLImageElement | null)?.naturalWidth === 1);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).to.equal(undefined);
    expect(await page.locator('.email-html script, .email-html [onerror]').count()).to.equal(0);
    expect(await page.getAttribute('.email-html a', 'href')).to.equal(null);
    // The inline image is shown in the body, not listed again; the real attachment is, with its size.
    expect(await page.locator('.file .file__name').allTextContents()).to.deep.equal(['invoice.pdf']);
    expect(await page.locator('.file .muted').allTextContents()).to.deep.equal(['13 B']);
    expect(await page.getAttribute('.file', 'href')).to.match(new RegExp(`^/api/v1/accounts/${account.id}/attachments/\\d+/download$`));
    const quoted = page.locator('.quote-toggle');
    expect(await quoted.getAttribute('aria-expanded')).to.equal('false');
    await quoted.click();
    await page.getByText('Have you tried turning it off?').waitFor();
    expect(await page.textContent('.message__addresses')).to.contain(JANE);
    await shot('conversation-email');
  });

  it('sends the agent\'s reply with an attachment; it reaches the customer\'s mailbox threaded', async () => {
    await page.fill('#reply-content', 'Please unplug it first.\n\nThen call us.');
    await page.setInputFiles('#reply-attachments', { name: 'steps.txt', mimeType: 'text/plain', buffer: Buffer.from('1. unplug\n2. wait\n') });
    await page.getByText('steps.txt').waitFor();
    await shot('reply-composed');
    await page.getByRole('button', { name: 'Send' }).click();
    const sent = page.locator('[data-status=sent]');
    await sent.waitFor({ timeout: 15_000 });
    await shot('reply-sent');

    const mail = await awaitMail(sb, JANE, (m) => m.subject === 'Re: Printer on fire', 10_000);
    expect(mail.inReplyTo).to.equal('<printer-1@customer.example>');
    expect(mail.references).to.include('<printer-1@customer.example>');
    expect(mail.messageId).to.match(/^<conversation\/[0-9a-f-]{36}\/messages\/\d+@/);
    expect(mail.text?.trim()).to.match(/^Please unplug it first\.\n\nThen call us\.\n\nOn .+, Jane Doe <jane@example\.test> wrote:\n\n> Hello, our printer is on fire\./);
    expect(mail.attachments.map((a) => [a.filename, a.content.toString()])).to.deep.equal([['steps.txt', '1. unplug\n2. wait\n']]);

    // The customer answers the reply: it joins the same conversation, live.
    const answer = await new MailComposer({
      from: 'Jane Doe <jane@example.test>', to: INFO, subject: 'Re: Printer on fire', messageId: '<printer-3@customer.example>',
      inReplyTo: mail.messageId, references: [...(mail.references as string[]), mail.messageId!], text: 'Thanks, the fire is out now.',
    }).compile().build();
    await deliver(answer);
    await page.locator('.conversation__thread').getByText('Thanks, the fire is out now.').waitFor({ timeout: 15_000 });
    expect(page.url()).to.equal(conversationUrl);
    expect(await page.$$eval('[data-testid^=conversation-]', (els) => els.map((e) => e.getAttribute('data-testid')))).to.deep.equal(['conversation-2', 'conversation-1']);
    await shot('customer-answer-joined');
  });

  it('shows a refused send with the server\'s error; Retry sends it once the inbox is fixed', async () => {
    // SMTP as jane may not send From info@: the sandbox answers 550 5.7.60 like Exchange. Set through the inbox settings.
    await page.goto(`${base}/app/accounts/${account.id}/settings/inboxes/${inboxId}`);
    await page.fill('#smtp_login', JANE);
    await page.fill('#smtp_password', passwordOf(sb, JANE));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved').waitFor();
    await shot('inbox-settings-configuration');
    await page.getByRole('tab', { name: 'Health' }).click();
    await page.waitForSelector('[data-testid=health-last-fetch]');
    await shot('inbox-settings-health');

    await page.goto(conversationUrl);
    await page.fill('#reply-content', 'This one will bounce at first.');
    await page.getByRole('button', { name: 'Send' }).click();
    const failed = page.locator('[data-status=failed]');
    await failed.waitFor({ timeout: 15_000 });
    expect(await failed.textContent()).to.match(/550 5\.7\.60/);
    await shot('reply-failed');

    await api().patch(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token)
      .send({ channel: { smtp_login: INFO, smtp_password: passwordOf(sb, INFO) } }).expect(200);
    await failed.getByRole('button', { name: 'Retry' }).click();
    await page.waitForFunction(() => !document.querySelector('[data-status=failed]') && document.querySelectorAll('[data-status=sent]').length === 2, undefined, { timeout: 15_000 });
    await awaitMail(sb, JANE, (m) => !!m.text?.startsWith('This one will bounce at first.'), 10_000);
    await shot('reply-retried');
  });

  it('lists the customer as a contact, with the conversation', async () => {
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.waitForURL('**/contacts');
    await page.locator('table').getByRole('link', { name: 'Jane Customer' }).click();
    await page.waitForURL(/\/contacts\/\d+$/);
    await page.getByRole('link', { name: /Printer on fire/ }).waitFor();
    await page.getByRole('link', { name: /Hello info/ }).waitFor();
    await shot('contact');
  });
});
