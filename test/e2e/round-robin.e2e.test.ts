// Automatic assignment in the real dashboard (headless Chromium): the administrator turns round-robin on
// for an IMAP inbox with a cap of two open conversations per agent; two agents work it in their own
// browsers. Customer emails arriving over IMAP take turns between the agents who have the dashboard open
// and say they are available; a busy agent gets none, a full agent gets none, a closed dashboard gets
// none; a resolved conversation the customer answers goes back to its agent. Each agent sees theirs
// appear live under "Mine".
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import supertest from 'supertest';
import { addInboxMember, addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { controlFetch, type TestSandbox } from '../sandbox/helpers.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { createInfoInbox, failOnConsoleErrors, startE2eApp, type E2eApp } from './support/app.js';

const INFO = 'info@example.test';
const PASSWORD = 'E2e-round-robin-1';

describe('automatic assignment (e2e, headless Chromium, email over IMAP)', function () {
  this.timeout(120_000);
  let app: E2eApp;
  let sb: TestSandbox;
  let browser: BrowserSession;
  let account: TestAccount;
  let admin: TestUser;
  let ann: TestUser;
  let bob: TestUser;
  let inboxId: number | undefined;
  const agentPages = new Map<number, { context: BrowserContext; page: Page }>();
  let mailCount = 0;

  const api = () => supertest(app.rt.app);
  const base = () => `/api/v1/accounts/${account.id}`;

  /** A customer's email to info@, over the sandbox's SMTP into Dovecot; the inbox fetches it over IMAP. */
  async function customerWrites(name: string, extra: { inReplyTo?: string } = {}): Promise<string> {
    const messageId = `<rr-${++mailCount}-${Date.now()}@customer.test>`;
    const lines = [
      `From: ${name} <${name.toLowerCase()}@customer.test>`, `To: ${INFO}`, `Subject: ${extra.inReplyTo ? 'Re: ' : ''}Question from ${name}`,
      `Message-ID: ${messageId}`, `Date: ${new Date().toUTCString()}`,
      ...(extra.inReplyTo ? [`In-Reply-To: ${extra.inReplyTo}`, `References: ${extra.inReplyTo}`] : []),
      'Content-Type: text/plain; charset=utf-8', '', `Hello, this is ${name}.`, '',
    ];
    const res = await controlFetch(sb, 'POST', '/mail/deliver', { to: INFO, raw: Buffer.from(lines.join('\r\n')).toString('base64'), rawEncoding: 'base64' });
    expect(res.status, 'the sandbox took the email').to.equal(201);
    return messageId;
  }

  /** The conversation the customer's email became, once the inbox has fetched it, with its assignee. */
  async function conversationOf(name: string, wantMessages = 1): Promise<{ id: number; status: string; assigneeId: number | null }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await api().get(`${base()}/conversations?status=all&q=${encodeURIComponent(`${name.toLowerCase()}@customer.test`)}`).set('api_access_token', admin.token).expect(200);
      const found = res.body.data.payload[0] as { id: number; status: string; meta: { assignee: { id: number } | null } } | undefined;
      if (found) {
        const messages = (await api().get(`${base()}/conversations/${found.id}/messages`).set('api_access_token', admin.token).expect(200)).body.payload as { message_type: number }[];
        if (messages.filter((m) => m.message_type === 0).length >= wantMessages) {
          // Assignment follows the creation by an event: read again until it has settled.
          await new Promise((r) => setTimeout(r, 300));
          const settled = (await api().get(`${base()}/conversations/${found.id}`).set('api_access_token', admin.token).expect(200)).body;
          return { id: found.id, status: settled.status, assigneeId: settled.meta.assignee?.id ?? null };
        }
      }
      if (Date.now() > deadline) throw new Error(`no conversation for ${name} after 30 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function openDashboard(user: TestUser): Promise<Page> {
    const context = await browser.browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => { throw err; });
    await page.goto(`${app.base}/`);
    await page.waitForSelector('#email');
    await signIn(page, { email: user.email, password: PASSWORD }, account.id);
    await page.selectOption('#assignee-filter', 'me');
    agentPages.set(user.id, { context, page });
    return page;
  }

  const mine = (page: Page, id: number) => page.locator(`.conversation-list [data-testid=conversation-${id}]`);

  before(async function () {
    this.timeout(180_000);
    app = await startE2eApp('round-robin');
    sb = app.sb;
    account = await createAccount();
    admin = await createUser('Rosa Admin', { password: PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    ann = await createUser('Ann Agent', { password: PASSWORD });
    bob = await createUser('Bob Agent', { password: PASSWORD });
    await addToAccount(account.id, ann, 'agent');
    await addToAccount(account.id, bob, 'agent');
    inboxId = await createInfoInbox(app, account, admin);
    await addInboxMember(inboxId, ann);
    await addInboxMember(inboxId, bob);
    browser = await openBrowser('leadchat-e2e-round-robin-');
    console.log(`      screenshots: ${browser.shotsDir}`);
    await browser.page.goto(`${app.base}/`);
    await browser.page.waitForSelector('#email');
    await signIn(browser.page, { email: admin.email, password: PASSWORD }, account.id);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await browser.shot('failed-admin');
      for (const [id, { page }] of agentPages) await page.screenshot({ path: `${browser.shotsDir}/failed-agent-${id}.png` }).catch(() => undefined);
    }
    failOnConsoleErrors(this, browser, []);
  });

  after(async function () {
    this.timeout(30_000);
    for (const { context } of agentPages.values()) await context.close().catch(() => undefined);
    await browser?.close();
    if (inboxId) await api().delete(`${base()}/inboxes/${inboxId}`).set('api_access_token', admin.token);
    await app?.close();
  });

  it('the administrator turns round-robin on with a cap of two; the setting survives a reload', async () => {
    const page = browser.page;
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/inboxes/${inboxId}`);
    await page.waitForSelector('#inbox-auto-assignment');
    expect(await page.isChecked('#inbox-auto-assignment'), 'on by default, as in Chatwoot').to.equal(true);
    await page.fill('#inbox-max-assignment', '2');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.reload();
    await page.waitForSelector('#inbox-max-assignment');
    expect(await page.inputValue('#inbox-max-assignment')).to.equal('2');
    await browser.shot('auto-assignment-cap');
    const inbox = (await api().get(`${base()}/inboxes/${inboxId}`).set('api_access_token', admin.token).expect(200)).body;
    expect(inbox).to.deep.include({ enable_auto_assignment: true, auto_assignment_config: { max_assignment_limit: 2 } });
  });

  it('takes turns between the agents who are online and available, within the cap; a reply brings a resolved conversation back to its agent', async () => {
    const annPage = await openDashboard(ann);
    const bobPage = await openDashboard(bob);
    // Bob says he is busy: the first email goes to Ann although he has the dashboard open.
    await bobPage.selectOption('[data-testid=availability]', 'busy');
    await waitForAvailability(bob, 'busy');

    const firstId = await customerWrites('Carla');
    const carla = await conversationOf('Carla');
    expect(carla.assigneeId, 'Bob is busy').to.equal(ann.id);
    await mine(annPage, carla.id).waitFor();
    await annPage.screenshot({ path: `${browser.shotsDir}/ann-mine-carla.png` });

    // Bob is back: the next emails alternate, Bob first (Ann had the last one).
    await bobPage.selectOption('[data-testid=availability]', 'online');
    await waitForAvailability(bob, 'online');
    const assigned: Record<string, number | null> = {};
    for (const name of ['Dora', 'Emil', 'Fay']) {
      await customerWrites(name);
      assigned[name] = (await conversationOf(name)).assigneeId;
    }
    expect(assigned).to.deep.equal({ Dora: bob.id, Emil: ann.id, Fay: bob.id });
    const fay = await conversationOf('Fay');
    await mine(bobPage, fay.id).waitFor();
    expect(await mine(annPage, fay.id).count(), 'Fay is not in Ann’s list').to.equal(0);

    // Both have two open conversations: the next one waits unassigned, where the administrator sees it.
    await customerWrites('Gus');
    const gus = await conversationOf('Gus');
    expect(gus.assigneeId, 'everyone is at the cap').to.equal(null);
    await browser.page.goto(`${app.base}/app/accounts/${account.id}/conversations`);
    await browser.page.selectOption('#assignee-filter', 'unassigned');
    await browser.page.locator(`.conversation-list [data-testid=conversation-${gus.id}]`).waitFor();
    await browser.shot('unassigned-over-cap');

    // Ann resolves Carla's conversation from her dashboard; Carla answers: it reopens and is Ann's again.
    await mine(annPage, carla.id).click();
    await annPage.getByRole('button', { name: 'Resolve' }).click();
    await annPage.locator('[data-testid=status-badge]').filter({ hasText: 'Resolved' }).waitFor();
    await customerWrites('Carla', { inReplyTo: firstId });
    const reopened = await conversationOf('Carla', 2);
    expect(reopened).to.deep.equal({ id: carla.id, status: 'open', assigneeId: ann.id });
    await annPage.locator('[data-testid=status-badge]').filter({ hasText: 'Open' }).waitFor();
    // The thread says why: who assigned it, and what reopened it.
    await annPage.locator('.activity', { hasText: 'Assigned to Ann Agent by automatic assignment' }).waitFor();
    await annPage.locator('.activity', { hasText: 'System reopened the conversation due to a new incoming message' }).waitFor();
    const preview = await mine(annPage, carla.id).locator('[data-testid=preview]').textContent();
    expect(preview, 'the list previews what Carla said, not the activity line').to.contain('Hello, this is Carla.');
    await annPage.screenshot({ path: `${browser.shotsDir}/ann-carla-reopened.png` });

    // Bob resolves one of his, then closes his dashboard; Ann resolves Emil's. The next email is Ann's:
    // Bob has room now but is not online.
    const dora = await conversationOf('Dora');
    await api().post(`${base()}/conversations/${dora.id}/toggle_status`).set('api_access_token', bob.token).send({ status: 'resolved' }).expect(200);
    await agentPages.get(bob.id)!.context.close();
    agentPages.delete(bob.id);
    const emil = await conversationOf('Emil');
    await api().post(`${base()}/conversations/${emil.id}/toggle_status`).set('api_access_token', ann.token).send({ status: 'resolved' }).expect(200);
    await waitUntilOffline();
    await customerWrites('Hugo');
    const hugo = await conversationOf('Hugo');
    expect(hugo.assigneeId, 'Bob closed his dashboard').to.equal(ann.id);
    await mine(annPage, hugo.id).waitFor();
    await annPage.screenshot({ path: `${browser.shotsDir}/ann-mine-hugo.png` });
  });

  /** The agent's availability as the API reports it to the administrator's agent list. */
  async function waitForAvailability(user: TestUser, want: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const agents = (await api().get(`${base()}/agents`).set('api_access_token', admin.token).expect(200)).body as { id: number; availability_status: string }[];
      if (agents.find((a) => a.id === user.id)?.availability_status === want) return;
      if (Date.now() > deadline) throw new Error(`${user.email} is not ${want} after 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * The server forgets a closed dashboard when its event stream ends, which no public answer shows
   * (an agent's availability is what they chose, not whether a dashboard is open): give it a moment.
   */
  async function waitUntilOffline(): Promise<void> {
    await new Promise((r) => setTimeout(r, 1500));
  }
});
