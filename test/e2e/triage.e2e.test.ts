// Triage in headless Chromium, one page load: labels and teams made in Settings, a conversation labelled,
// put on a team, given a priority and snoozed (activity lines in its thread), the list filtered by label
// and team, a bulk label + assign + resolve on two others, and a snoozed conversation coming back when its
// time has come (the reopen job, seen live in the list); then the keyboard shortcuts and their help.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addInboxMember, addToAccount, createAccount, createAgent, createContact, createConversation, createInbox, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { reopenSnoozedConversationsJob } from '../../server/src/jobs/reopen-snoozed-conversations.job.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp } from './support/app.js';

const PASSWORD = 'E2e-triage-pass-1';

describe('triage (e2e, headless Chromium)', function () {
  this.timeout(90_000);
  let app: E2eApp;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let me: TestUser;
  let alex: TestUser;
  const ids: Record<'a' | 'b' | 'c', number> = { a: 0, b: 0, c: 0 };

  const api = () => supertest(app.rt.app);
  const shot = (name: string) => browser.shot(name);
  const item = (id: number) => page.locator(`[data-testid=conversation-${id}]`);
  const listed = () => page.locator('.conversation-list [data-testid^=conversation-]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-testid')!.split('-')[1])).sort((x, y) => x - y));
  const server = async (id: number) => (await api().get(`/api/v1/accounts/${account.id}/conversations/${id}`).set('api_access_token', me.token).expect(200)).body;

  before(async function () {
    this.timeout(180_000);
    app = await startE2eApp('triage');
    account = await createAccount();
    me = await createUser('Sam Admin', { password: PASSWORD });
    await addToAccount(account.id, me, 'administrator');
    alex = await createAgent(account, 'Alex Agent');
    const inbox = await createInbox(account);
    await addInboxMember(inbox.id, alex);
    for (const [key, name] of [['a', 'Ann'], ['b', 'Ben'], ['c', 'Cat']] as const) {
      const contact = await createContact(account, { name: `${name} Customer`, email: `${name.toLowerCase()}@customer.test` });
      ids[key] = (await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, additional_attributes: { mail_subject: `${name} asks` }, message: { content: `Hello ${name}` } }, me)).id;
    }
    browser = await openBrowser('leadchat-e2e-triage-');
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
    await page.goto(`${app.base}/`);
    await page.waitForSelector('#email');
    await signIn(page, { email: me.email, password: PASSWORD }, account.id);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot('failed');
    // The label form's refused title (422) is provoked on purpose.
    failOnConsoleErrors(this, browser, [/status of 422 .*\/labels"/]);
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('labels, teams, priority, snooze, filters and bulk actions, with activity lines', async () => {
    // Settings → Labels: two labels with their colours; a bad title is refused under its field.
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/labels`);
    await page.fill('#label-title', 'two words');
    await page.click('text=Add label');
    await page.locator('#label-title-error').waitFor();
    for (const [title, color] of [['billing', '#e11d48'], ['vip', '#16a34a']]) {
      await page.fill('#label-title', title);
      await page.locator('#label-color').evaluate((el, c) => {
        (el as HTMLInputElement).value = c;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }, color);
      await page.click('text=Add label');
      await page.locator(`[data-testid=label-row-${title}]`).waitFor();
    }
    await shot('labels-settings');

    // Settings → Teams: a team with Alex in it.
    await page.click('.settings__nav >> text=Teams');
    await page.fill('#team-name', 'Tier 2');
    await page.click('text=Add team');
    await page.locator('.team', { hasText: 'Tier 2' }).getByLabel('Alex Agent').check();
    await expectEventually(async () => (await api().get(`/api/v1/accounts/${account.id}/teams`).set('api_access_token', me.token)).body[0]?.id !== undefined);
    const team = (await api().get(`/api/v1/accounts/${account.id}/teams`).set('api_access_token', me.token)).body[0];
    await expectEventually(async () => (await api().get(`/api/v1/accounts/${account.id}/teams/${team.id}/team_members`).set('api_access_token', me.token)).body.length === 1);
    await shot('teams-settings');

    // A conversation: label, team, priority; the list and the thread show them.
    await page.goto(`${app.base}/app/accounts/${account.id}/conversations/${ids.a}`);
    await page.locator('.conversation__title h2', { hasText: 'Ann asks' }).waitFor();
    await page.selectOption('#conversation-add-label', 'billing');
    await page.locator('[data-testid=conversation-label-billing]').waitFor();
    await page.selectOption('#team', String(team.id));
    await page.selectOption('#priority', 'urgent');
    await item(ids.a).locator('.label-chip', { hasText: 'billing' }).waitFor();
    await page.locator(`[data-testid=priority-${ids.a}]`).waitFor();
    await page.locator('.activity', { hasText: 'Sam Admin set the priority to urgent' }).waitFor();
    expect(await page.locator('.activity').allTextContents()).to.deep.equal(['Sam Admin added billing', 'Assigned to Tier 2 by Sam Admin', 'Sam Admin set the priority to urgent']);
    const a = await server(ids.a);
    expect(a).to.deep.include({ labels: ['billing'], priority: 'urgent' });
    expect(a.meta.team.name).to.equal('Tier 2');
    await shot('conversation-triaged');

    // Filters: by label, then by team (label cleared): only Ann's conversation.
    await page.selectOption('#label-filter', 'billing');
    await page.waitForFunction((id) => document.querySelectorAll('.conversation-list [data-testid^=conversation-]').length === 1 && !!document.querySelector(`[data-testid=conversation-${id}]`), ids.a);
    await page.selectOption('#label-filter', '');
    await page.selectOption('#team-filter', String(team.id));
    await page.waitForFunction(() => document.querySelectorAll('.conversation-list [data-testid^=conversation-]').length === 1);
    expect(await listed()).to.deep.equal([ids.a]);
    await shot('filtered-by-team');
    await page.selectOption('#team-filter', '');
    await page.waitForFunction(() => document.querySelectorAll('.conversation-list [data-testid^=conversation-]').length === 3);

    // Bulk: Ben and Cat labelled vip, assigned to Alex, then resolved.
    await page.check(`[data-testid=select-${ids.b}]`);
    await page.check(`[data-testid=select-${ids.c}]`);
    await page.locator('[data-testid=bulk-bar]', { hasText: '2 selected' }).waitFor();
    await shot('bulk-selected');
    await page.selectOption('[data-testid=bulk-label]', 'vip');
    await item(ids.b).locator('.label-chip', { hasText: 'vip' }).waitFor();
    // The selection ends with each action; select again for the next.
    await page.locator('[data-testid=bulk-bar]').waitFor({ state: 'detached' });
    await page.check(`[data-testid=select-${ids.b}]`);
    await page.check(`[data-testid=select-${ids.c}]`);
    await page.selectOption('[data-testid=bulk-assign]', String(alex.id));
    await item(ids.c).locator('.item__meta', { hasText: 'Alex Agent' }).waitFor();
    await page.locator('[data-testid=bulk-bar]').waitFor({ state: 'detached' });
    await page.check(`[data-testid=select-${ids.b}]`);
    await page.check(`[data-testid=select-${ids.c}]`);
    await page.click('[data-testid=bulk-resolve]');
    await page.waitForFunction(() => document.querySelectorAll('.conversation-list [data-testid^=conversation-]').length === 1);
    await page.waitForFunction(() => document.querySelector('[data-testid=count-resolved]')?.textContent?.trim() === '2');
    for (const id of [ids.b, ids.c]) expect(await server(id)).to.deep.include({ status: 'resolved', labels: ['vip'] });
    expect((await server(ids.b)).meta.assignee.id).to.equal(alex.id);

    // Snooze until tomorrow: the conversation moves to the Snoozed tab and says until when.
    await page.selectOption('#snooze', 'tomorrow');
    await page.locator('[data-testid=snoozed-until]').waitFor();
    expect(await page.textContent('[data-testid=snoozed-until]')).to.match(/Snoozed until/);
    await page.waitForFunction(() => document.querySelector('[data-testid=count-snoozed]')?.textContent?.trim() === '1');
    const snoozed = await server(ids.a);
    expect(snoozed.status).to.equal('snoozed');
    const until = new Date(snoozed.snoozed_until);
    expect(until.getTime()).to.be.greaterThan(Date.now());
    expect([until.getHours(), until.getMinutes()]).to.deep.equal([9, 0]);
    await page.locator('.activity', { hasText: 'has snoozed this conversation until' }).waitFor();
    await shot('snoozed');

    // Its time comes: the reopen job wakes it and the open list shows it again, live.
    await app.rt.models.Conversation.update({ snoozed_until: new Date(Date.now() - 1000) }, { where: { account_id: account.id, display_id: ids.a } });
    await reopenSnoozedConversationsJob(app.rt.events).process({}, {} as never);
    await item(ids.a).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=count-snoozed]')?.textContent?.trim() === '0');
    // The live payload carries the team like the API's (the list and the header keep showing it).
    await item(ids.a).locator('.item__meta', { hasText: 'Tier 2' }).waitFor();
    expect(await page.locator('#team').inputValue()).to.equal(String(team.id));
    expect((await server(ids.a)).status).to.equal('open');
    await page.locator('.activity', { hasText: 'System reopened the conversation: its snooze ended' }).waitFor();
    await shot('snooze-ended');

    // Keyboard: ? lists the shortcuts; I assigns the open conversation to me, E resolves it, J/K move
    // through the list, R and N put the cursor in the reply (as a note with N), L on the label picker.
    await page.locator('.conversation__thread').click();
    await page.keyboard.press('?');
    await page.locator('[data-testid=shortcuts-help]').getByText('Assign to me').waitFor();
    await shot('shortcuts-help');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=shortcuts-help]').waitFor({ state: 'detached' });
    await page.keyboard.press('i');
    await page.locator('#assignee').locator(`option[value="${me.id}"]`).waitFor({ state: 'attached' });
    await page.waitForFunction((id) => (document.getElementById('assignee') as HTMLSelectElement).value === String(id), me.id);
    expect((await server(ids.a)).meta.assignee.id).to.equal(me.id);
    await page.keyboard.press('n');
    expect(await page.evaluate(() => [document.activeElement?.id, (document.querySelector('[data-testid=private-note]') as HTMLInputElement).checked])).to.deep.equal(['reply-content', true]);
    await page.locator('.conversation__thread').click();
    await page.keyboard.press('r');
    expect(await page.evaluate(() => [document.activeElement?.id, (document.querySelector('input[name=reply-mode][value=reply]') as HTMLInputElement).checked])).to.deep.equal(['reply-content', true]);
    await page.locator('.conversation__thread').click();
    await page.keyboard.press('l');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('conversation-add-label');
    await page.locator('.conversation__thread').click();
    await page.keyboard.press('e');
    await page.waitForFunction(() => document.querySelector('[data-testid=status-badge]')?.textContent?.trim() === 'Resolved');
    expect((await server(ids.a)).status).to.equal('resolved');
    await page.click('#status-tab-resolved');
    await page.waitForFunction(() => document.querySelectorAll('.conversation-list [data-testid^=conversation-]').length === 3);
    const order = await page.locator('.conversation-list [data-testid^=conversation-]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-testid')!.split('-')[1])));
    // Away from Ann's and back: K then J when it is not first, J then K when it is.
    const at = order.indexOf(ids.a);
    const [away, back] = at > 0 ? ['k', 'j'] : ['j', 'k'];
    await page.keyboard.press(away);
    await page.waitForURL(new RegExp(`/conversations/${order[at > 0 ? at - 1 : 1]}$`));
    await page.keyboard.press(back);
    await page.waitForURL(new RegExp(`/conversations/${ids.a}$`));
    await shot('keyboard');
  });
});

/** Polls a server-side condition (the UI answered before the API call it made had landed). */
async function expectEventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
