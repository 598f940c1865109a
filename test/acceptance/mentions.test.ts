// Mentions and notifications on the installation the first-day walk set up: the administrator
// mentions Ivy (picked from the @ autocomplete) in a private note; Ivy's open dashboard shows it in
// the bell and the tab title at once, and the email reaches her mailbox in the sandbox.
import { expect } from 'chai';
import { awaitMail } from '../email/send/send-runtime.js';
import { accountApi, IVY, signInAs, useWalk } from './support/walk.js';

describe('acceptance: mentions and notifications', function () {
  this.timeout(120_000);
  const walk = useWalk('leadchat-acceptance-mentions-');

  it('a mention picked from the autocomplete reaches the agent’s bell, tab title and mailbox', async () => {
    const { product, browser, page } = walk;
    const base = await signInAs(product, page, product.admin);
    const accountPath = new URL(base).pathname.replace('/app', '/api/v1');
    // Setup through the API with the administrator's token: a conversation in an inbox Ivy works
    // (made before Ivy's dashboard is open, so automatic assignment leaves it alone).
    const api = await accountApi(product, page, base);
    const ivy = ((await api('/agents')) as { id: number; email: string }[]).find((a) => a.email === IVY.email)!;
    const inbox = await api('/inboxes', { name: 'Mentions walk', channel: { type: 'email', email: `mentions.walk.${Date.now()}@example.test`, imap_enabled: false, smtp_enabled: false } });
    const contact = (await api('/contacts', { name: 'Mia Customer', email: `mia.${Date.now()}@customer.test` })).payload.contact;
    const conversation = await api('/conversations', { inbox_id: inbox.id, contact_id: contact.id, message: { content: 'Please call me about my order.' } });
    await api('/inbox_members', { inbox_id: inbox.id, user_ids: [ivy.id] });

    const ivyPage = await browser.browser.newPage({ viewport: { width: 1366, height: 768 } });
    await signInAs(product, ivyPage, IVY);
    const bell = ivyPage.locator('[data-testid=notification-count]');
    const before = (await (await ivyPage.request.get(`${product.base}${accountPath}/notifications/unread_count`)).json()) as number;

    await page.goto(`${base}/conversations/${conversation.id}`);
    await page.locator('[data-testid=private-note]').check();
    await page.click('#reply-content');
    await page.keyboard.type('Could you call her back, @Iv');
    const menu = page.locator('[data-testid=mention-menu]');
    await menu.getByText('@Ivy Agent').waitFor();
    await browser.shot('mention-autocomplete');
    await page.keyboard.press('Enter');
    await page.keyboard.type('please?');
    await page.locator('#reply-content .mention', { hasText: '@Ivy Agent' }).waitFor();
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.conversation__thread').getByText('Could you call her back, @Ivy Agent please?').waitFor();
    await browser.shot('note-added');

    await ivyPage.waitForFunction((n) => document.title.startsWith(`(${n}) `), before + 1, { timeout: 15_000 });
    expect(await bell.textContent()).to.equal(String(before + 1));
    await ivyPage.locator('.bell__button').click();
    await ivyPage.getByText(`You have been mentioned in conversation [ID -${conversation.id}]`).click();
    await ivyPage.waitForURL(new RegExp(`/conversations/${conversation.id}$`));
    await ivyPage.locator('.conversation__thread').getByText('Could you call her back, @Ivy Agent please?').waitFor();
    await ivyPage.screenshot({ path: `${browser.shotsDir}/ivy-conversation.png` });

    const mail = await awaitMail(product, IVY.email, (m) => m.subject === `You have been mentioned in conversation [ID -${conversation.id}]`, 30_000);
    expect(mail.text).to.contain('Could you call her back, @Ivy Agent please?').and.contain(`/conversations/${conversation.id}`);

    // Ivy no longer wants mentions by email; the choice is kept.
    await ivyPage.goto(`${base}/profile`);
    const mentionEmail = () => ivyPage.getByLabel('I am mentioned in a private note: Email');
    expect(await mentionEmail().isChecked(), 'on by default').to.equal(true);
    await mentionEmail().uncheck();
    await ivyPage.getByRole('button', { name: 'Save notification preferences' }).click();
    await ivyPage.locator('[data-testid=notification-preferences] [role=status]').waitFor();
    await ivyPage.reload();
    await ivyPage.getByRole('button', { name: 'Save notification preferences' }).waitFor();
    expect(await mentionEmail().isChecked()).to.equal(false);
    await ivyPage.locator('[data-testid=notification-preferences]').scrollIntoViewIfNeeded();
    await ivyPage.screenshot({ path: `${browser.shotsDir}/ivy-preferences.png` });
    await ivyPage.close();

    // The administrator caps the inbox's automatic assignment (the field itself refuses less than 1).
    await page.goto(`${base}/settings/inboxes/${inbox.id}`);
    expect(await page.locator('#inbox-auto-assignment').isChecked(), 'on by default, as Chatwoot').to.equal(true);
    await page.fill('#inbox-max-assignment', '0');
    expect(await page.locator('#inbox-max-assignment').evaluate((el) => (el as HTMLInputElement).validity.rangeUnderflow)).to.equal(true);
    await page.fill('#inbox-max-assignment', '2');
    await page.locator('.config button[type=submit]').click();
    await page.locator('.config [role=status]').waitFor();
    await page.reload();
    await page.locator('#inbox-max-assignment').waitFor();
    expect(await page.inputValue('#inbox-max-assignment')).to.equal('2');
    await browser.shot('inbox-auto-assignment');
    expect(browser.takeConsoleErrors()).to.deep.equal([]);
  });
});
