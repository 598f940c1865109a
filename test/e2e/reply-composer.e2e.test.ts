// The reply composer end to end in headless Chromium against the real app and the sandbox's SMTP and
// Dovecot: rich text with a pasted image and Word markup cleaned, a canned response by `/`, Undo
// within the send delay, Reply all with the recipients edited, Forward; what the customer's mailbox
// receives (multipart/alternative, cid: image, signatures once, the quote), and the sent HTML shown
// the way a mail client shows it (a screenshot to look at).
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { imapConnect } from '../sandbox/helpers.js';
import { awaitMail, passwordOf } from '../email/send/send-runtime.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp } from './support/app.js';

const INFO = 'info@example.test';
const JANE = 'jane@example.test';
const PASSWORD = 'E2e-reply-pass-1';

async function rawOf(app: E2eApp, messageId: string): Promise<string> {
  const client = await imapConnect(app.sb, { user: JANE, pass: passwordOf(app.sb, JANE) });
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      for await (const m of client.fetch('1:*', { source: true, envelope: true })) if (m.envelope?.messageId === messageId && m.source) return m.source.toString();
      throw new Error(`no ${messageId}`);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

describe('reply composer (e2e, headless Chromium)', function () {
  this.timeout(90_000);
  this.bail(true);
  let app: E2eApp;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let admin: TestUser;
  let inboxId = 0;
  let displayId = 0;
  let incomingId = 0;
  /** PNGs drawn by Chromium's canvas (base64): the customer's photo and the screenshot the agent pastes. */
  let photo = '';
  let screenshot = '';

  const api = () => supertest(app.rt.app);
  const shot = (name: string) => browser.shot(name);
  const editor = () => page.locator('#reply-content');
  const drawPng = (label: string, color: string) =>
    page.evaluate(([text, fill]) => {
      const canvas = Object.assign(document.createElement('canvas'), { width: 240, height: 90 });
      const g = canvas.getContext('2d')!;
      g.fillStyle = fill;
      g.fillRect(0, 0, 240, 90);
      g.fillStyle = '#fff';
      g.font = 'bold 22px sans-serif';
      g.fillText(text, 16, 52);
      return canvas.toDataURL('image/png').split(',')[1];
    }, [label, color]);
  const paste = (data: { html?: string; png?: string }) =>
    page.evaluate(({ html, png }) => {
      const dt = new DataTransfer();
      if (html) dt.setData('text/html', html);
      if (png) dt.items.add(new File([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], 'shot.png', { type: 'image/png' }));
      document.querySelector('#reply-content')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, data);

  before(async function () {
    this.timeout(180_000);
    // A three-second undo window, as an agent would have it (five by default).
    app = await startE2eApp('reply', () => ({ REPLY_UNDO_SECONDS: '3' }));
    const { sb } = app;
    browser = await openBrowser('leadchat-e2e-reply-');
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
    photo = await drawPng('broken parcel', '#9a3412');
    screenshot = await drawPng('order #42: refund', '#1d4ed8');
    account = await createAccount();
    admin = await createUser('Sam Admin', { password: PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    const auth = { api_access_token: admin.token };
    await api().put('/api/v1/profile').set(auth).send({ message_signature: 'Sam Admin\nCustomer care' }).expect(200);
    const inbox = await api().post(`/api/v1/accounts/${account.id}/inboxes`).set(auth).send({
      name: 'Info', email_signature: 'Example Inc. · {{inbox.name}} desk',
      channel: {
        type: 'email', email: INFO, smtp_enabled: true, smtp_address: sb.world.smtp.host, smtp_port: sb.world.smtp.port, smtp_login: INFO,
        smtp_password: passwordOf(sb, INFO), smtp_enable_starttls_auto: true, smtp_openssl_verify_mode: 'peer', smtp_authentication: 'login',
      },
    });
    expect(inbox.status, JSON.stringify(inbox.body)).to.equal(200);
    inboxId = inbox.body.id;
    await api().post(`/api/v1/accounts/${account.id}/canned_responses`).set(auth).send({ short_code: 'thanks', content: 'Thanks {{contact.name}}, {{agent.name}} here.' }).expect(200);
    const contact = (await api().post(`/api/v1/accounts/${account.id}/contacts`).set(auth).send({ name: 'Jane Doe', email: JANE }).expect(200)).body.payload.contact;
    const conversation = (await api().post(`/api/v1/accounts/${account.id}/conversations`).set(auth).send({ inbox_id: inboxId, contact_id: contact.id }).expect(200)).body;
    displayId = conversation.id;
    const incoming = await api().post(`/api/v1/accounts/${account.id}/conversations/${displayId}/messages`).set(auth)
      .field('content', 'My order #42 arrived broken.').field('message_type', 'incoming')
      .attach('attachments[]', Buffer.from(photo, 'base64'), { filename: 'photo.png', contentType: 'image/png' })
      .expect(200);
    incomingId = incoming.body.id;
    // As ingestion stores an email: its Message-ID, and everyone it went to (reply-all keeps the boss).
    await app.rt.models.Message.update(
      { source_id: '<order-42@customer.example>', content_attributes: { email: { subject: 'Broken order', from: [JANE], to: [INFO], cc: ['boss@customer.example', INFO] } } },
      { where: { id: incomingId } },
    );
    await app.rt.models.Conversation.update({ additional_attributes: { mail_subject: 'Broken order' } }, { where: { display_id: displayId, account_id: account.id } });

    await page.goto(`${app.base}/`);
    await page.waitForSelector('#email');
    await signIn(page, { email: admin.email, password: PASSWORD }, account.id);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot('failed');
    // ProseMirror warns (console.warn, nothing the agent sees) when a pasted block image leaves the
    // cursor between blocks for a moment; it then moves the cursor into text by itself.
    failOnConsoleErrors(this, browser, [/TextSelection endpoint not pointing into a node with inline content/]);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    if (inboxId) await api().delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token);
    await app?.close();
  });

  it('composes rich text (shortcuts, Word paste cleaned, pasted image, canned response by /), undoes a send, and sends Reply all as the customer receives it', async () => {
    await page.goto(`${app.base}/app/accounts/${account.id}/conversations/${displayId}`);
    await page.locator('.conversation__thread').getByText('My order #42 arrived broken.').waitFor();
    // The image the customer sent is previewed in the thread.
    await page.locator('.file-preview img[alt="photo.png"]').waitFor();
    await page.getByTestId('signature-preview').getByText('Example Inc. · Info desk').waitFor();

    // Undo: the reply comes back into the composer and never leaves.
    await editor().click();
    await page.keyboard.type('Sent to the wrong person');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('undo-bar').waitFor();
    await shot('undo-bar');
    await page.getByTestId('undo-send').click();
    await page.waitForFunction(() => document.querySelector('#reply-content')?.textContent === 'Sent to the wrong person');
    expect(await page.locator('.message--outgoing').count(), 'the cancelled reply left the thread').to.equal(0);
    expect(await page.textContent(`[data-testid=conversation-${displayId}] [data-testid=preview]`), 'and the list').not.to.contain('wrong person');
    await editor().click();
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');

    // Formatting with the keyboard, a canned response by `/`, Word's markup, a pasted screenshot.
    await page.keyboard.type('Hello Jane, ');
    await page.keyboard.press('Control+b');
    await page.keyboard.type('sorry');
    await page.keyboard.press('Control+b');
    await page.keyboard.type(' about that.');
    await page.keyboard.press('Enter');
    await page.keyboard.type('/than');
    await page.getByTestId('canned-menu').getByText('/thanks').waitFor();
    await shot('canned-menu');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#reply-content')?.textContent?.includes('Thanks Jane Doe, Sam Admin here.'));
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await paste({ html: '<!--[if gte mso 9]><xml></xml><![endif]--><p class="MsoNormal" style="color:red;font-family:Calibri"><span style="mso-bidi-font-weight:bold">A refund is on its way.</span><o:p></o:p></p>' });
    await paste({ png: screenshot });
    await page.locator('#reply-content img').waitFor();
    const composed = await editor().innerHTML();
    expect(composed).to.contain('<strong>sorry</strong>');
    expect(composed).to.contain('A refund is on its way.');
    expect(composed, 'Word markup cleaned').not.to.match(/MsoNormal|mso-|Calibri|color:red/);

    // Reply all: the boss in Cc, our own address left out; the agent adds a Bcc.
    await page.getByTestId('mode-reply-all').check();
    expect(await page.inputValue('#reply-to')).to.equal(JANE);
    expect(await page.inputValue('#reply-cc')).to.equal('boss@customer.example');
    await page.fill('#reply-bcc', 'audit@customer.example');
    await page.getByTestId('quote-preview').locator('summary').click();
    await page.getByTestId('quote-preview').getByText('My order #42 arrived broken.').waitFor();
    await shot('composed');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-status=sent]').waitFor({ timeout: 20_000 });

    const mail = await awaitMail(app.sb, JANE, (m) => m.subject === 'Re: Broken order', 10_000);
    const raw = await rawOf(app, mail.messageId!);
    expect(raw).to.match(/Content-Type: multipart\/alternative/i);
    expect(mail.inReplyTo).to.equal('<order-42@customer.example>');
    expect(mail.cc && !Array.isArray(mail.cc) ? mail.cc.value.map((a) => a.address) : []).to.deep.equal(['boss@customer.example']);
    const text = mail.text!;
    expect(text, text).to.match(/^Hello Jane, sorry about that\.\n\nThanks Jane Doe, Sam Admin here\.\n\nA refund is on its way\./);
    expect(text.split('Customer care').length - 1, 'agent signature once').to.equal(1);
    expect(text.split('Example Inc. · Info desk').length - 1, 'inbox signature once').to.equal(1);
    expect(text).to.match(/wrote:\n\n> My order #42 arrived broken\.$/);
    const image = mail.attachments.find((a) => a.contentDisposition === 'inline' && a.cid);
    expect(image?.contentType).to.equal('image/png');
    expect(raw).to.match(new RegExp(`src=(3D)?"cid:${image!.cid!.replace(/[.@]/g, '\\$&')}"`));
    expect(mail.html).to.match(/<strong[^>]*>sorry<\/strong>/);

    // The conversation shows the reply as sent: signature in, quote folded away.
    const sent = page.locator('.message--outgoing').last();
    await sent.getByText('Example Inc. · Info desk').waitFor();
    expect(await sent.locator('.quote-toggle').getAttribute('aria-expanded')).to.equal('false');
    await shot('sent-in-conversation');

    // The customer's mail client: the HTML as received (mailparser inlines the cid: image).
    // A context of its own with JavaScript off, as mail clients render email.
    const context = await browser.browser.newContext({ viewport: { width: 760, height: 620 }, javaScriptEnabled: false });
    const client = await context.newPage();
    await client.setContent(mail.html as string);
    expect(await client.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).to.equal(240);
    expect(await client.locator('blockquote').evaluate((b) => getComputedStyle(b).borderLeftStyle)).to.equal('solid');
    await client.screenshot({ path: `${browser.shotsDir}/mail-client.png` });
    await context.close();
  });

  it('forwards the customer\'s email with its photo to another address, recorded in the conversation', async () => {
    await page.getByTestId(`forward-${incomingId}`).click();
    await page.getByTestId('forwarding').waitFor();
    await page.fill('#reply-to', 'warehouse@partner.example');
    await page.fill('#reply-cc', JANE);
    await editor().click();
    await page.keyboard.type('Please send a replacement.');
    await page.getByRole('button', { name: 'Send' }).click();
    const mail = await awaitMail(app.sb, JANE, (m) => m.subject === 'Fwd: Broken order', 20_000);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).to.deep.equal(['warehouse@partner.example']);
    expect(mail.inReplyTo).to.equal(undefined);
    expect(mail.text).to.match(/^Please send a replacement\./);
    expect(mail.text).to.contain('---------- Forwarded message ---------');
    expect(mail.attachments.map((a) => a.filename)).to.deep.equal(['photo.png']);
    await page.locator('.message--outgoing', { hasText: 'Please send a replacement.' }).locator('[data-status=sent]').waitFor({ timeout: 10_000 });
    await shot('forwarded');
  });
});
