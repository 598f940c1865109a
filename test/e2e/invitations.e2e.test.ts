// Getting in, end to end in headless Chromium against the real app, its mailer job and the sandbox's
// LeadMail and Dovecot: an administrator invites an agent -> the link from the email that arrived ->
// the agent chooses a password (the rules shown as they type; a weak one and a mismatch first) ->
// signed in; the used link explains itself; "Forgot password?" -> the email -> a new password -> the
// old session is over; the profile page (details, signature, password). Screenshots in
// os.tmpdir()/leadchat-invite-e2e-<run>; any unexpected browser console error fails the test.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import type { ParsedMail } from 'mailparser';
import { addToAccount, createAccount, createUser, type TestAccount, type TestUser } from '../support/factories.js';
import { TEST_PLATFORM_TOKEN } from '../support/env.js';
import { awaitMail, readInbox } from '../email/send/send-runtime.js';
import { controlFetch } from '../sandbox/helpers.js';
import { openBrowser, signIn, type BrowserSession } from './support/browser.js';
import { failOnConsoleErrors, startE2eApp, type E2eApp } from './support/app.js';

const INFO = 'info@example.test';
const JANE = 'jane@example.test';
const ADMIN_PASSWORD = 'E2e-admin-pass-1';
const LINK = /(http:\/\/127\.0\.0\.1:\d+\/auth\/password\/edit\?reset_password_token=[\w-]+)/;

const linkIn = (m: ParsedMail) => LINK.exec(m.text ?? '')?.[1];

