// The dashboard on a phone (390 px wide), end to end in headless Chromium against the real app:
// sign in -> the conversation list -> a conversation (list hidden, "← Conversations" shown) -> back ->
// the Menu button (aria-expanded; click, keyboard, Escape, a tap outside, following a link) -> contacts
// -> a contact (its panels under the conversations) -> settings: agents, inboxes, the inbox wizard's
// steps, an inbox's settings, integrations. At every stop nothing may reach past the viewport's right edge. Then the same pages at
// 1280 px keep the desktop layout (sidebar column, no Menu button, list and conversation side by side).
// Screenshots in os.tmpdir()/leadchat-responsive-e2e-<run>; any browser console error fails the test.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createAgent, createContact, createConversation, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp, type E2eRuntime } from './support/app.js';

const PASSWORD = 'E2e-phone-pass-1';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const SUBJECT = 'Our quarterly invoice for the warehouse in Rotterdam-Botlek is missing a purchase order number';

/** Elements whose right edge is past the viewport (and whether the page itself scrolls sideways). */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const wide = [...document.body.querySelectorAll('*')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .map((el) => el.outerHTML.slice(0, 100));
    if (document.documentElement.scrollWidth > window.innerWidth) wide.push(`document scrollWidth ${document.documentElement.scrollWidth}`);
    return wide;
  });
}

