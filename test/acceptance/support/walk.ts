// What the walks after the first day share: their hooks (the shared `npm start`, a browser of their
// own, screenshots of every open page when a step fails), Ivy (the agent the first-day walk invited),
// signing in through the sign-in page and the administrator's token for setting a scene through the API.
import { expect } from 'chai';
import type { Context } from 'mocha';
import type { Page } from 'playwright-core';
import { openBrowser, type BrowserSession } from '../../e2e/support/browser.js';
import { sharedProduct, type RunningProduct } from './product.js';

/** The agent the first-day walk invited, with the password she chose in its reset step. */
export const IVY = { email: 'info@example.test', password: 'Ivy-first-day-1-new' };

/** Signs in on the sign-in page; returns the account's dashboard URL (`…/app/accounts/<id>`). */
export async function signInAs(product: RunningProduct, page: Page, user: { email: string; password: string }): Promise<string> {
  await page.goto(product.base);
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/app\/accounts\/\d+\/conversations/);
  return page.url().replace(/\/conversations.*$/, '');
}

/** Answers are whatever JSON the endpoint gives; each walk reads the fields it needs. */
export type AccountApi = (path: string, body?: object) => Promise<any>;

/** The account's API with the signed-in page's own token: POST with a body, GET without; expects 200. */
export async function accountApi(product: RunningProduct, page: Page, dashboard: string): Promise<AccountApi> {
  const accountPath = new URL(dashboard).pathname.replace('/app', '/api/v1');
  const token = (await (await page.request.get(`${product.base}/api/v1/profile`)).json()).access_token as string;
  return async (path, body) => {
    const res = await fetch(`${product.base}${accountPath}${path}`, { method: body ? 'POST' : 'GET', headers: { api_access_token: token, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    expect(res.status, path).to.equal(200);
    return res.json();
  };
}

/** For `afterEach`: a failed step leaves a screenshot of every page the browser has open. */
export async function shotPagesOnFailure(ctx: Context, browser: BrowserSession, product: RunningProduct): Promise<void> {
  if (ctx.currentTest?.state !== 'failed') return;
  const pages = browser.browser.contexts().flatMap((c) => c.pages());
  for (const [i, p] of pages.entries()) await p.screenshot({ path: `${browser.shotsDir}/failed-${i}.png` }).catch(() => undefined);
  console.log(`      screenshots: ${browser.shotsDir}\n      npm start output: ${product.logFile}`);
}

export interface Walk {
  product: RunningProduct;
  browser: BrowserSession;
  page: Page;
}

/**
 * Inside a `describe`: the hooks a walk after the first day needs (the shared `npm start`, its own
 * browser, failure screenshots, the browser closed after). The returned walk is filled in by `before`.
 */
export function useWalk(shotsPrefix: string): Walk {
  const walk = {} as Walk;
  before(async function () {
    this.timeout(360_000);
    walk.product = await sharedProduct();
    walk.browser = await openBrowser(shotsPrefix);
    walk.page = walk.browser.page;
  });
  afterEach(async function () {
    await shotPagesOnFailure(this, walk.browser, walk.product);
  });
  after(async () => {
    if (process.env.ACCEPTANCE_KEEP === '1') console.log(`      screenshots: ${walk.browser?.shotsDir}`);
    await walk.browser?.close();
  });
  return walk;
}
