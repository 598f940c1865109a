// The shared-inbox connect flow against the sandbox's Entra ID, Graph and Dovecot: what a good sign-in
// creates, every way it is refused (creating nothing), token refresh, re-authorization and Reconnect,
// and what destroying the inbox removes.
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { consent } from '../../../../test/email/oauth/oauth-testbed.js';
import { createAccount, createAgent } from '../../../../test/support/factories.js';
import { SignedState } from '../../../../server/src/extensions/index.js';
import { folderSubjects } from '../../../../test/sandbox/helpers.js';
import { controlFetch, FRONTEND_URL, mailboxOrFullAccessMessage, overlayEnabled, PASSWORDS, startSharedTestbed, SUPPORT, type SharedTestbed } from './shared-testbed.js';

const TRANSPORTS = ['graph_full', 'imap_smtp', 'imap_leadmail'] as const;

describe('microsoft_shared connect (sandbox)', function () {
  this.timeout(30_000);
  let bed: SharedTestbed;
  before(async function () {
    if (!overlayEnabled()) return this.skip();
    bed = await startSharedTestbed();
  });
  after(async () => bed?.close());
  afterEach(async () => bed?.disconnect());

  const formError = (url: URL) => ({ path: url.pathname, error: url.searchParams.get('error'), message: url.searchParams.get('message') });
  const wizardForm = () => `/app/accounts/${bed.account.id}/settings/inboxes/new/microsoft_shared`;
  const tokensOf = (channel: { provider_secrets_ciphertext: string | null }) => bed.rt.secrets.decryptJson<{ access_token: string; refresh_token: string }>(channel.provider_secrets_ciphertext!);

  for (const transport of TRANSPORTS) {
    it(`${transport}: consent → callback creates the inbox with provider_config, imap_login and encrypted tokens`, async () => {
      const started = await bed.authorize({ email: 'Support@Contoso.test', transport, name: 'Support' });
      expect(started.status).to.equal(200);
      const url = new URL(started.body.url);
      expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
      expect(url.searchParams.get('redirect_uri')).to.equal(`${FRONTEND_URL}/microsoft_shared/callback`);
      const graphScopes = transport === 'graph_full';
      expect(url.searchParams.get('scope')!.split(' ').some((s) => s.startsWith('https://outlook.office.com/'))).to.equal(!graphScopes);
      expect(url.searchParams.get('scope')!.split(' ').includes('Mail.Send.Shared')).to.equal(graphScopes);

      const back = await bed.callback(await consent(started.body.url, 'alice@contoso.test', PASSWORDS['alice@contoso.test']!));
      const channel = (await bed.channel())!;
      const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: channel.id } }))!;
      expect(back.location).to.equal(`${FRONTEND_URL}/app/accounts/${bed.account.id}/settings/inboxes/${inbox.id}/agents`);
      expect(inbox.name).to.equal('Support');
      expect(channel.provider).to.equal('microsoft_shared');
      expect(channel.provider_config).to.include({ transport, tenant_id: bed.sb.world.microsoft.tenantId, delegate_upn: 'alice@contoso.test' });
      expect(channel.provider_config.delegate_oid).to.equal(bed.sb.world.microsoft.users.find((u) => u.upn === 'alice@contoso.test')!.id);
      expect(channel.imap_login).to.equal(transport === 'graph_full' ? '' : SUPPORT);
      expect(channel.smtp_login).to.equal(transport === 'imap_smtp' ? 'alice@contoso.test' : '');
      const tokens = tokensOf(channel);
      const [row] = await bed.rt.sequelize.query('SELECT * FROM channel_email WHERE id = :id', { replacements: { id: channel.id }, type: QueryTypes.SELECT });
      expect(JSON.stringify(row)).to.not.contain(tokens.access_token.slice(-40)).and.not.contain(tokens.refresh_token);
    });

    it(`${transport}: bob (no Full Access on support@) is sent back to the form with the Full Access message (over IMAP: or no such mailbox), nothing created`, async () => {
      const back = formError(await bed.connect('bob@contoso.test', { email: SUPPORT, transport }));
      // Graph tells a missing mailbox from a refused one; an IMAP login is refused the same way for both.
      expect(back).to.deep.equal(transport === 'graph_full'
        ? { path: wizardForm(), error: 'no_full_access', message: 'bob@contoso.test has no Full Access on support@contoso.test — ask your Exchange admin to grant it, then connect again.' }
        : { path: wizardForm(), error: 'mailbox_not_found_or_no_full_access', message: mailboxOrFullAccessMessage('bob@contoso.test', SUPPORT) });
      expect(await bed.channel()).to.equal(null);
    });
  }

  describe('round trip (Send As) before the inbox is created', () => {
    const CHECK_SUBJECT = 'LeadChat connection check';
    const sentChecks = async () => ((await controlFetch(bed.sb, 'GET', '/sent')).json as { subject: string; from: string; to: string[] }[])
      .filter((m) => m.subject === CHECK_SUBJECT);
    const supportFolder = async (folder: string) => {
      const { json } = await controlFetch(bed.sb, 'POST', '/tokens/issue', { user: 'alice@contoso.test', scopes: ['IMAP.AccessAsUser.All'] });
      return folderSubjects(bed.sb, { user: SUPPORT, accessToken: (json as { access_token: string }).access_token }, folder);
    };
    afterEach(async () => controlFetch(bed.sb, 'DELETE', '/faults'));

    for (const transport of ['graph_full', 'imap_smtp'] as const) {
      it(`${transport}: alice — the shared mailbox sends itself a check message, it arrives, its copies in support@ are deleted, no conversation is made of it`, async () => {
        const before = (await sentChecks()).length;
        const back = await bed.connect('alice@contoso.test', { email: SUPPORT, transport });
        expect(back.pathname).to.match(/\/settings\/inboxes\/\d+\/agents$/);
        const checks = await sentChecks();
        expect(checks.length).to.equal(before + 1);
        expect(checks.at(-1)).to.deep.include({ from: SUPPORT, to: [SUPPORT] });
        expect(await supportFolder('INBOX')).to.not.include(CHECK_SUBJECT);
        expect(await supportFolder('Sent Items')).to.not.include(CHECK_SUBJECT);
        const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: (await bed.channel())!.id } }))!;
        expect(await bed.rt.models.Conversation.count({ where: { inbox_id: inbox.id } })).to.equal(0);
      });

      it(`${transport}: dana (Full Access, no Send As) is sent back to the form with the Send As message, nothing created`, async () => {
        const back = formError(await bed.connect('dana@contoso.test', { email: SUPPORT, transport }));
        expect(back).to.deep.equal({
          path: wizardForm(), error: 'no_send_as',
          message: 'dana@contoso.test may open support@contoso.test but has no Send As permission on it, so replies could not leave — ask your Exchange admin to grant Send As, then connect again.',
        });
        expect(await bed.channel()).to.equal(null);
      });
    }

    it('imap_smtp with SMTP AUTH off for the tenant (as under Security Defaults) is sent back saying so, nothing created', async () => {
      await controlFetch(bed.sb, 'POST', '/exchange/smtp-auth', { disabled: true });
      try {
        const back = formError(await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'imap_smtp' }));
        expect(back).to.deep.equal({
          path: wizardForm(), error: 'smtp_auth_refused',
          message: 'SMTP AUTH is turned off for alice@contoso.test or for the whole tenant (tenants with Security Defaults have it off), so replies could not leave over SMTP — pick "IMAP and LeadMail", or ask your Exchange admin to turn on Authenticated SMTP for this user, then connect again.',
        });
        expect(await bed.channel()).to.equal(null);
      } finally {
        await controlFetch(bed.sb, 'POST', '/exchange/smtp-auth', { disabled: false });
      }
    });

    it('graph_full: a check message that never arrives is reported after 60 s, nothing created', async function () {
      this.timeout(90_000);
      // Graph accepts the sendMail (202) but the message goes nowhere.
      await controlFetch(bed.sb, 'POST', '/faults', { path: '/sendMail$/', method: 'POST', status: 202, body: '' });
      const started = Date.now();
      const back = formError(await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'graph_full' }));
      expect(Date.now() - started).to.be.at.least(60_000);
      expect(back).to.deep.equal({
        path: wizardForm(), error: 'round_trip_timeout',
        message: 'A test message sent from support@contoso.test to itself did not arrive within 60 seconds, so no inbox was created — check the mailbox\'s mail flow rules and quota, then connect again.',
      });
      expect(await bed.channel()).to.equal(null);
    });
  });

  it('validates the address and transport, and is for administrators only', async () => {
    const bad = await bed.authorize({ email: 'not an address', transport: 'pop3' });
    expect(bad.status).to.equal(422);
    expect(bad.body.error!.fields.map((f) => f.path).sort()).to.deep.equal(['email', 'transport']);
    expect((await bed.authorize({ email: SUPPORT })).body.error!.fields).to.deep.equal([{ path: 'transport', message: 'is required (one of graph_full, imap_smtp, imap_leadmail)' }]);
    const agent = await createAgent(bed.account);
    expect((await bed.authorize({ email: SUPPORT, transport: 'graph_full' }, agent.token)).status).to.equal(403);
  });

  it('refuses a tampered, replayed, expired or other account\'s state with a 400 page, creating nothing', async () => {
    const started = await bed.authorize({ email: SUPPORT, transport: 'imap_leadmail' });
    const back = await consent(started.body.url, 'alice@contoso.test', PASSWORDS['alice@contoso.test']!);
    const tampered = new URL(back);
    tampered.searchParams.set('state', `${back.searchParams.get('state')!.slice(0, -2)}xx`);
    const refusedTampered = await bed.callback(tampered);
    expect(refusedTampered.status).to.equal(400);
    expect(refusedTampered.text).to.contain('altered');

    expect((await bed.callback(back)).status).to.equal(302);
    const replayed = await bed.callback(back);
    expect(replayed.status).to.equal(400);
    expect(replayed.text).to.contain('already used');
    await bed.disconnect();

    const { config, redis } = bed.rt;
    const old = new SignedState({ secret: config.SESSION_SECRET, redis, prefix: config.REDIS_PREFIX, now: () => Date.now() - 16 * 60_000 });
    const data = { accountId: bed.account.id, userId: bed.account.admin.id, upn: SUPPORT, transport: 'imap_leadmail' };
    const expired = await bed.callback(new URL(`${FRONTEND_URL}/microsoft_shared/callback?code=x&state=${old.issue('microsoft_shared', data).state}`));
    expect(expired.status).to.equal(400);
    expect(expired.text).to.contain('15 minutes');

    const other = await createAccount();
    const fresh = new SignedState({ secret: config.SESSION_SECRET, redis, prefix: config.REDIS_PREFIX });
    const foreign = await bed.callback(new URL(`${FRONTEND_URL}/microsoft_shared/callback?code=x&state=${fresh.issue('microsoft_shared', { ...data, accountId: other.id }).state}`));
    expect(foreign.status).to.equal(400);
    expect(foreign.text).to.contain('do not administer');
    expect(await bed.channel()).to.equal(null);
  });

  it('sends a denied consent back to the wizard form, creating nothing', async () => {
    const back = formError(await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'graph_full' }, 'cancel'));
    expect(back.path).to.equal(wizardForm());
    expect(back.error).to.equal('access_denied');
    expect(back.message).to.match(/cancelled or permission was not granted/);
    expect(await bed.channel()).to.equal(null);
  });

  it('refreshes an expiring token (rotated refresh token saved); invalid_grant marks reauthorization_required; Reconnect restores the same inbox', async () => {
    const first = await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'imap_smtp' });
    let channel = (await bed.channel())!;
    const provider = bed.rt.registries.providerFor(channel)!;
    const before = tokensOf(channel);
    await channel.update({ provider_config: { ...channel.provider_config, token_expires_at: new Date(Date.now() + 60_000).toISOString() } });
    const access = (await provider.imapAccess!(channel))!;
    channel = (await bed.channel())!;
    const refreshed = tokensOf(channel);
    expect(access.auth).to.deep.equal({ user: SUPPORT, accessToken: refreshed.access_token });
    expect(refreshed.access_token).to.not.equal(before.access_token);
    expect(refreshed.refresh_token).to.not.equal(before.refresh_token);

    await channel.update({ provider_config: { ...channel.provider_config, token_expires_at: new Date(Date.now() + 60_000).toISOString() } });
    expect((await controlFetch(bed.sb, 'POST', '/tokens/revoke', { user: 'alice@contoso.test' })).status).to.equal(200);
    const err = await provider.outbound!(channel).then(() => null, (e: { kind?: string }) => e);
    expect(err?.kind).to.equal('reauth');
    channel = (await bed.channel())!;
    expect(channel.reauthorization_required_at).to.be.an.instanceOf(Date);
    const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: channel.id } }))!;
    const listed = await bed.rt.http().get(`/api/v1/accounts/${bed.account.id}/inboxes/${inbox.id}`).set('api_access_token', bed.account.admin.token).expect(200);
    expect(listed.body.reauthorization_required).to.equal(true);

    // Reconnect: the same endpoint with inbox_id; the mailbox comes from the inbox, the transport may change.
    const again = await bed.connect('alice@contoso.test', { inbox_id: inbox.id, transport: 'imap_leadmail' });
    expect(again.toString()).to.equal(first.toString());
    channel = (await bed.channel())!;
    expect(channel.reauthorization_required_at).to.equal(null);
    expect(channel.provider_config.transport).to.equal('imap_leadmail');
    expect(channel.smtp_login).to.equal('');
    expect(await bed.rt.models.ChannelEmail.count({ where: { email: SUPPORT } })).to.equal(1);
    expect((await provider.outbound!(channel))?.method).to.equal('leadmail');
  });

  it('refuses a mailbox that is already connected, and a reconnect for another mailbox', async () => {
    await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'imap_leadmail' });
    expect(formError(await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'graph_full' })).error).to.equal('mailbox_in_use');
    const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: (await bed.channel())!.id } }))!;
    const other = await bed.authorize({ inbox_id: inbox.id, email: 'sales@contoso.test' });
    expect(other.status).to.equal(422);
    expect(other.body.error!.fields[0]!.path).to.equal('email');
  });

  it('destroying the inbox removes the channel with its tokens and announces channel.destroyed for the graph module', async () => {
    await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'graph_full' });
    const channel = (await bed.channel())!;
    const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: channel.id } }))!;
    const destroyed: { inboxId: number; channelId: number; provider: string }[] = [];
    bed.rt.events.on('channel.destroyed', (e) => void destroyed.push(e), 'test');
    await bed.disconnect();
    expect(destroyed.find((e) => e.channelId === channel.id)).to.include({ inboxId: inbox.id, provider: 'microsoft_shared' });
    const [row] = await bed.rt.sequelize.query('SELECT provider_secrets_ciphertext FROM channel_email WHERE id = :id', { replacements: { id: channel.id }, type: QueryTypes.SELECT });
    expect(row).to.equal(undefined);
  });
});
