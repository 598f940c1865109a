// Agent bots in headless Chromium: a bot made in Settings → Bots (a loopback URL refused under its
// field first), its token shown, then chosen in an inbox's Bot tab; after a reload the choice is still
// there, and the bot is listed next to its inbox. Detaching clears it.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createInbox, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp } from './support/app.js';

const PASSWORD = 'E2e-bots-pass-1';

describe('agent bots (e2e, headless Chromium)', function () {
  this.timeout(90_000);
  let app: E2eApp;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let me: TestUser;
  let inbox: { id: number };

  const api = () => supertest(app.rt.app);
  const shot = (name: string) => browser.shot(name);

  before(async function () {
    this.timeout(180_000);
    app = await startE2eApp('bots');
    account = await createAccount();
    me = await createUser('Bo Admin', { password: PASSWORD });
    await addToAccount(account.id, me, 'administrator');
    inbox = await createInbox(account, 'Front desk');
    browser = await openBrowser('leadchat-e2e-bots-');
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
    await page.goto(`${app.base}/`);
    await page.waitForSelector('#email');
    await signIn(page, { email: me.email, password: PASSWORD }, account.id);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot('failed');
    // The loopback webhook URL is refused on purpose (422).
    failOnConsoleErrors(this, browser, [/status of 422 .*\/agent_bots"/]);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('creates a bot in Settings, attaches it to an inbox, and the choice sticks after a reload', async () => {
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/bots`);
    await page.locator('.empty', { hasText: 'No bots yet' }).waitFor();
    await page.click('.settings__nav >> text=Bots');
    await page.click('[data-testid=bot-add]');
    await page.fill('#bot-name', 'Greeter');
    await page.fill('#bot-description', 'Says hello first');
    await page.fill('#bot-url', 'http://127.0.0.1:9/hook');
    await page.click('[data-testid=bot-form] >> text=Save');
    await page.locator('#bot-url-error', { hasText: 'private, loopback' }).waitFor();
    await page.fill('#bot-url', 'https://bots.example.com/greeter');
    await page.click('[data-testid=bot-form] >> text=Save');
    const row = page.locator('[data-testid=bot-row-Greeter]');
    await row.waitFor();
    expect(await row.textContent()).to.contain('https://bots.example.com/greeter').and.contain('Not attached');
    const [bot] = (await api().get(`/api/v1/accounts/${account.id}/agent_bots`).set('api_access_token', me.token).expect(200)).body;
    expect(bot).to.include({ name: 'Greeter', description: 'Says hello first', outgoing_url: 'https://bots.example.com/greeter' });
    await row.locator('text=Show').first().click();
    expect(await row.locator('[data-testid=bot-token]').textContent()).to.equal(bot.access_token);
    await shot('bots-settings');

    // Settings → Inboxes → Front desk → Bot: choose Greeter, save, reload.
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/inboxes/${inbox.id}?tab=bot`);
    await page.locator('#inbox-agent-bot').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#inbox-agent-bot option').length === 2);
    await page.selectOption('#inbox-agent-bot', String(bot.id));
    await page.click('[data-testid=inbox-bot-form] >> text=Save');
    await page.locator('[data-testid=inbox-bot-form] [role=status]', { hasText: 'Saved' }).waitFor();
    await page.reload();
    await page.waitForFunction((id) => (document.querySelector('#inbox-agent-bot') as HTMLSelectElement | null)?.value === String(id), bot.id);
    expect((await api().get(`/api/v1/accounts/${account.id}/inboxes/${inbox.id}/agent_bot`).set('api_access_token', me.token).expect(200)).body.agent_bot.id).to.equal(bot.id);
    await shot('inbox-bot-tab');

    // A conversation in the inbox starts pending; the bot's reply shows with its name and a Bot badge.
    const contact = (await api().post(`/api/v1/accounts/${account.id}/contacts`).set('api_access_token', me.token).send({ name: 'Pat Customer', email: 'pat@customer.test', inbox_id: inbox.id }).expect(200)).body.payload.contact;
    const conv = (await api().post(`/api/v1/accounts/${account.id}/conversations`).set('api_access_token', me.token).send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
    expect(conv.status).to.equal('pending');
    const reply = (await api().post(`/api/v1/accounts/${account.id}/conversations/${conv.id}/messages`).set('api_access_token', bot.access_token).send({ content: 'Hello from Greeter', private: true }).expect(200)).body;
    await page.goto(`${app.base}/app/accounts/${account.id}/conversations/${conv.id}`);
    await page.locator(`[data-testid=bot-badge-${reply.id}]`).waitFor();
    expect(await page.locator(`[data-testid=message-${reply.id}] .message__sender`).textContent()).to.equal('Greeter');
    await shot('bot-message');
    // An agent takes it over from the bot: Open.
    await page.click('[data-testid=open-pending]');
    await page.locator('[data-testid=status-badge]', { hasText: 'Open' }).waitFor();
    expect((await api().get(`/api/v1/accounts/${account.id}/conversations/${conv.id}`).set('api_access_token', me.token).expect(200)).body.status).to.equal('open');

    // The bots page names the inbox; detaching in the inbox clears it.
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/bots`);
    await page.locator('[data-testid=bot-row-Greeter]', { hasText: 'Front desk' }).waitFor();
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/inboxes/${inbox.id}?tab=bot`);
    await page.waitForFunction((id) => (document.querySelector('#inbox-agent-bot') as HTMLSelectElement | null)?.value === String(id), bot.id);
    await page.selectOption('#inbox-agent-bot', '');
    await page.click('[data-testid=inbox-bot-form] >> text=Save');
    await page.locator('[data-testid=inbox-bot-form] [role=status]', { hasText: 'Saved' }).waitFor();
    expect((await api().get(`/api/v1/accounts/${account.id}/inboxes/${inbox.id}/agent_bot`).set('api_access_token', me.token).expect(200)).body.agent_bot).to.equal(null);
  });
});
