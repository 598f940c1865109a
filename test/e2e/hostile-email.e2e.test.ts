// Hostile email HTML in the real dashboard (headless Chromium): an email that tries to draw a fake
// "session expired" screen over the app, and one that tries every way to load remote content. The
// first must stay inside its message box; the second must load nothing — removed by the sanitiser,
// so not even the CSP has to refuse it (a CSP refusal is a console error, which fails the test).
import { expect } from 'chai';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import { addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { controlFetch, type TestSandbox } from '../sandbox/helpers.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { createInfoInbox, failOnConsoleErrors, startE2eApp, type E2eApp, type E2eRuntime } from './support/app.js';

const INFO = 'info@example.test';
const PASSWORD = 'E2e-hostile-pass-1';

const OVERLAY_HTML = `<p>Your invoice is attached.</p>
<div style="position:fixed;top:0;left:0;width:100vw;height:100vh;z-index:2147483647;background:#fff">
  <h1>Your session expired — sign in again</h1><a href="https://evil.test/login">Sign in</a>
</div>
<div style="position:absolute;top:-2000px;left:-2000px;width:5000px;height:5000px;background:#f00">absolute</div>
<div style="position:sticky;top:0;z-index:9999">sticky</div>`;

const REMOTE_HTML = `<p>Remote content below.</p>
<picture><source srcset="http://remote.test/p.png"><img alt="pic" src="http://remote.test/i.png"></picture>
<div style="background:u\\72l(http://remote.test/escaped.png)">escaped url</div>
<div style="background-image:image-set('http://remote.test/set.png' 1x)">image-set</div>
<div style="--x:url(http://remote.test/var.png);background:var(--x)">custom property</div>
<video src="http://remote.test/v.mp4" poster="http://remote.test/poster.png" autoplay></video>
<audio autoplay src="http://remote.test/a.mp3"></audio>
<svg width="10" height="10"><image href="http://remote.test/svg.png" width="10" height="10"/><use href="http://remote.test/sprite.svg#x"/></svg>
<table background="http://remote.test/t.png"><tr><td background="http://remote.test/td.png">cell</td></tr></table>
<img alt="lowsrc" lowsrc="http://remote.test/low.png" srcset="http://remote.test/s.png 2x">`;

async function html(subject: string, body: string): Promise<Buffer> {
  return new MailComposer({ from: 'Mallory <mallory@example.test>', to: INFO, subject, html: body, messageId: `<${subject.replace(/\W/g, '')}-${Date.now()}@example.test>` }).compile().build();
}

describe('hostile email HTML stays in its box and loads nothing remote (e2e, headless Chromium)', function () {
  this.timeout(60_000);
  this.bail(true);
  let sb: TestSandbox;
  let rt: E2eRuntime;
  let app: E2eApp;
  let base: string;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let admin: TestUser;
  let inboxId: number | undefined;
  const remoteRequests: string[] = [];

  const api = () => supertest(rt.app);

  before(async function () {
    this.timeout(120_000);
    app = await startE2eApp('hostile');
    ({ sb, rt, base } = app);
    account = await createAccount();
    admin = await createUser('Hal Admin', { password: PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    inboxId = await createInfoInbox(app, account, admin);
    browser = await openBrowser('leadchat-hostile-');
    page = browser.page;
    page.on('request', (req) => {
      if (new URL(req.url()).origin !== base && !req.url().startsWith('data:')) remoteRequests.push(req.url());
    });
    await page.goto(`${base}/`);
    await signIn(page, { email: admin.email, password: PASSWORD }, account.id);
  });

  afterEach(function () {
    failOnConsoleErrors(this, browser, []);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    if (inboxId) await api().delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', admin.token);
    await app?.close();
  });

  async function open(subject: string, body: string) {
    const raw = await html(subject, body);
    expect((await controlFetch(sb, 'POST', '/mail/deliver', { to: INFO, raw: raw.toString('base64'), rawEncoding: 'base64' })).status).to.equal(201);
    const item = page.locator('[data-testid^=conversation-]', { hasText: subject });
    await item.waitFor({ timeout: 20_000 });
    await item.click();
    await page.locator('.email-html').first().waitFor();
  }

  it('a fixed, absolute or sticky overlay stays inside the message: the app around it is still what the agent sees and clicks', async () => {
    await open('Invoice overlay', OVERLAY_HTML);
    await browser.shot('overlay');
    const insideEmail = (x: number, y: number) => page.evaluate(([px, py]) => document.elementFromPoint(px!, py!)?.closest('.email-html') !== null, [x, y]);
    const reply = (await page.locator('#reply-content').boundingBox())!;
    const viewport = page.viewportSize()!;
    const outside = {
      topLeft: await insideEmail(5, 5),
      sidebar: await insideEmail(60, viewport.height / 2),
      replyBox: await insideEmail(reply.x + 10, reply.y + 5),
    };
    expect(outside).to.deep.equal({ topLeft: false, sidebar: false, replyBox: false });
    await page.fill('#reply-content', 'still typing in the real reply box');
    expect(await page.textContent('#reply-content')).to.equal('still typing in the real reply box');
    const styles = await page.$$eval('.email-html [style]', (els) => els.map((e) => e.getAttribute('style') ?? ''));
    for (const style of styles) expect(style).not.to.match(/fixed|sticky|absolute|z-index/i);
    await page.fill('#reply-content', '');
  });

  it('picture sources, escaped CSS url(), image-set, media, SVG images and background attributes load nothing', async () => {
    await open('Remote everything', REMOTE_HTML);
    await page.locator('.email-html').getByText('cell').waitFor();
    await browser.shot('remote');
    const fetching = await page.$$eval('.email-html *', (els) => els.flatMap((e) =>
      [...e.attributes].filter((a) => /^(src|srcset|lowsrc|poster|background|href|xlink:href|style)$/i.test(a.name) && /(https?:)?\/\/|url\(|image-set/i.test(a.value) && !(e.localName === 'a' && a.name === 'href'))
        .map((a) => `<${e.localName} ${a.name}="${a.value}">`)));
    expect(fetching).to.deep.equal([]);
    expect(await page.locator('.email-html video, .email-html audio, .email-html source, .email-html image').count()).to.equal(0);
    await page.waitForTimeout(300);
    expect(remoteRequests).to.deep.equal([]);
  });
});
