// An integration on the installation the first-day walk set up: the administrator adds an API inbox in
// the wizard (Ivy works it) and an automation rule in Settings; a shop's backend talks to the inbox
// through Chatwoot's public client API as its customer; the `npm start` worker's rule labels the
// conversation and gives it to Ivy, the thread says so, and the administrator's reply from a composer
// without email parts reaches the customer's side of the public API.
import { expect } from 'chai';
import { accountApi, signInAs, useWalk } from './support/walk.js';

describe('acceptance: an API inbox with an automation rule, from `npm start`', function () {
  this.timeout(120_000);
  const walk = useWalk('leadchat-acceptance-integrations-');

  it('a customer writes through the public client API; the rule labels it and gives it to Ivy; the reply comes back through the API', async () => {
    const { product, browser, page } = walk;
    const base = await signInAs(product, page, product.admin);
    const api = await accountApi(product, page, base);
    await api('/labels', { title: 'orders', color: '#2563eb' });

    // The wizard's API card: a name, no webhook (the shop reads replies through the client API).
    await page.goto(`${base}/settings/inboxes/new`);
    await page.getByTestId('channel-api').click();
    await page.fill('#api-name', 'Shop chat');
    await page.getByTestId('create-api-inbox').click();
    await page.getByLabel(/Ivy Agent/).check();
    await page.getByRole('button', { name: 'Add agents and continue' }).click();
    const identifier = (await page.getByTestId('api-inbox-identifier').textContent())!.trim();
    expect(identifier).to.match(/^[A-Za-z0-9]{24}$/);
    await browser.shot('api-inbox-created');

    // Settings → Automation: mail from shop.test customers is labelled orders and goes to Ivy.
    await page.goto(`${base}/settings/automation`);
    await page.click('[data-testid=add-rule]');
    await page.fill('#rule-name', 'Shop orders to Ivy');
    await page.click('[data-testid=add-condition]');
    const condition = page.locator('[data-testid=condition-0]');
    await condition.getByLabel('Attribute', { exact: true }).selectOption('email');
    await condition.getByLabel('Operator', { exact: true }).selectOption('contains');
    await condition.getByLabel('Value', { exact: true }).fill('@shop.test');
    await page.locator('[data-testid=action-0]').getByLabel('Action', { exact: true }).selectOption('add_label');
    await page.locator('[data-testid=action-0]').getByLabel('Value', { exact: true }).selectOption('orders');
    await page.click('[data-testid=add-action]');
    await page.locator('[data-testid=action-1]').getByLabel('Action', { exact: true }).selectOption('assign_agent');
    await page.locator('[data-testid=action-1]').getByLabel('Value', { exact: true }).selectOption({ label: 'Ivy Agent' });
    await page.click('[data-testid=save-rule]');
    await page.locator('[data-testid=automation-form]').waitFor({ state: 'detached' });
    await page.getByText('Shop orders to Ivy').waitFor();
    await browser.shot('automation-rule');

    // The shop's backend, as its customer: no token, only the inbox identifier.
    const pub = `${product.base}/public/api/v1/inboxes/${identifier}`;
    const call = async (path: string, body?: object) => {
      const res = await fetch(`${pub}${path}`, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
      expect(res.status, path).to.equal(200);
      return res.json();
    };
    const customer = await call('/contacts', { name: 'Quinn Shopper', email: `quinn.${Date.now()}@shop.test` });
    const conversation = await call(`/contacts/${customer.source_id}/conversations`, {});
    await call(`/contacts/${customer.source_id}/conversations/${conversation.id}/messages`, { content: 'Where is my order #5521?' });

    await page.goto(`${base}/conversations/${conversation.id}`);
    await page.locator('.conversation__thread').getByText('Where is my order #5521?').waitFor();
    await page.locator('[data-testid=conversation-label-orders]').waitFor({ timeout: 20_000 });
    await page.locator('.activity', { hasText: 'Automation System added orders' }).waitFor({ timeout: 20_000 });
    // Ivy's, by the rule or by the inbox's round-robin, whichever ran first (both act on a new conversation).
    await page.locator('.activity', { hasText: /^Assigned to Ivy Agent by (Automation System|automatic assignment)$/ }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#assignee option:checked').textContent()).to.equal('Ivy Agent');
    expect(await page.locator('.reply__copies-toggle').count(), 'no Cc/Bcc in an API inbox').to.equal(0);

    await page.locator('#reply-content').click();
    await page.keyboard.type('It left our warehouse this morning.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.message--outgoing [data-status=sent]').waitFor({ timeout: 20_000 });
    await browser.shot('api-inbox-replied');
    const seen = (await call(`/contacts/${customer.source_id}/conversations/${conversation.id}/messages`)) as { content: string; message_type: number }[];
    expect(seen.map((m) => [m.message_type, m.content])).to.deep.include.members([[0, 'Where is my order #5521?'], [1, 'It left our warehouse this morning.']]);
    expect(browser.takeConsoleErrors()).to.deep.equal([]);
  });
});
