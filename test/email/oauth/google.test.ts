// The `google` provider against the sandbox's Google OAuth: authorization URL, consent, callback,
// channel + inbox, refresh and revocation. The sandbox's Dovecot decides XOAUTH2 logins with Entra
// tokens only (sandbox/src/mail/mail-auth.ts), so IMAP/SMTP with a Google token is not exercised here;
// the settings the provider hands to imapflow/nodemailer are asserted instead.
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { imapClient } from '../../../server/src/channels/email/receive/imap-client.js';
import { createAccount, type TestAccount } from '../../support/factories.js';
import { consent, FRONTEND_URL, pathOf, startOAuthTestbed, storedTokens, type OAuthTestbed } from './oauth-testbed.js';

describe('email OAuth: google', function () {
  this.timeout(30_000);
  let bed: OAuthTestbed;
  let account: TestAccount;
  const gina = () => bed.sb.world.google.users[0]!;
  before(async () => {
    bed = await startOAuthTestbed();
  });
  after(async () => bed?.close());
  beforeEach(async () => {
    account = await createAccount();
    await bed.disconnect(gina().email);
  });

  const authorize = (body: Record<string, unknown> = {}) =>
    bed.api.post(`/api/v1/accounts/${account.id}/google/authorization`).set('api_access_token', account.admin.token).send(body).expect(200);
  const gmailProfile = async (accessToken: string) =>
    fetch(`${bed.sb.world.google.gmailBaseUrl}/users/me/profile`, { headers: { authorization: `Bearer ${accessToken}` } });

  it('connects gina\'s Gmail: offline + consent + PKCE authorization URL, callback creates the channel with encrypted tokens', async () => {
    const { body } = await authorize({ email: gina().email });
    const url = new URL(body.url);
    expect(url.origin + url.pathname).to.equal(bed.sb.world.google.authorizeUrl);
    expect(Object.fromEntries(url.searchParams)).to.include({
      access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true', code_challenge_method: 'S256', response_type: 'code',
      redirect_uri: `${FRONTEND_URL}/google/callback`, scope: 'https://mail.google.com/ openid email profile', login_hint: gina().email,
    });

    const res = await bed.api.get(pathOf(await consent(body.url, gina().email, gina().password))).expect(302);
    const channel = (await bed.rt.models.ChannelEmail.findOne({ where: { email: gina().email } }))!;
    const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: channel.id } }))!;
    expect(res.headers.location).to.equal(`${FRONTEND_URL}/app/accounts/${account.id}/settings/inboxes/${inbox.id}/agents`);
    expect(inbox.name).to.equal(gina().email);
    expect(channel).to.include({ provider: 'google', imap_login: gina().email, account_id: account.id });

    const tokens = storedTokens(bed.rt, channel);
    expect((await gmailProfile(tokens.access_token)).status).to.equal(200);
    const [row] = await bed.rt.sequelize.query('SELECT * FROM channel_email WHERE id = :id', { replacements: { id: channel.id }, type: QueryTypes.SELECT });
    expect(JSON.stringify(row)).to.not.contain(tokens.access_token).and.not.contain(tokens.refresh_token);

    const provider = bed.rt.registries.providerFor(channel)!;
    expect(await provider.imapAccess!(channel)).to.deep.include({ auth: { user: gina().email, accessToken: tokens.access_token } });
    expect((await provider.outbound!(channel))!.settings).to.deep.include({ auth: { type: 'OAuth2', user: gina().email, accessToken: tokens.access_token } });
  });

  it('uses the configured TLS modes (implicit IMAP on a port other than 993), on the channel and on the wire', async () => {
    await authorize({ email: gina().email }).then(async ({ body }) => bed.api.get(pathOf(await consent(body.url, gina().email, gina().password))).expect(302));
    const channel = (await bed.rt.models.ChannelEmail.findOne({ where: { email: gina().email } }))!;
    const { world } = bed.sb;
    expect(channel).to.include({ imap_port: world.imap.tlsPort, imap_enable_ssl: true, smtp_port: world.smtp.port, smtp_enable_ssl_tls: false, smtp_enable_starttls_auto: true });
    const provider = bed.rt.registries.providerFor(channel)!;
    const access = (await provider.imapAccess!(channel))!;
    expect(access).to.include({ port: world.imap.tlsPort, secure: true });
    expect((await provider.outbound!(channel))!.settings).to.include({ port: world.smtp.port, secure: false, requireTLS: true });
    // Dovecot stands in for Gmail's servers but not for its tokens: the login is refused, after TLS and the greeting worked.
    const client = imapClient(access, bed.rt.logger, { idle: false, timeouts: { connectionTimeout: 3_000, greetingTimeout: 3_000 } });
    const err = await client.connect().then(() => null, (e: { authenticationFailed?: boolean }) => e);
    client.close();
    expect(err?.authenticationFailed).to.equal(true);
  });

  it('refreshes before expiry (keeping the refresh token Google does not rotate), and marks the channel on a revoked grant', async () => {
    const { body } = await authorize();
    await bed.api.get(pathOf(await consent(body.url, gina().email, gina().password))).expect(302);
    const find = async () => (await bed.rt.models.ChannelEmail.findOne({ where: { email: gina().email } }))!;
    let channel = await find();
    const before = storedTokens(bed.rt, channel);
    await channel.update({ provider_config: { ...channel.provider_config, token_expires_at: new Date(Date.now() + 4 * 60_000).toISOString() } });

    const fresh = await bed.rt.api.emailOAuth.tokens.accessToken(channel);
    expect(fresh).to.not.equal(before.access_token);
    expect((await gmailProfile(fresh)).status).to.equal(200);
    channel = await find();
    expect(storedTokens(bed.rt, channel)).to.deep.equal({ access_token: fresh, refresh_token: before.refresh_token });

    const revoke = await fetch(`${bed.sb.world.google.tokenUrl.replace(/\/token$/, '/revoke')}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: before.refresh_token }),
    });
    expect(revoke.status).to.equal(200);
    await channel.update({ provider_config: { ...channel.provider_config, token_expires_at: new Date(Date.now() - 1000).toISOString() } });
    const err = await bed.rt.api.emailOAuth.tokens.accessToken(channel).then(() => null, (e: { kind?: string }) => e);
    expect(err?.kind).to.equal('reauth');
    expect((await find()).reauthorization_required_at).to.be.an.instanceOf(Date);
  });

  it('sends a denied Google consent back to the wizard with the error', async () => {
    const { body } = await authorize();
    const res = await bed.api.get(pathOf(await consent(body.url, gina().email, gina().password, 'cancel'))).expect(302);
    expect(new URL(res.headers.location).searchParams.get('error')).to.equal('access_denied');
    expect(await bed.rt.models.ChannelEmail.count({ where: { email: gina().email } })).to.equal(0);
  });
});
