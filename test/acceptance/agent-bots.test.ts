// An agent bot on the installation the first-day walk set up: the administrator adds a bot in
// Settings → Bots (a loopback URL refused first), attaches it in an inbox's Bot tab; a customer's
// conversation there starts pending; the bot, with the token the Bots page shows, answers and hands
// the conversation over; the administrator sees the bot's reply with its badge, the conversation open.
import { expect } from 'chai';
import { accountApi, signInAs, useWalk } from './support/walk.js';

describe('acceptance: an agent bot answers first, from `npm start`', function () {
  this.timeout(120_000);
  const walk = useWalk('leadchat-acceptance-agent-bots-');

  it('a bot made in Settings takes a new conversation as pending, answers with its token and hands it over', async () => {
    const { product, browser, page } = walk;
    const base = await signInAs(product, page, product.admin);
    const api = await accountApi(product, page, base);
    const inbox = await api('/inboxes', { name: 'Bot desk', channel: { type: 'api' } });

    await page.goto(`${base}/settings/bots`);
    await page.click('[data-testid=bot-add]');
    await page.fill('#bot-name', 'Triage bot');
    await page.fill('#bot-url', 'http://127.0.0.1:9/hook');
    await page.click('[data-testid=bot-form] >> text=Save');
    await page.locator('#bot-url-error', { hasText: 'private, loopback' }).waitFor();
    await page.fill('#bot-url', 'https://bots.example.com/triage');
    await page.click('[data-testid=bot-form] >> text=Save');
    const row = page.locator('[data-testid="bot-row-Triage bot"]');
    await row.waitFor();
    await row.locator('text=Show').first().click();
    const token = (await row.locator('[data-testid=bot-token]').textContent())!.trim();
    expect(token).to.match(/^\S{20,}$/);
    await browser.shot('bots-page');

    await page.goto(`${base}/settings/inboxes/${inbox.id}?tab=bot`);
    await page.waitForFunction(() => [...document.querySelectorAll('#inbox-agent-bot option')].some((o) => o.textContent?.includes('Triage bot')));
    await page.selectOption('#inbox-agent-bot', { label: 'Triage bot' });
    await page.click('[data-testid=inbox-bot-form] >> text=Save');
    await page.locator('[data-testid=inbox-bot-form] [role=status]', { hasText: 'Saved' }).waitFor();

    // A customer writes in (through the public client API, as the inbox's integration would).
    const pub = `${product.base}/public/api/v1/inboxes/${inbox.inbox_identifier}`;
    const post = async (url: string, body: object, headers: Record<string, string> = {}) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      expect(res.status, url).to.equal(200);
      return res.json();
    };
    const customer = await post(`${pub}/contacts`, { name: 'Rae Customer', email: `rae.${Date.now()}@customer.test` });
    const conversation = await post(`${pub}/contacts/${customer.source_id}/conversations`, {});
    expect(conversation.status, 'the bot has it first').to.equal('pending');
    await post(`${pub}/contacts/${customer.source_id}/conversations/${conversation.id}/messages`, { content: 'I need to change my address.' });

    // The bot answers and hands over with its own token, as a bot service would.
    const accountPath = new URL(base).pathname.replace('/app', '/api/v1');
    const asBot = { api_access_token: token };
    const reply = await post(`${product.base}${accountPath}/conversations/${conversation.id}/messages`, { content: 'An agent will help you with that.' }, asBot);
    await post(`${product.base}${accountPath}/conversations/${conversation.id}/toggle_status`, { status: 'open' }, asBot);

    await page.goto(`${base}/conversations/${conversation.id}`);
    await page.locator(`[data-testid=bot-badge-${reply.id}]`).waitFor();
    expect(await page.locator(`[data-testid=message-${reply.id}] .message__sender`).textContent()).to.equal('Triage bot');
    await page.locator('[data-testid=status-badge]', { hasText: 'Open' }).waitFor();
    await browser.shot('bot-handed-over');
    // The refused loopback URL's 422 is provoked on purpose.
    expect(browser.takeConsoleErrors([/status of 422/])).to.deep.equal([]);
  });
});