describe('invitations, passwords and the profile (e2e, headless Chromium)', function () {
  this.timeout(60_000);
  this.bail(true);
  let app: E2eApp;
  let browser: BrowserSession;
  let page: Page;
  let account: TestAccount;
  let admin: TestUser;
  let invitationLink = '';
  let expectedConsole: RegExp[] = [];

  const api = () => supertest(app.rt.app);
  const shot = (name: string) => browser.shot(name);
  /** Links already in a mailbox (earlier runs and suites share the sandbox's mailboxes): a new email is one with another link. */
  const knownLinks = async (address: string) => new Set((await readInbox(app.sb, address)).map(linkIn).filter(Boolean));
  /** The operator removes whoever holds a sandbox address, so this suite can invite it afresh. */
  const freeAddress = async (email: string) => {
    const user = await app.rt.models.User.findOne({ where: { email } });
    if (user) await api().delete(`/platform/api/v1/users/${user.id}`).set('api_access_token', TEST_PLATFORM_TOKEN).expect(200);
  };
  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign_in');
  };

  before(async function () {
    this.timeout(120_000);
    app = await startE2eApp('invite-e2e', (sb) => ({
      LEADMAIL_BASE_URL: sb.world.leadmail.baseUrl,
      LEADMAIL_API_KEY: sb.world.leadmail.apiKey,
      MAILER_SENDER_EMAIL: `LeadChat <notifications@${sb.world.leadmail.verifiedDomains[0]}>`,
    }));
    await freeAddress(INFO);
    await freeAddress(JANE);
    account = await createAccount('Invite Co');
    admin = await createUser('Sam Admin', { password: ADMIN_PASSWORD });
    await addToAccount(account.id, admin, 'administrator');
    browser = await openBrowser('leadchat-invite-e2e-');
    page = browser.page;
    console.log(`      screenshots: ${browser.shotsDir}`);
  });

  afterEach(function () {
    failOnConsoleErrors(this, browser, expectedConsole);
    expectedConsole = [];
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await app?.close();
  });

  it('an administrator invites an agent; the row says Invited once the email went out', async () => {
    const before = await knownLinks(INFO);
    await page.goto(`${app.base}/sign_in`);
    await signIn(page, { email: admin.email, password: ADMIN_PASSWORD }, account.id);
    await page.goto(`${app.base}/app/accounts/${account.id}/settings/agents`);
    await page.getByRole('button', { name: 'Invite agent' }).click();
    await page.fill('#invite-name', 'Ivy Invitee');
    await page.fill('#invite-email', INFO);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const row = page.getByRole('row', { name: /Ivy Invitee/ });
    await row.getByText('Invited', { exact: true }).waitFor({ timeout: 15_000 });
    await shot('agents-invited');
    const mail = await awaitMail(app.sb, INFO, (m) => !!linkIn(m) && !before.has(linkIn(m)), 15_000);
    expect(mail.subject).to.equal('You have been invited to join Invite Co');
    invitationLink = linkIn(mail)!;
  });

  it('an invitation LeadMail refused says so, with the reason, and Resend sends it', async () => {
    expectedConsole = [];
    await controlFetch(app.sb, 'POST', '/faults', { path: '/leadmail/v1/messages', status: 422, body: { error: { type: 'validation_error', message: 'domain leadchat.localhost is not verified' } } });
    await page.getByRole('button', { name: 'Invite agent' }).click();
    await page.fill('#invite-name', 'Nora Nodeliver');
    await page.fill('#invite-email', 'nora@example.test');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const row = page.getByRole('row', { name: /Nora Nodeliver/ });
    await row.getByText('Invitation not delivered').waitFor({ timeout: 15_000 });
    await row.getByText(/Not delivered: .*not verified/).waitFor();
    await shot('agents-not-delivered');
    await row.getByRole('button', { name: 'Resend the invitation to Nora Nodeliver' }).click();
    await page.getByText('A new invitation is on its way to nora@example.test').waitFor();
    await row.getByText('Invited', { exact: true }).waitFor({ timeout: 15_000 });
    await shot('agents-resent');
    await signOut();
  });

  it('the agent opens the link, is told the rules as they type, and chooses a password', async () => {
    await page.goto(invitationLink);
    await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
    await page.fill('#set-password', 'password');
    expect(await page.locator('[data-rule=LENGTH]').getAttribute('class')).to.contain('met');
    expect(await page.locator('[data-rule=UPPER]').getAttribute('class')).to.not.contain('met');
    await page.fill('#set-confirmation', 'password');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('The password does not meet all the rules yet.').waitFor();
    await shot('set-password-weak');
    await page.fill('#set-password', 'Welcome-2024');
    await page.fill('#set-confirmation', 'Welcome-2025');
    await page.getByText('The two passwords are not the same.').waitFor();
    await shot('set-password-mismatch');
    await page.fill('#set-confirmation', 'Welcome-2024');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(/\/sign_in\?notice=password_set/);
    await page.getByText('Your password is set. Sign in with it now.').waitFor();
    expect(await page.inputValue('#email'), 'the email is filled in').to.equal(INFO);
    await shot('password-set-sign-in');
    await signIn(page, { email: INFO, password: 'Welcome-2024' }, account.id);
    await shot('agent-signed-in');
    await signOut();
  });

  it('the used link says it no longer works and offers a new one', async () => {
    expectedConsole = [/422/];
    await page.goto(invitationLink);
    await page.fill('#set-password', 'Another-2024');
    await page.fill('#set-confirmation', 'Another-2024');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    await shot('link-used');
    await page.getByRole('link', { name: 'Email me a new link' }).click();
    await page.waitForURL('**/auth/password/new');
  });

  it('forgot password: the email, a new password, and the session opened before it is over', async () => {
    const jane = await createUser('Jane Agent', { email: JANE, password: 'Old-passw0rd' });
    await addToAccount(account.id, jane, 'agent');
    // Jane is signed in elsewhere (another device) before she resets.
    const elsewhere = supertest.agent(app.rt.app);
    await elsewhere.post('/auth/sign_in').send({ email: JANE, password: 'Old-passw0rd' }).expect(200);
    const before = await knownLinks(JANE);

    await page.goto(`${app.base}/sign_in`);
    await page.fill('#email', JANE);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.waitForURL('**/auth/password/new?email=*');
    expect(await page.inputValue('#forgot-email')).to.equal(JANE);
    await shot('forgot-password');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await shot('forgot-password-sent');

    const mail = await awaitMail(app.sb, JANE, (m) => !!linkIn(m) && !before.has(linkIn(m)), 15_000);
    expect(mail.subject).to.equal('Reset your password');
    await page.goto(linkIn(mail)!);
    await page.fill('#set-password', 'Fresh-passw0rd');
    await page.fill('#set-confirmation', 'Fresh-passw0rd');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(/\/sign_in\?notice=password_set/);
    await signIn(page, { email: JANE, password: 'Fresh-passw0rd' }, account.id);
    await elsewhere.get('/api/v1/profile').expect(401);
  });

  it('the profile page: details, signature and password, kept after a reload', async () => {
    expectedConsole = [/422/];
    await page.getByTestId('profile-link').click();
    await page.waitForURL(`**/app/accounts/${account.id}/profile`);
    await page.getByRole('heading', { name: 'Profile settings' }).waitFor();
    expect(await page.inputValue('#profile-email')).to.equal(JANE);
    await shot('profile');

    await page.fill('#profile-name', '   ');
    await page.fill('#profile-display-name', 'Jane D.');
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.locator('#profile-name-error').waitFor();
    await page.fill('#profile-name', 'Jane Doe');
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.getByText('Your details are saved.').waitFor();
    await page.locator('.sidebar__user-name', { hasText: 'Jane D.' }).waitFor();

    await page.fill('#profile-signature', 'Jane Doe\nInvite Co support');
    await page.getByRole('button', { name: 'Save signature' }).click();
    await page.getByText('Your signature is saved.').waitFor();

    await page.fill('#profile-current-password', 'Wrong-passw0rd');
    await page.fill('#profile-password', 'Newer-passw0rd');
    await page.fill('#profile-confirmation', 'Newer-passw0rd');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Current password is incorrect').waitFor();
    await shot('profile-wrong-current-password');
    await page.fill('#profile-current-password', 'Fresh-passw0rd');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed.', { exact: false }).waitFor();
    await shot('profile-saved');

    await page.reload();
    await page.getByRole('heading', { name: 'Profile settings' }).waitFor();
    expect(await page.inputValue('#profile-name')).to.equal('Jane Doe');
    expect(await page.inputValue('#profile-signature')).to.equal('Jane Doe\nInvite Co support');
    const user = await app.rt.models.User.findOne({ where: { email: JANE } });
    expect(user).to.include({ name: 'Jane Doe', display_name: 'Jane D.', message_signature: 'Jane Doe\nInvite Co support' });
    await signOut();
    await page.fill('#email', JANE);
    await page.fill('#password', 'Newer-passw0rd');
    await page.click('button[type=submit]');
    await page.waitForURL(`**/app/accounts/${account.id}/conversations`);
  });

  it('a tab whose session ended elsewhere (password changed on another device) goes to sign-in and says why', async () => {
    expectedConsole = [/401/];
    const other = supertest.agent(app.rt.app);
    const csrf = (await other.post('/auth/sign_in').send({ email: JANE, password: 'Newer-passw0rd' }).expect(200)).body.csrf_token;
    await other.put('/api/v1/profile').set('x-csrf-token', csrf).send({ profile: { current_password: 'Newer-passw0rd', password: 'Latest-passw0rd', password_confirmation: 'Latest-passw0rd' } }).expect(200);
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.getByText('Your session has ended', { exact: false }).waitFor();
    expect(page.url()).to.match(/\/sign_in\?notice=session_ended&redirect=/);
    await shot('session-ended');
    await page.fill('#email', JANE);
    await page.fill('#password', 'Latest-passw0rd');
    await page.click('button[type=submit]');
    await page.waitForURL(`**/app/accounts/${account.id}/contacts`);
  });

  it('an existing user invited to another account signs in from the email and accepts on their profile', async () => {
    const second = await createAccount('Second Co');
    const invited = await api().post(`/api/v1/accounts/${second.id}/agents`).set('api_access_token', second.admin.token).send({ name: 'Jane', email: JANE, role: 'agent' }).expect(200);
    expect(invited.body).to.include({ name: 'Jane', confirmed: false });
    const mail = await awaitMail(app.sb, JANE, (m) => m.subject === 'You have been invited to join Second Co', 15_000);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/profile)\b/.exec(mail.text ?? '')![1];
    await signOut();
    await page.goto(link);
    await page.waitForURL(/\/sign_in\?redirect=(%2F|\/)profile/);
    await page.fill('#email', JANE);
    await page.fill('#password', 'Latest-passw0rd');
    await page.click('button[type=submit]');
    await page.waitForURL(`**/app/accounts/${account.id}/profile`);
    const invitations = page.getByTestId('invitations');
    await invitations.getByText('Second Co invited you to join as Agent.').waitFor();
    await shot('profile-invitation');
    await invitations.getByRole('button', { name: 'Accept' }).click();
    await invitations.getByText('You joined Second Co.').waitFor();
    await page.getByTestId('account-switcher').locator('option', { hasText: 'Second Co' }).waitFor({ state: 'attached' });
    await shot('profile-invitation-accepted');
  });

  it('the new pages fit a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const fits = async (name: string) => {
      await shot(name);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} scrolls sideways`).to.be.at.most(0);
    };
    await page.goto(`${app.base}/app/accounts/${account.id}/profile`);
    await page.getByRole('heading', { name: 'Profile settings' }).waitFor();
    await fits('phone-profile');
    await page.goto(`${app.base}/auth/password/edit?reset_password_token=not-a-real-token`);
    await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
    await fits('phone-set-password');
    await page.goto(`${app.base}/auth/password/new`);
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await fits('phone-forgot-password');
  });
});
