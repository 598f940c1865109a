// Settings → Integrations → Webhooks, walked on the `npm start` the first-day walk set up: an address
// on the machine's own network is refused in the form's words, a webhook to an outside name is added,
// its secret shown, its events changed, and a contact created through the API shows up in its delivery
// log, failing (the name does not resolve) and waiting for its retry. Then that contact's page: a
// custom attribute defined, set and kept; and the Reports page.
import { expect } from 'chai';
import fs from 'node:fs';
import { useWalk } from './support/walk.js';

describe('acceptance: account webhooks, from `npm start`', function () {
  this.timeout(90_000);
  const walk = useWalk('leadchat-acceptance-webhooks-');

  it('the administrator adds a webhook, sees its secret, changes its events and watches its delivery log; then sets a custom attribute on the contact', async () => {
    const { product, browser, page } = walk;
    await page.goto(product.base);
    await page.fill('#email', product.admin.email);
    await page.fill('#password', product.admin.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/app\/accounts\/\d+\/conversations/);
    const accountId = Number(/accounts\/(\d+)/.exec(page.url())![1]);
    await page.goto(`${product.base}/app/accounts/${accountId}/settings/integrations`);
    await page.getByRole('link', { name: /Webhooks/ }).click();

    await page.fill('#webhook-url', 'http://127.0.0.1:9/hook');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByText(/private, loopback or link-local address webhooks may not reach/).waitFor();
    await browser.shot('webhook-loopback-refused');

    await page.fill('#webhook-url', 'https://hooks.invalid/leadchat');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const card = page.locator('[data-testid^=webhook-]').filter({ hasText: 'https://hooks.invalid/leadchat' });
    await card.getByText('Enabled', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Show' }).click();
    expect(await card.getByTestId('webhook-secret').textContent()).to.match(/^\S{30,}$/);
    await card.getByRole('checkbox', { name: 'Message updated' }).uncheck();
    await card.getByRole('checkbox', { name: 'Message updated' }).isChecked().then((checked) => expect(checked).to.equal(false));

    // An event: a contact created through the API, as an integration would (the dashboard's session and CSRF token).
    const contactId = await page.evaluate(async (id) => {
      const session = (await (await fetch('/auth/session')).json()) as { csrf_token: string };
      const res = await fetch(`/api/v1/accounts/${id}/contacts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token },
        body: JSON.stringify({ name: 'Webhook Walk', email: 'webhook.walk@example.test' }),
      });
      return ((await res.json()) as { payload: { contact: { id: number } } }).payload.contact.id;
    }, accountId);
    expect(contactId).to.be.a('number');
    await card.getByRole('button', { name: 'Delivery log' }).click();
    const log = page.getByTestId('webhook-log');
    await log.getByRole('cell', { name: 'contact_created' }).waitFor({ timeout: 15_000 });
    // The name does not resolve: the log says why, and the delivery waits for its retry.
    for (let i = 0; i < 20 && !(await log.getByText(/ENOTFOUND|EAI_AGAIN/).count()); i++) {
      await page.waitForTimeout(500);
      await card.getByRole('button', { name: 'Delivery log' }).click();
    }
    await log.getByText(/ENOTFOUND|EAI_AGAIN/).first().waitFor();
    await browser.shot('webhook-delivery-log');
    expect(browser.takeConsoleErrors([/422 \(Unprocessable/])).to.deep.equal([]);

    // The contact's page: the administrator defines a list attribute, picks a value and saves it.
    await page.goto(`${product.base}/app/accounts/${accountId}/contacts/${contactId}`);
    const panel = page.getByTestId('custom-attributes');
    await panel.getByText('No attributes defined yet.').waitFor();
    await page.getByRole('button', { name: 'New attribute' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Plan');
    await page.getByLabel('Key (a-z, 0-9, _)').fill('plan');
    await page.getByLabel('Type').selectOption('list');
    await page.getByLabel('Choices (comma-separated)').fill('free, gold');
    await page.getByRole('button', { name: 'Add attribute' }).click();
    await panel.getByLabel('Plan').selectOption('gold');
    await panel.getByRole('button', { name: 'Save attributes' }).click();
    await panel.getByText('Saved.').waitFor();
    await page.reload();
    await page.getByTestId('custom-attributes').getByLabel('Plan').waitFor();
    expect(await page.getByTestId('custom-attributes').getByLabel('Plan').inputValue()).to.equal('gold');
    await browser.shot('contact-custom-attributes');

    // Reports: the tiles with the period before, and what is open now (the first day's inbox is gone by now).
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Reports' }).click();
    const summary = page.getByTestId('report-summary');
    await summary.getByText('Conversations').waitFor();
    expect(await summary.locator('.tile').count()).to.equal(6);
    await page.getByText(/\d+ open, \d+ waiting for a reply, \d+ unassigned\./).waitFor();
    await browser.shot('reports');
  });
});
