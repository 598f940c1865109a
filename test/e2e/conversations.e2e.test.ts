// The conversation screen end to end in headless Chromium: a reply draft stays with its conversation
// (switching, a reload) and is gone once sent; resolving and reopening move the conversation between the
// status tabs with counts that agree with the server, also when another agent does it; a conversation
// opened by link beyond the list's first page stays open; "You:" marks only the signed-in agent's replies.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import {
  addInboxMember, addToAccount, createAccount, createAgent, createContact, createConversation, createInbox, createUser,
  type TestAccount, type TestUser,
} from '../support/factories.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp } from './support/app.js';

const PASSWORD = 'E2e-convo-pass-1';
const OLDER = 30;

describe('conversation screen (e2e, headless Chromium)', function () {
  this.timeout(60_000);
  this.bail(true);
  let app: E2eApp;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let me: TestUser;
  let alex: TestUser;
  /** Display ids: the oldest (beyond page 1), Jane's and Bob's (newest, with replies by me and by Alex). */
  let oldest = 0;
  let jane = 0;
  let bob = 0;

  const api = () => supertest(app.rt.app);
  const shot = (name: string) => browser.shot(name);
  const url = (suffix = '') => `${app.base}/app/accounts/${account.id}/conversations${suffix}`;
  const item = (id: number) => page.locator(`[data-testid=conversation-${id}]`);
  const badge = async (status: string) => (await page.textContent(`[data-testid=count-${status}]`))?.trim();
  const serverCount = async (status: string) =>
    (await api().get(`/api/v1/accounts/${account.id}/conversations/meta?status=${status}`).set('api_access_token', me.token).expect(200)).body.meta.all_count as number;
  /** Waits until the tab badges show what the server counts. */
  const countsAgree = async () => {
    const expected = { open: await serverCount('open'), resolved: await serverCount('resolved') };
    await page.waitForFunction(
      (e) => document.querySelector('[data-testid=count-open]')?.textContent?.trim() === String(e.open)
        && document.querySelector('[data-testid=count-resolved]')?.textContent?.trim() === String(e.resolved),
      expected,
    );
    return expected;
  };

  before(async function () {
    this.timeout(180_000);
    app = await startE2eApp('convo');
    account = await createAccount();
    me = await createUser('Sam Admin', { password: PASSWORD });
    await addToAccount(account.id, me, 'administrator');
    alex = await createAgent(account, 'Alex Agent');
    const inbox = await createInbox(account);
    await addInboxMember(inbox.id, alex);
    const others = await createContact(account, { name: 'Many Customers', email: 'many@customer.test' });
    for (let i = 0; i < OLDER; i++) {
      const c = await createConversation(account, { inbox_id: inbox.id, contact_id: others.id, additional_attributes: { mail_subject: `Older ${i}` }, message: { content: `older ${i}` } }, me);
      if (i === 0) oldest = c.id;
    }
    const janeContact = await createContact(account, { name: 'Jane Customer', email: 'jane@customer.test' });
    const bobContact = await createContact(account, { name: 'Bob Customer', email: 'bob@customer.test' });
    jane = (await createConversation(account, { inbox_id: inbox.id, contact_id: janeContact.id, additional_attributes: { mail_subject: 'Jane asks' }, message: { content: 'My reply to Jane' } }, me)).id;
    bob = (await createConversation(account, { inbox_id: inbox.id, contact_id: bobContact.id, additional_attributes: { mail_subject: 'Bob asks' }, message: { content: 'Alex answers Bob' } }, alex)).id;
    browser = await openBrowser('leadchat-e2e-convo-');
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

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await app?.close();
  });

  it('shows "You:" only on my own replies, the other agent\'s first name on theirs', async () => {
    await item(bob).waitFor();
    expect((await item(jane).locator('[data-testid=preview]').textContent())?.trim()).to.equal('You:My reply to Jane');
    expect((await item(bob).locator('[data-testid=preview]').textContent())?.trim()).to.equal('Alex:Alex answers Bob');
    await shot('previews');
  });

  it('keeps a draft with its conversation across switching and a reload, and forgets it once sent', async () => {
    await item(jane).click();
    await page.waitForURL(url(`/${jane}`));
    await page.fill('#reply-content', 'Half-written for Jane');
    await page.getByRole('button', { name: 'Cc / Bcc' }).click();
    await page.fill('#reply-cc', 'janes.boss@customer.test');
    await page.setInputFiles('#reply-attachments', { name: 'invoice-jane.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') });
    await page.getByText('invoice-jane.pdf').waitFor();
    await item(jane).locator('[data-testid=draft-marker]').waitFor();
    await shot('draft-jane');

    // Bob's conversation shows none of it.
    await item(bob).click();
    await page.waitForURL(url(`/${bob}`));
    await page.locator('.conversation__title h2', { hasText: 'Bob asks' }).waitFor();
    expect(await page.textContent('#reply-content')).to.equal('');
    expect(await page.locator('#reply-cc').count(), 'no Cc carried over').to.equal(0);
    expect(await page.getByText('invoice-jane.pdf').count()).to.equal(0);
    await page.check('[data-testid=private-note]');
    await page.fill('#reply-content', 'Note for Bob, not sent yet');
    await shot('draft-bob-clean');

    // Back to Jane: her draft, file included (this tab still holds it).
    await item(jane).click();
    await page.locator('.conversation__title h2', { hasText: 'Jane asks' }).waitFor();
    expect(await page.textContent('#reply-content')).to.equal('Half-written for Jane');
    expect(await page.inputValue('#reply-cc')).to.equal('janes.boss@customer.test');
    await page.getByText('invoice-jane.pdf').waitFor();

    // A reload keeps both drafts (text, Cc, mode); the file is asked for again by name.
    await page.reload();
    await page.locator('.conversation__title h2', { hasText: 'Jane asks' }).waitFor();
    expect(await page.textContent('#reply-content')).to.equal('Half-written for Jane');
    expect(await page.inputValue('#reply-cc')).to.equal('janes.boss@customer.test');
    expect(await page.textContent('[data-testid=reattach]')).to.contain('invoice-jane.pdf');
    await item(bob).locator('[data-testid=draft-marker]').waitFor();
    await countsAgree();
    await shot('draft-after-reload');
    await item(bob).click();
    await page.locator('.conversation__title h2', { hasText: 'Bob asks' }).waitFor();
    expect(await page.textContent('#reply-content')).to.equal('Note for Bob, not sent yet');
    expect(await page.isChecked('[data-testid=private-note]')).to.equal(true);

    // Sent: gone from the composer, the list and storage.
    await item(jane).click();
    await page.locator('.conversation__title h2', { hasText: 'Jane asks' }).waitFor();
    await page.setInputFiles('#reply-attachments', { name: 'invoice-jane.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') });
    expect(await page.locator('[data-testid=reattach]').count(), 're-attached').to.equal(0);
    // A tired typo in Cc: named before anything is sent, and nothing of the draft is lost.
    await page.fill('#reply-cc', 'janes.boss@customer.test; janes.boss at customer');
    await page.getByRole('button', { name: 'Send' }).click();
    expect(await page.getByRole('alert').textContent()).to.equal('Cc: not an email address: janes.boss, at, customer');
    expect(await page.textContent('#reply-content')).to.equal('Half-written for Jane');
    await page.getByText('invoice-jane.pdf').waitFor();
    await shot('draft-refused-cc');
    await page.fill('#reply-cc', 'janes.boss@customer.test');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.conversation__thread').getByText('Half-written for Jane').waitFor();
    // The sent reply may reach the thread (live event) a moment before the composer has emptied.
    await page.waitForFunction(() => document.querySelector('#reply-content')?.textContent === '');
    await page.waitForFunction((id) => !document.querySelector(`[data-testid=conversation-${id}] [data-testid=draft-marker]`), jane);
    const sent = (await api().get(`/api/v1/accounts/${account.id}/conversations/${jane}/messages`).set('api_access_token', me.token).expect(200)).body.payload.at(-1);
    expect(sent.content_attributes.cc_emails).to.deep.equal(['janes.boss@customer.test']);
    expect(sent.attachments.map((a: { filename: string }) => a.filename)).to.deep.equal(['invoice-jane.pdf']);
    await page.reload();
    await page.locator('.conversation__title h2', { hasText: 'Jane asks' }).waitFor();
    expect(await page.textContent('#reply-content')).to.equal('');
    expect(await item(jane).locator('[data-testid=draft-marker]').count()).to.equal(0);
    await shot('draft-sent');
  });

  it('moves a resolved conversation to Resolved and back when reopened, with counts that agree', async () => {
    await item(bob).click();
    await page.locator('.conversation__title h2', { hasText: 'Bob asks' }).waitFor();
    const before = await countsAgree();
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.waitForFunction((id) => !document.querySelector(`[data-testid=conversation-${id}]`), bob);
    expect(await page.textContent('[data-testid=status-badge]')).to.equal('Resolved');
    expect(await countsAgree()).to.deep.equal({ open: before.open - 1, resolved: before.resolved + 1 });
    expect(await badge('open')).to.equal(String(before.open - 1));
    await shot('resolved-left-open');

    await page.getByRole('tab', { name: /Resolved/ }).click();
    await item(bob).waitFor();
    await page.getByRole('button', { name: 'Reopen' }).click();
    await page.waitForFunction((id) => !document.querySelector(`[data-testid=conversation-${id}]`), bob);
    expect(await countsAgree()).to.deep.equal(before);
    await shot('reopened-left-resolved');
    await page.getByRole('tab', { name: /Open/ }).click();
    await item(bob).waitFor();
  });

  it('follows another agent resolving a conversation: it leaves Open and the counts move', async () => {
    const before = await countsAgree();
    await api().post(`/api/v1/accounts/${account.id}/conversations/${jane}/toggle_status`).set('api_access_token', alex.token).send({ status: 'resolved' }).expect(200);
    await page.waitForFunction((id) => !document.querySelector(`[data-testid=conversation-${id}]`), jane);
    expect(await countsAgree()).to.deep.equal({ open: before.open - 1, resolved: before.resolved + 1 });
    await shot('resolved-by-alex');
  });

  it('keeps a conversation opened by link beyond page 1 open while the list loads (5 times)', async () => {
    const page1 = (await api().get(`/api/v1/accounts/${account.id}/conversations`).set('api_access_token', me.token).expect(200)).body.data.payload;
    expect(page1.map((c: { id: number }) => c.id)).to.have.length(25).and.not.include(oldest);
    for (let i = 0; i < 5; i++) {
      await page.goto(url(`/${oldest}`));
      await page.locator('.conversation__title h2', { hasText: 'Older 0' }).waitFor();
      // The list's first page has loaded (and does not hold it) and the counts are in.
      await item(bob).waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid=count-open]')?.textContent?.trim() !== '–');
      await page.waitForTimeout(300);
      expect(await page.getByText('This conversation could not be found').count(), `try ${i + 1}`).to.equal(0);
      expect(await page.textContent('.conversation__title h2')).to.equal('Older 0');
    }
    await shot('opened-by-link');
  });
});
