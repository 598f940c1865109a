// Triage on the installation the first-day walk set up: the administrator makes a label and a team
// (with the invited agent in it) in Settings, labels the customer's contact, and filters the
// conversation list by the team — one page load of the `npm start` every acceptance file shares.
import { expect } from 'chai';
import { useWalk } from './support/walk.js';

describe('acceptance: triage (labels, teams)', function () {
  this.timeout(120_000);
  const walk = useWalk('leadchat-acceptance-triage-');

  it('the administrator makes a label and a team, labels a contact and filters the list by the team', async () => {
    const { product, browser, page } = walk;
    await page.goto(product.base);
    await page.fill('#email', product.admin.email);
    await page.fill('#password', product.admin.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/app\/accounts\/\d+\/conversations/);
    const base = page.url().replace(/\/conversations.*$/, '');

    await page.goto(`${base}/settings/labels`);
    await page.fill('#label-title', 'Follow-up');
    await page.fill('#label-description', 'Waiting on us');
    await page.click('text=Add label');
    await page.locator('[data-testid=label-row-follow-up]').waitFor();

    await page.click('.settings__nav >> text=Teams');
    await page.fill('#team-name', 'Escalations');
    await page.click('text=Add team');
    const team = page.locator('.team', { hasText: 'Escalations' });
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/team_members') && r.request().method() === 'PATCH' && r.ok()), team.getByLabel('Ivy Agent').check()]);
    await page.reload();
    expect(await page.locator('.team', { hasText: 'Escalations' }).getByLabel('Ivy Agent').isChecked(), 'the membership was saved').to.equal(true);
    await browser.shot('team');

    await page.goto(`${base}/contacts`);
    await page.getByText('Jane Customer').first().click();
    await page.selectOption('#contact-add-label', 'follow-up');
    await page.locator('[data-testid=contact-label-follow-up]').waitFor();
    await page.reload();
    await page.locator('[data-testid=contact-label-follow-up]').waitFor();
    await browser.shot('contact-labelled');

    await page.goto(`${base}/conversations`);
    await page.locator('#team-filter option', { hasText: 'Escalations' }).waitFor({ state: 'attached' });
    await page.selectOption('#team-filter', { label: 'Escalations' });
    await page.getByText('No conversations here').waitFor();
    expect(browser.takeConsoleErrors()).to.deep.equal([]);
  });
});