describe('dashboard at phone width (e2e, headless Chromium)', function () {
  this.timeout(60_000);
  this.bail(true);
  let rt: E2eRuntime;
  let app: E2eApp;
  let base: string;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let admin: TestUser;
  let inboxId: number;
  let contactId: number;
  let conversationId: number;

  const api = () => supertest(rt.app);
  const accountUrl = (path: string) => `${base}/app/accounts/${account.id}${path}`;
  const menuButton = () => page.locator('[data-testid=menu-button]');
  /** A screenshot, after checking that nothing on the page overflows the viewport's width. */
  async function fits(name: string) {
    await browser.shot(name);
    expect(await overflowing(page), `${name}: elements past the right edge`).to.deep.equal([]);
  }

  before(async function () {
    this.timeout(120_000);
    app = await startE2eApp('responsive-e2e');
    ({ rt, base } = app);

    account = await createAccount();
    admin = await createUser('Pat Phone', { password: PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    await createAgent(account, 'Alex Agent');
    // Sends only (nothing for the workers to fetch); the conversation's messages are an incoming one and a note.
    const inbox = await api().post(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', admin.token).send({
      name: 'Support',
      channel: { type: 'email', email: `support.phone.${Date.now()}@example.test`, imap_enabled: false, smtp_enabled: true, smtp_address: 'smtp.example.test', smtp_port: 587, smtp_login: 'support', smtp_password: 'Smtp-pass-1', smtp_enable_starttls_auto: true },
    }).expect(200);
    inboxId = inbox.body.id;
    const contact = await createContact(account, { name: 'Casey Customer', email: 'casey.customer.with.a.long.address@customer-example.test', phone_number: '+31201234567' });
    contactId = contact.id;
    const conversation = await createConversation(account, { inbox_id: inboxId, contact_id: contactId, additional_attributes: { mail_subject: SUBJECT } });
    conversationId = conversation.id;
    const messages = `/api/v1/accounts/${account.id}/conversations/${conversationId}/messages`;
    await api().post(messages).set('api_access_token', admin.token)
      .send({ message_type: 'incoming', content: 'Hello, the invoice INV-2024-00042 for the Rotterdam warehouse has no PO number. Could you resend it with PO-77812-B?' }).expect(200);
    await api().post(messages).set('api_access_token', admin.token)
      .send({ message_type: 'outgoing', private: true, content: 'Finance has the PO number; asking them now.' }).expect(200);

    browser = await openBrowser('leadchat-responsive-e2e-');
    page = browser.page;
    await page.setViewportSize(PHONE);
    console.log(`      screenshots: ${browser.shotsDir}`);
  });

  afterEach(function () {
    failOnConsoleErrors(this, browser, []);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await app?.close();
  });

  it('signs in; the list fills the screen; a conversation replaces it, with a link back', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('#email');
    await fits('phone-sign-in');
    await signIn(page, { email: admin.email, password: PASSWORD }, account.id);
    const item = page.locator(`[data-testid=conversation-${conversationId}]`);
    await item.waitFor();
    // The list, and no "nothing selected" placeholder next to it; the sidebar's links wait behind Menu.
    expect(await page.locator('.detail-pane').isVisible()).to.equal(false);
    expect(await page.locator('#app-menu').isVisible()).to.equal(false);
    expect(await menuButton().isVisible()).to.equal(true);
    await fits('phone-conversations');

    await item.click();
    await page.waitForURL(`**/conversations/${conversationId}`);
    await page.locator('.conversation__thread').getByText('INV-2024-00042').waitFor();
    expect(await page.locator('.list-pane').isVisible()).to.equal(false);
    const back = page.getByRole('link', { name: '← Conversations' });
    expect(await back.isVisible()).to.equal(true);
    // The reply box is on screen, under the thread, not pushed below the fold.
    const reply = await page.locator('#reply-content').boundingBox();
    expect(reply!.y + reply!.height).to.be.at.most(PHONE.height);
    await fits('phone-conversation');
    await page.getByRole('button', { name: 'Cc / Bcc' }).click();
    await page.locator('#reply-bcc').waitFor();
    await fits('phone-conversation-cc-bcc');

    await back.click();
    await page.waitForURL(`**/app/accounts/${account.id}/conversations`);
    await item.waitFor();
    expect(await page.locator('.detail-pane').isVisible()).to.equal(false);
  });

  it('the Menu button opens and closes the navigation (click, keyboard, Escape, a tap outside, navigating)', async () => {
    const button = menuButton();
    expect(await button.getAttribute('aria-controls')).to.equal('app-menu');
    expect(await button.getAttribute('aria-expanded')).to.equal('false');
    await button.click();
    expect(await button.getAttribute('aria-expanded')).to.equal('true');
    await page.locator('#app-menu').getByRole('link', { name: 'Contacts' }).waitFor();
    await page.locator('#app-menu').getByRole('button', { name: 'Sign out' }).waitFor();
    await fits('phone-menu-open');
    await button.click();
    expect(await button.getAttribute('aria-expanded')).to.equal('false');
    expect(await page.locator('#app-menu').isVisible()).to.equal(false);
    // A tap on the page below closes it too.
    await button.click();
    expect(await button.getAttribute('aria-expanded')).to.equal('true');
    await page.mouse.click(PHONE.width / 2, PHONE.height - 100);
    expect(await button.getAttribute('aria-expanded')).to.equal('false');

    // From the keyboard: Enter opens it, Tab reaches its links, Escape closes it and gives focus back.
    await button.focus();
    await page.keyboard.press('Enter');
    expect(await button.getAttribute('aria-expanded')).to.equal('true');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).to.equal('Conversations');
    await page.keyboard.press('Escape');
    expect(await button.getAttribute('aria-expanded')).to.equal('false');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).to.equal('menu-button');

    // Following a link closes it.
    await page.keyboard.press('Space');
    expect(await button.getAttribute('aria-expanded')).to.equal('true');
    await page.locator('#app-menu').getByRole('link', { name: 'Contacts' }).click();
    await page.waitForURL('**/contacts');
    expect(await button.getAttribute('aria-expanded')).to.equal('false');
  });

  it('contacts and a contact fit; the contact\'s panels come under its conversations', async () => {
    await page.locator('table').getByRole('link', { name: 'Casey Customer' }).waitFor();
    await fits('phone-contacts');
    await page.locator('table').getByRole('link', { name: 'Casey Customer' }).click();
    await page.waitForURL(`**/contacts/${contactId}`);
    await page.getByRole('link', { name: new RegExp(`#${conversationId}`) }).waitFor();
    const main = await page.locator('.contact-main').boundingBox();
    const aside = await page.locator('.contact-sidebar').boundingBox();
    expect(aside!.y).to.be.greaterThan(main!.y + main!.height - 1);
    await fits('phone-contact');
  });

  it('settings through the menu: agents, inboxes, the wizard\'s steps, an inbox, integrations', async () => {
    await menuButton().click();
    await page.locator('#app-menu').getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL('**/settings/agents');
    expect(await menuButton().getAttribute('aria-expanded')).to.equal('false');
    await page.locator('table').getByText('Alex Agent', { exact: true }).waitFor();
    await fits('phone-settings-agents');
    await page.getByRole('button', { name: 'Invite agent' }).click();
    await page.locator('#invite-email').waitFor();
    await fits('phone-settings-agents-invite');

    const settingsNav = page.getByRole('navigation', { name: 'Settings' });
    await settingsNav.getByRole('link', { name: 'Inboxes' }).click();
    await page.locator('table').getByRole('link', { name: 'Support' }).waitFor();
    await fits('phone-settings-inboxes');

    await page.getByRole('link', { name: 'Add inbox' }).click();
    await page.waitForSelector('[data-step=CHANNEL][aria-current=step]');
    await fits('phone-wizard-channel');
    await page.click('[data-testid=channel-email]');
    await page.waitForSelector('[data-testid=provider-imap]');
    await fits('phone-wizard-providers');
    await page.click('[data-testid=provider-imap]');
    await page.locator('#smtp_password').waitFor();
    await fits('phone-wizard-imap-smtp');
    await page.goto(accountUrl(`/settings/inboxes/new/${inboxId}/agents`));
    await page.getByText('Alex Agent').waitFor();
    await fits('phone-wizard-agents');
    await page.goto(accountUrl(`/settings/inboxes/new/${inboxId}/finish`));
    await page.waitForSelector('[data-step=FINISH][aria-current=step]');
    await fits('phone-wizard-finish');

    await page.goto(accountUrl(`/settings/inboxes/${inboxId}`));
    await page.locator('#smtp_password').waitFor();
    await fits('phone-inbox-configuration');
    await page.getByRole('tab', { name: 'Health' }).click();
    await page.getByRole('button', { name: 'Refresh' }).waitFor();
    await fits('phone-inbox-health');

    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Integrations' }).click();
    await page.waitForURL('**/settings/integrations');
    await page.locator('.cards, .empty').first().waitFor();
    await fits('phone-settings-integrations');
  });

  it('at 1280 px the desktop layout stays: sidebar column, no Menu button, list beside the conversation', async () => {
    await page.setViewportSize(DESKTOP);
    await page.goto(accountUrl(`/conversations/${conversationId}`));
    await page.locator('.conversation__thread').getByText('INV-2024-00042').waitFor();
    expect(await menuButton().isVisible()).to.equal(false);
    expect(await page.getByRole('link', { name: '← Conversations' }).isVisible()).to.equal(false);
    expect(await page.locator('#app-menu').isVisible()).to.equal(true);
    const sidebar = await page.locator('.sidebar').boundingBox();
    expect(sidebar).to.include({ x: 0, y: 0, width: 210, height: DESKTOP.height });
    const list = await page.locator('.list-pane').boundingBox();
    const detail = await page.locator('.detail-pane').boundingBox();
    expect(list!.x).to.equal(210);
    expect(detail!.x).to.equal(list!.x + list!.width);
    await browser.shot('desktop-conversation');
    await page.goto(accountUrl(`/contacts/${contactId}`));
    await page.getByRole('link', { name: new RegExp(`#${conversationId}`) }).waitFor();
    const main = await page.locator('.contact-main').boundingBox();
    const aside = await page.locator('.contact-sidebar').boundingBox();
    expect(aside!.x).to.be.greaterThan(main!.x + main!.width);
    expect(aside!.width).to.equal(300);
    await browser.shot('desktop-contact');
    await page.goto(accountUrl('/settings/agents'));
    await page.locator('table').getByText('Alex Agent', { exact: true }).waitFor();
    expect((await page.locator('.settings__nav').boundingBox())!.width).to.equal(200);
    await browser.shot('desktop-settings-agents');
    await page.goto(accountUrl('/settings/inboxes/new'));
    await page.waitForSelector('[data-step=CHANNEL][aria-current=step]');
    expect((await page.locator('.rail').boundingBox())!.width).to.equal(240);
    await browser.shot('desktop-wizard-channel');
  });
});
