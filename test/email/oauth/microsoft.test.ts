// The `microsoft` provider end to end against the sandbox's Entra ID and Dovecot: authorization URL,
// sign-in and consent, callback, channel + inbox, then a real XOAUTH2 IMAP login and SMTP send.
import { expect } from 'chai';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { QueryTypes } from 'sequelize';
import { createAccount, createAgent, type TestAccount } from '../../support/factories.js';
import { http } from '../../support/runtime.js';
import { controlFetch, eventually, folderSubjects } from '../../sandbox/helpers.js';
import { consent, FRONTEND_URL, pathOf, startOAuthTestbed, storedTokens, type OAuthTestbed } from './oauth-testbed.js';

describe('email OAuth: microsoft', function () {
  this.timeout(30_000);
  let bed: OAuthTestbed;
  let account: TestAccount;
  before(async () => {
    bed = await startOAuthTestbed();
  });
  after(async () => bed?.close());
  beforeEach(async () => {
    account = await createAccount();
  });

  const authorize = (body: Record<string, unknown> = {}, token = account.admin.token) =>
    bed.api.post(`/api/v1/accounts/${account.id}/microsoft/authorization`).set('api_access_token', token).send(body);
  const channelOf = (email: string) => bed.rt.models.ChannelEmail.findOne({ where: { email } });
  /** Sign-in through the consent page and the callback; returns the callback's response. */
  async function connect(user: string, password: string, body: Record<string, unknown> = {}) {
    const { body: started } = await authorize({ email: user, ...body }).expect(200);
    const back = await consent(started.url, user, password);
    const res = await bed.api.get(pathOf(back));
    expect(res.status, res.text).to.equal(302);
    return res;
  }

  it('connects alice\'s mailbox: PKCE authorization URL, callback creates channel + inbox with encrypted tokens, then IMAP and SMTP work with XOAUTH2', async () => {
    await bed.disconnect('alice@contoso.test');
    const started = await authorize({ email: 'alice@contoso.test', name: 'Alice support' }).expect(200);
    expect(started.body.success).to.equal(true);
    const url = new URL(started.body.url);
    expect(url.origin + url.pathname).to.equal(`${bed.sb.world.microsoft.authority}/oauth2/v2.0/authorize`);
    expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(url.searchParams.get('code_challenge')).to.match(/^[\w-]{43}$/);
    expect(url.searchParams.get('redirect_uri')).to.equal(`${FRONTEND_URL}/microsoft/callback`);
    expect(url.searchParams.get('login_hint')).to.equal('alice@contoso.test');
    expect(url.searchParams.get('scope')!.split(' ')).to.include.members([
      'offline_access', 'https://outlook.office.com/IMAP.AccessAsUser.All', 'https://outlook.office.com/SMTP.Send', 'openid', 'profile', 'email',
    ]);

    const back = await consent(started.body.url, 'alice@contoso.test', 'alice-pass');
    const res = await bed.api.get(pathOf(back)).expect(302);
    const channel = (await channelOf('alice@contoso.test'))!;
    const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: channel.id } }))!;
    expect(res.headers.location).to.equal(`${FRONTEND_URL}/app/accounts/${account.id}/settings/inboxes/${inbox.id}/agents`);
    expect(inbox).to.include({ account_id: account.id, name: 'Alice support' });
    expect(channel).to.include({ provider: 'microsoft', imap_login: 'alice@contoso.test', account_id: account.id, reauthorization_required_at: null });
    expect(Date.parse(String(channel.provider_config.token_expires_at))).to.be.greaterThan(Date.now() + 30 * 60_000);

    const tokens = storedTokens(bed.rt, channel);
    expect(tokens.access_token).to.match(/^ey/);
    expect(tokens.refresh_token).to.have.length.greaterThan(10);
    const [row] = await bed.rt.sequelize.query('SELECT * FROM channel_email WHERE id = :id', { replacements: { id: channel.id }, type: QueryTypes.SELECT });
    const raw = JSON.stringify(row);
    expect(raw).to.not.contain(tokens.access_token.slice(-40)).and.not.contain(tokens.refresh_token);

    const provider = bed.rt.registries.providerFor(channel)!;
    expect(provider.creatableViaApi).to.equal(false);
    const access = (await provider.imapAccess!(channel))!;
    expect(access).to.deep.include({ host: bed.sb.world.imap.host, port: bed.sb.world.imap.port, secure: false, auth: { user: 'alice@contoso.test', accessToken: tokens.access_token } });
    const imap = new ImapFlow({ ...access, logger: false, disableAutoIdle: true });
    await imap.connect();
    const mailbox = await imap.mailboxOpen('INBOX');
    expect(mailbox.path).to.equal('INBOX');
    await imap.logout();

    const outbound = (await provider.outbound!(channel))!;
    expect(outbound.method).to.equal('smtp');
    expect(outbound.settings).to.deep.include({ requireTLS: true, auth: { type: 'OAuth2', user: 'alice@contoso.test', accessToken: tokens.access_token } });
    const subject = `XOAUTH2 from alice ${Date.now()}`;
    await nodemailer.createTransport(outbound.settings as never).sendMail({ from: 'alice@contoso.test', to: 'jane@example.test', subject, text: 'Hello Jane' });
    await eventually(async () => (await folderSubjects(bed.sb, { user: 'jane@example.test', pass: 'jane-pass' }, 'INBOX')).includes(subject));
  });

  it('is for administrators only, and names the missing settings when Microsoft is not configured', async () => {
    const agent = await createAgent(account);
    const refused = await authorize({}, agent.token).expect(403);
    expect(refused.body.code).to.equal('forbidden');
    const unconfigured = await (await http()).post(`/api/v1/accounts/${account.id}/microsoft/authorization`).set('api_access_token', account.admin.token).send({}).expect(422);
    expect(unconfigured.body.error.code).to.equal('provider_not_configured');
    expect(unconfigured.body.message).to.contain('MICROSOFT_CLIENT_ID').and.contain('MICROSOFT_CLIENT_SECRET');
    expect((await authorize({ email: 'not an address' }).expect(422)).body.error.fields[0].path).to.equal('email');
  });

  it('sends a denied consent back to the wizard with the error, creating nothing', async () => {
    const { body } = await authorize({ email: 'bob@contoso.test' }).expect(200);
    const back = await consent(body.url, 'bob@contoso.test', 'bob-pass', 'cancel');
    expect(back.searchParams.get('error')).to.equal('access_denied');
    const res = await bed.api.get(pathOf(back)).expect(302);
    const location = new URL(res.headers.location);
    expect(location.origin + location.pathname).to.equal(`${FRONTEND_URL}/app/accounts/${account.id}/settings/inboxes/new/email`);
    expect(location.searchParams.get('error')).to.equal('access_denied');
    expect(location.searchParams.get('message')).to.match(/cancelled or permission was not granted/);
    expect(await channelOf('bob@contoso.test')).to.equal(null);
  });

  it('reports a provider\'s refusal by its code in LeadChat\'s words, without repeating the provider\'s text', async () => {
    for (const [error, code] of [['invalid_scope', 'invalid_scope'], ['some_vendor_error', 'provider_error']] as const) {
      const { body } = await authorize({ email: 'bob@contoso.test' }).expect(200);
      const query = new URLSearchParams({ error, error_description: 'Your mailbox is locked: call +1 555 0100', state: new URL(body.url).searchParams.get('state')! });
      const location = new URL((await bed.api.get(`/microsoft/callback?${query}`).expect(302)).headers.location);
      expect(location.searchParams.get('error')).to.equal(code);
      expect(location.searchParams.get('message')).to.equal('Microsoft 365 refused the sign-in, so nothing was connected. Start again; if it keeps happening, ask your Microsoft 365 administrator.');
    }
    expect(await channelOf('bob@contoso.test')).to.equal(null);
  });

  it('marks the channel reauthorization_required when the refresh token is revoked, and a reconnect restores the same inbox', async () => {
    await bed.disconnect('dana@contoso.test');
    const first = await connect('dana@contoso.test', 'dana-pass');
    let channel = (await channelOf('dana@contoso.test'))!;
    const before = storedTokens(bed.rt, channel);
    await channel.update({ provider_config: { ...channel.provider_config, token_expires_at: new Date(Date.now() + 60_000).toISOString() } });
    expect((await controlFetch(bed.sb, 'POST', '/tokens/revoke', { user: 'dana@contoso.test' })).status).to.equal(200);

    const err = await bed.rt.api.emailOAuth.tokens.accessToken(channel).then(() => null, (e: { kind?: string; message: string }) => e);
    expect(err?.kind).to.equal('reauth');
    channel = (await channelOf('dana@contoso.test'))!;
    expect(channel.reauthorization_required_at).to.be.an.instanceOf(Date);
    const imapErr = await bed.rt.registries.providerFor(channel)!.imapAccess!(channel).then(() => null, (e: { kind?: string }) => e);
    expect(imapErr?.kind).to.equal('reauth');
    await bed.rt.api.emailOAuth.tokens.accessToken(channel).catch(() => undefined);

    const again = await connect('dana@contoso.test', 'dana-pass');
    expect(again.headers.location).to.equal(first.headers.location);
    channel = (await channelOf('dana@contoso.test'))!;
    expect(channel.reauthorization_required_at).to.equal(null);
    expect(storedTokens(bed.rt, channel).refresh_token).to.not.equal(before.refresh_token);
    expect(await bed.rt.api.emailOAuth.tokens.accessToken(channel)).to.equal(storedTokens(bed.rt, channel).access_token);
    expect(await bed.rt.models.ChannelEmail.count({ where: { email: 'dana@contoso.test' } })).to.equal(1);

    // The administrators heard of it once when it broke (a second refused call adds nothing) and once when it was fixed.
    const notifications = await bed.api.get(`/api/v1/accounts/${account.id}/notifications`).set('api_access_token', account.admin.token).expect(200);
    const types = JSON.stringify(notifications.body);
    expect(types.match(/email_channel_reauthorization_required/g)?.length).to.equal(1);
    expect(types.match(/email_channel_recovered/g)?.length).to.equal(1);
  });

  it('refuses to connect a mailbox that another account already connected', async () => {
    await bed.disconnect('admin@contoso.test');
    await connect('admin@contoso.test', 'admin-pass');
    account = await createAccount();
    const res = await connect('admin@contoso.test', 'admin-pass');
    const location = new URL(res.headers.location);
    expect(location.pathname).to.equal(`/app/accounts/${account.id}/settings/inboxes/new/email`);
    expect(location.searchParams.get('error')).to.equal('mailbox_in_use');
    expect(await bed.rt.models.Inbox.count({ where: { account_id: account.id } })).to.equal(0);
  });
});
