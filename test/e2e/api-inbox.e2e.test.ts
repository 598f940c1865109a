// The API channel in headless Chromium: an administrator creates an API inbox in the wizard (name and
// webhook URL; the identifier and tokens shown at the end), a customer's message arrives through the
// Application API, and the agent's reply — written in a composer without email's parts — reaches a
// real receiver as Chatwoot's signed message_created webhook and shows as sent.
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { startReceiver } from '../support/webhook-receiver.js';
import { eventually } from '../sandbox/helpers.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp } from './support/app.js';

const PASSWORD = 'E2e-api-inbox-pass-1';

describe('API channel inbox (e2e, headless Chromium)', function () {
  this.timeout(90_000);
  let app: E2eApp;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let admin: TestUser;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  const api = () => supertest(app.rt.app);
  const base = () => `/api/v1/accounts/${account.id}`;
  const shot = (name: string) => browser.shot(name);

  before(async function () {
    this.timeout(180_000);
    // The receiver is on loopback: allowed as an operator would allow an internal service.
    app = await startE2eApp('api-inbox', () => ({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' }));
    receiver = await startReceiver();
    account = await createAccount();
    admin = await createUser('Sam Admin', { password: PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    // A signature an email reply would carry: the API inbox's composer must not offer it.
    await app.rt.models.User.update({ message_signature: 'Sam · Example Inc.' }, { where: { id: admin.id } });
    browser = await openBrowser('leadchat-e2e-api-inbox-');
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
    await page.goto(`${app.base}/`);
    await page.waitForSelector('#email');
    await signIn(page, { email: admin.email, password: PASSWORD }, account.id);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot('failed');
    // The settings form's refused private address (422) is provoked on purpose.
    failOnConsoleErrors(this, browser, [/status of 422 .*\/inboxes\/\d+"/]);
  });

  after(async () => {
    await browser?.close();
    await receiver?.close();
    await app?.close();
  });

  it('creates an API inbox in the wizard, and an agent\'s reply reaches the webhook receiver, signed, from a composer without email fields', async () => {
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/inboxes/new`);
    await page.getByTestId('channel-api').waitFor();
    await shot('wizard-channels');
    await page.getByTestId('channel-api').click();
    await page.fill('#api-name', 'Shop bot');
    await page.fill('#api-webhook-url', receiver.url);
    await shot('wizard-api-form');
    await page.getByTestId('create-api-inbox').click();
    await page.getByRole('button', { name: 'Add agents and continue' }).click();
    const identifier = (await page.getByTestId('api-inbox-identifier').textContent())!.trim();
    expect(identifier).to.match(/^[A-Za-z0-9]{24}$/);
    await page.getByTestId('api-hmac-token').waitFor();
    expect(await page.getByTestId('api-webhook-url').textContent()).to.equal(receiver.url);
    await shot('wizard-finish');

    // Inbox settings: the webhook URL is edited there (a private address refused under its field); no mailbox Health tab.
    await page.getByRole('link', { name: 'Inbox settings' }).click();
    const webhookField = page.locator('#inbox-webhook-url');
    expect(await webhookField.inputValue()).to.equal(receiver.url);
    expect(await page.locator('#inbox-signature').count(), 'no email signature').to.equal(0);
    expect(await page.getByRole('tab', { name: 'Health' }).count(), 'no Health tab').to.equal(0);
    await webhookField.fill('http://10.1.2.3/hook');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#inbox-webhook-url-error').getByText(/private, loopback or link-local/).waitFor();
    const moved = `${receiver.url}/replies`;
    await webhookField.fill(moved);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved').waitFor();
    await shot('inbox-settings');
    await page.getByRole('link', { name: '← Inboxes' }).click();
    await page.locator('td[data-label=Provider]', { hasText: 'API' }).waitFor();
    await shot('inboxes-list');

    const inbox = (await api().get(`${base()}/inboxes`).set('api_access_token', admin.token).expect(200)).body.payload[0];
    expect(inbox).to.include({ name: 'Shop bot', channel_type: 'Channel::Api', inbox_identifier: identifier, webhook_url: moved });

    // The integration's side: a contact of the inbox, a conversation by its source id, the customer's message.
    const contact = (await api().post(`${base()}/contacts`).set('api_access_token', admin.token).send({ name: 'Chat Customer', email: 'chat@customer.test', inbox_id: inbox.id }).expect(200)).body.payload;
    const conversation = (await api().post(`${base()}/conversations`).set('api_access_token', admin.token).send({ inbox_id: inbox.id, source_id: contact.contact_inbox.source_id }).expect(200)).body;
    await api().post(`${base()}/conversations/${conversation.id}/messages`).set('api_access_token', admin.token).send({ content: 'Is the blue one in stock?', message_type: 'incoming' }).expect(200);

    await page.goto(`${app.base}/app/accounts/${account.id}/conversations/${conversation.id}`);
    await page.locator('.conversation__thread').getByText('Is the blue one in stock?').waitFor();
    await page.locator('#reply-content').waitFor();
    // No email parts: Reply all, Cc/Bcc, the To line, the signature, quoting; no Forward in the thread.
    expect(await page.getByTestId('mode-reply-all').count(), 'reply all').to.equal(0);
    expect(await page.locator('.reply__copies-toggle').count(), 'cc/bcc').to.equal(0);
    expect(await page.locator('#reply-cc, #reply-bcc').count(), 'cc/bcc fields').to.equal(0);
    expect(await page.getByTestId('signature-preview').count(), 'signature').to.equal(0);
    expect(await page.getByTestId('quote-toggle').count(), 'quote').to.equal(0);
    expect(await page.locator('.message__forward').count(), 'forward').to.equal(0);
    expect(await page.locator('.reply__to').count(), 'To line').to.equal(0);

    await page.locator('#reply-content').click();
    await page.keyboard.type('Yes, we have three left.');
    await page.getByRole('button', { name: 'Send' }).click();

    const delivered = await eventually(async () => receiver.received.find((r) => r.body.event === 'message_created' && r.body.message_type === 'outgoing'), 15_000);
    expect(delivered.url).to.equal('/hook/replies');
    expect(delivered.body).to.include({ event: 'message_created', content: 'Yes, we have three left.', message_type: 'outgoing', private: false });
    expect((delivered.body.conversation as { id: number }).id).to.equal(conversation.id);
    const ts = String(delivered.headers['x-chatwoot-timestamp']);
    expect(delivered.headers['x-chatwoot-signature']).to.equal(`sha256=${createHmac('sha256', inbox.secret).update(`${ts}.${delivered.raw}`).digest('hex')}`);

    // The thread shows the reply as sent, live.
    await page.locator('.message--outgoing [data-status=sent]').waitFor({ timeout: 15_000 });
    await shot('reply-sent');
  });
});
