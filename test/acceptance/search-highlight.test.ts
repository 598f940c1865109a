// Searching the conversation list from `npm start`: results are ranked and show where they matched,
// with the matched words marked and everything else shown as the text it is (a customer's `<b>` stays
// text). The data is made through the API with the administrator's own token, as an integration would.
import { expect } from 'chai';
import { useWalk } from './support/walk.js';

describe('acceptance: search shows where each conversation matched', function () {
  this.timeout(90_000);
  const walk = useWalk('leadchat-acceptance-search-');

  it('marks the matched words in a message and in a contact\'s email, and renders no customer markup', async () => {
    const { product, browser, page } = walk;
    await page.goto(product.base);
    await page.fill('#email', product.admin.email);
    await page.fill('#password', product.admin.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/app\/accounts\/\d+\/conversations/);
    const accountId = Number(/accounts\/(\d+)/.exec(page.url())![1]);
    const profile = await page.evaluate(async () => (await fetch('/api/v1/profile')).json());
    const api = async (path: string, body?: object) => {
      const res = await fetch(`${product.base}/api/v1/accounts/${accountId}${path}`, {
        method: body ? 'POST' : 'GET', headers: { api_access_token: profile.access_token, 'content-type': 'application/json' }, body: body && JSON.stringify(body),
      });
      expect(res.status, path).to.equal(200);
      return res.json();
    };
    const inbox = await api('/inboxes', { name: 'Search walk', channel: { type: 'email', email: `search.walk.${Date.now()}@example.test`, imap_enabled: false, smtp_enabled: false } });
    const contact = (await api('/contacts', { name: 'Zed Quartz', email: `zed.quartz.${Date.now()}@widgets.test` })).payload.contact;
    await api('/conversations', { inbox_id: inbox.id, contact_id: contact.id, message: { content: 'Invoice 4471: your <b>unpaid</b> balance for "ACME" & co.' } });

    await page.goto(`${product.base}/app/accounts/${accountId}/conversations`);
    await page.fill('#conversation-search', 'invoice 4471');
    const hit = page.locator('.conversation-list [data-testid=search-highlight]').first();
    await hit.waitFor();
    expect(await hit.locator('mark').allTextContents()).to.deep.equal(['Invoice', '4471']);
    expect(await hit.textContent()).to.contain('Invoice 4471: your <b>unpaid</b> balance for "ACME');
    expect(await hit.locator('b').count()).to.equal(0);
    await browser.shot('search-message-highlight');

    await page.fill('#conversation-search', 'rtz.');
    await page.locator('.conversation-list [data-testid=search-highlight] mark', { hasText: 'rtz.' }).waitFor();
    await browser.shot('search-contact-highlight');
  });
});
