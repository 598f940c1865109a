// Automation in headless Chromium: a rule made in Settings → Automation (condition on the sender's
// email, actions add a label and assign an agent, picked from the account's labels and agents); a new
// conversation from a matching contact gets the label and the agent from the worker's job, with the
// thread's activity lines naming the automation; the rule turned off and deleted from the list.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addInboxMember, addToAccount, createAccount, createAgent, createInbox, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp } from './support/app.js';

const PASSWORD = 'E2e-automation-pass-1';

describe('automation rules (e2e, headless Chromium)', function () {
  this.timeout(90_000);
  let app: E2eApp;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let me: TestUser;
  let alex: TestUser;
  let inbox: { id: number };

  const api = () => supertest(app.rt.app);
  const auth = () => ({ api_access_token: me.token });
  const shot = (name: string) => browser.shot(name);
  const rulesOnServer = async () => (await api().get(`/api/v1/accounts/${account.id}/automation_rules`).set(auth()).expect(200)).body.payload;

  before(async function () {
    this.timeout(180_000);
    app = await startE2eApp('automation');
    account = await createAccount();
    me = await createUser('Sam Admin', { password: PASSWORD });
    await addToAccount(account.id, me, 'administrator');
    alex = await createAgent(account, 'Alex Agent');
    inbox = await createInbox(account);
    await addInboxMember(inbox.id, alex);
    // Through the e2e app's own process, whose events and worker run the rules.
    await api().post(`/api/v1/accounts/${account.id}/labels`).set(auth()).send({ title: 'vip', color: '#16a34a' }).expect(200);
    browser = await openBrowser('leadchat-e2e-automation-');
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
    await page.goto(`${app.base}/`);
    await page.waitForSelector('#email');
    await signIn(page, { email: me.email, password: PASSWORD }, account.id);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot('failed');
    failOnConsoleErrors(this, browser, []);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a rule made in Settings labels and assigns a new matching conversation; it can be turned off and deleted', async () => {
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/automation`);
    await page.locator('.empty', { hasText: 'No automation rules yet' }).waitFor();
    await page.click('[data-testid=add-rule]');
    await page.fill('#rule-name', 'VIP customers');
    await page.fill('#rule-description', 'Mail from vip.test goes to Alex');
    expect(await page.locator('#rule-event').inputValue()).to.equal('conversation_created');

    await page.click('[data-testid=add-condition]');
    const condition = page.locator('[data-testid=condition-0]');
    await condition.getByLabel('Attribute', { exact: true }).selectOption('email');
    await condition.getByLabel('Operator', { exact: true }).selectOption('contains');
    await condition.getByLabel('Value', { exact: true }).fill('@vip.test');

    const first = page.locator('[data-testid=action-0]');
    await first.getByLabel('Action', { exact: true }).selectOption('add_label');
    await first.getByLabel('Value', { exact: true }).selectOption('vip');
    await page.click('[data-testid=add-action]');
    const second = page.locator('[data-testid=action-1]');
    await second.getByLabel('Action', { exact: true }).selectOption('assign_agent');
    await second.getByLabel('Value', { exact: true }).selectOption({ label: 'Alex Agent' });
    await shot('rule-form');
    await page.click('[data-testid=save-rule]');

    await page.locator('[data-testid=automation-form]').waitFor({ state: 'detached' });
    const [rule] = await rulesOnServer();
    expect(rule).to.deep.include({ name: 'VIP customers', event_name: 'conversation_created', active: true });
    expect(rule.conditions).to.deep.equal([{ attribute_key: 'email', filter_operator: 'contains', values: ['@vip.test'], query_operator: null }]);
    expect(rule.actions).to.deep.equal([{ action_name: 'add_label', action_params: ['vip'] }, { action_name: 'assign_agent', action_params: [alex.id] }]);
    const row = page.locator(`[data-testid=rule-${rule.id}]`);
    await row.getByText('Conversation created').waitFor();
    await row.getByText('1 condition, 2 actions').waitFor();
    await shot('rule-listed');

    // A new conversation from a vip.test customer: the worker's job labels and assigns it.
    const contact = (await api().post(`/api/v1/accounts/${account.id}/contacts`).set(auth()).send({ name: 'Vera Vip', email: 'vera@vip.test', inbox_id: inbox.id }).expect(200)).body.payload.contact;
    const conversation = (await api().post(`/api/v1/accounts/${account.id}/conversations`).set(auth())
      .send({ inbox_id: inbox.id, contact_id: contact.id, additional_attributes: { mail_subject: 'Renewal' }, message: { content: 'About our renewal' } }).expect(200)).body;
    await page.goto(`${app.base}/app/accounts/${account.id}/conversations/${conversation.id}`);
    await page.locator('[data-testid=conversation-label-vip]').waitFor({ timeout: 15_000 });
    await page.locator('.activity', { hasText: 'Assigned to Alex Agent by Automation System' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.activity').allTextContents()).to.include.members(['Automation System added vip', 'Assigned to Alex Agent by Automation System']);
    const server = (await api().get(`/api/v1/accounts/${account.id}/conversations/${conversation.id}`).set(auth()).expect(200)).body;
    expect(server.labels).to.deep.equal(['vip']);
    expect(server.meta.assignee.id).to.equal(alex.id);
    await shot('conversation-automated');

    // Back in Settings: edited (the form shows the saved rows), off (the server agrees), then deleted after the confirmation.
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/automation`);
    await row.getByRole('button', { name: 'Edit' }).click();
    expect(await page.locator('[data-testid=condition-0]').getByLabel('Value', { exact: true }).inputValue()).to.equal('@vip.test');
    expect(await page.locator('[data-testid=action-1]').getByLabel('Value', { exact: true }).inputValue()).to.equal(String(alex.id));
    await page.fill('#rule-name', 'VIP customers first');
    await page.click('[data-testid=save-rule]');
    await row.getByText('VIP customers first').waitFor();
    expect((await rulesOnServer())[0].actions).to.deep.equal(rule.actions);
    await page.locator(`[data-testid=rule-active-${rule.id}]`).uncheck();
    await row.getByText('Off').waitFor();
    expect((await rulesOnServer())[0].active).to.equal(false);
    await shot('rule-off');
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.locator('.empty', { hasText: 'No automation rules yet' }).waitFor();
    expect(await rulesOnServer()).to.deep.equal([]);

    // On a phone the form's rows stack: nothing reaches past the screen's right edge.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('[data-testid=add-rule]');
    await page.click('[data-testid=add-condition]');
    await page.locator('[data-testid=action-0]').getByLabel('Action', { exact: true }).selectOption('send_email_to_team');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).to.equal(true);
    await shot('phone-rule-form');
    await page.setViewportSize({ width: 1366, height: 768 });
  });
});
