// The shared-inbox connect flow against the sandbox's Entra ID, Graph and Dovecot: what a good sign-in
// creates, every way it is refused (creating nothing), token refresh, re-authorization and Reconnect,
// replies held while the inbox needs reconnecting and sent after the Reconnect, and what destroying the
// inbox removes.
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import supertest from 'supertest';
import { bindingOf, consent } from '../../../../test/email/oauth/oauth-testbed.js';
import { createAccount, createAgent } from '../../../../test/support/factories.js';
import { SignedState } from '../../../../server/src/extensions/index.js';
import { folderSubjects } from '../../../../test/sandbox/helpers.js';
import { controlFetch, eventually, FRONTEND_URL, JANE, janeReceives, mailboxOrFullAccessMessage, overlayEnabled, PASSWORDS, startSharedTestbed, SUPPORT, type SharedTestbed } from './shared-testbed.js';

const TRANSPORTS = ['graph_full', 'imap_smtp', 'imap_leadmail'] as const;
const REASON = 'Support needs reconnecting — an administrator has been told';

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
  /** A fetch that works clears the reauthorization mark: tests that set it wait for the first fetch after connecting. */
  const firstFetchDone = (channelId: number) => eventually(async () =>
    (await bed.rt.sequelize.query('SELECT 1 FROM email_fetch_cursors WHERE channel_id = :channelId', { replacements: { channelId }, type: QueryTypes.SELECT })).length > 0, 10_000);
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
    const binding = bindingOf(await bed.browser.post(`/api/v1/accounts/${bed.account.id}/microsoft_shared/authorization`).set('api_access_token', bed.account.admin.token)
      .send({ email: SUPPORT, transport: 'imap_leadmail' }).expect(200));
    const old = new SignedState({ secret: config.SESSION_SECRET, redis, prefix: config.REDIS_PREFIX, now: () => Date.now() - 16 * 60_000 });
    const data = { accountId: bed.account.id, userId: bed.account.admin.id, upn: SUPPORT, transport: 'imap_leadmail' };
    const expired = await bed.callback(new URL(`${FRONTEND_URL}/microsoft_shared/callback?code=x&state=${old.issue('microsoft_shared', data, binding).state}`));
    expect(expired.status).to.equal(400);
    expect(expired.text).to.contain('15 minutes');

    const other = await createAccount();
    const fresh = new SignedState({ secret: config.SESSION_SECRET, redis, prefix: config.REDIS_PREFIX });
    const foreign = await bed.callback(new URL(`${FRONTEND_URL}/microsoft_shared/callback?code=x&state=${fresh.issue('microsoft_shared', { ...data, accountId: other.id }, binding).state}`));
    expect(foreign.status).to.equal(400);
    expect(foreign.text).to.contain('do not administer');
    expect(await bed.channel()).to.equal(null);
  });

  it('refuses a sign-in finished in another browser than the administrator\'s (no LeadChat cookie, or another browser\'s), creating nothing', async () => {
    // The administrator's authorization link, sent to someone who signs in with Microsoft in a browser
    // without LeadChat, or in one where they started a sign-in of their own (so it holds a binding).
    const outsider = await createAccount();
    const theirs = supertest.agent(bed.rt.app);
    await theirs.post(`/api/v1/accounts/${outsider.id}/microsoft_shared/authorization`).set('api_access_token', outsider.admin.token).send({ email: SUPPORT, transport: 'graph_full' }).expect(200);
    for (const elsewhere of [supertest.agent(bed.rt.app), theirs]) {
      const started = await bed.authorize({ email: SUPPORT, transport: 'graph_full' });
      const back = await consent(started.body.url, 'alice@contoso.test', PASSWORDS['alice@contoso.test']!);
      const refused = await bed.callback(back, elsewhere);
      expect(refused.status).to.equal(400);
      expect(refused.text).to.contain('started in another browser or another LeadChat session').and.contain('Nothing was connected');
      expect(await bed.channel()).to.equal(null);
      expect(await bed.rt.models.Inbox.count({ where: { account_id: outsider.id } })).to.equal(0);
      // Spent by the other browser: the administrator's own browser cannot use it afterwards.
      expect((await bed.callback(back)).text).to.contain('already used');
    }
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
    await firstFetchDone(channel.id);
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

  it('refuses a reconnect for another mailbox', async () => {
    await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'imap_leadmail' });
    const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: (await bed.channel())!.id } }))!;
    const other = await bed.authorize({ inbox_id: inbox.id, email: 'sales@contoso.test' });
    expect(other.status).to.equal(422);
    expect(other.body.error!.fields[0]!.path).to.equal('email');
  });

  it('refuses a second inbox on a connected address at the form (any case), before the sign-in; a reconnect of the same inbox is still allowed', async () => {
    await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'imap_leadmail', name: 'Support' });
    const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: (await bed.channel())!.id } }))!;
    for (const email of [SUPPORT, ' Support@CONTOSO.test ']) {
      const refused = await bed.authorize({ email, transport: 'graph_full', name: 'Support again' });
      expect(refused.status, email).to.equal(422);
      expect(refused.body.error!.fields).to.deep.equal([{ path: 'email', message: 'is already connected as the inbox "Support" — open that inbox\'s settings to reconnect it' }]);
    }
    expect((await bed.authorize({ inbox_id: inbox.id, transport: 'graph_full' })).status).to.equal(200);
    expect((await bed.authorize({ inbox_id: inbox.id, email: SUPPORT })).status).to.equal(200);
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

  const api = (method: 'get' | 'post', path: string) => bed.rt.http()[method](`/api/v1/accounts/${bed.account.id}${path}`).set('api_access_token', bed.account.admin.token);
  const settled = (id: number) => eventually(async () => {
    const row = await bed.rt.models.Message.findByPk(id);
    return row && row.status !== 'sending' ? row : undefined;
  }, 15_000);

  describe('replies while the inbox needs reconnecting', () => {
    for (const transport of ['graph_full', 'imap_smtp'] as const) {
      it(`${transport}: token revoked -> reply failed at once with the reason, admins notified -> next reply refused at create -> Reconnect sends both`, async () => {
        await bed.connect('alice@contoso.test', { email: SUPPORT, transport, name: 'Support' });
        const channel = (await bed.channel())!;
        const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: channel.id } }))!;
        const contact = (await bed.rt.models.Contact.findOne({ where: { account_id: bed.account.id, email: JANE } }))
          ?? (await api('post', '/contacts').send({ name: 'Jane', email: JANE }).expect(200)).body.payload.contact;
        const conversation = (await api('post', '/conversations').send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
        // The first fetch (IMAP transports) must be over: one that works clears the mark.
        if (transport !== 'graph_full') await firstFetchDone(channel.id);
        await api('post', '/notifications/read_all').expect(200);

        // The access token is near its end, so the next send refreshes it: Entra answers invalid_grant.
        await channel.update({ provider_config: { ...channel.provider_config, token_expires_at: new Date(Date.now() + 60_000).toISOString() } });
        expect((await controlFetch(bed.sb, 'POST', '/tokens/revoke', { user: 'alice@contoso.test' })).status).to.equal(200);

        const started = Date.now();
        const firstId = await bed.agentReply(conversation.id, `First reply (${transport}).`);
        const first = await settled(firstId);
        const failedAfter = Date.now() - started;
        expect(failedAfter, 'no retry wait').to.be.below(5_000);
        expect(first.status).to.equal('failed');
        expect(first.external_error).to.equal(REASON);
        expect(first.content_attributes).to.include({ awaiting_reconnect: true });
        expect((await bed.channel())!.reauthorization_required_at).to.be.an.instanceOf(Date);
        const bell = (await api('get', '/notifications').expect(200)).body.data;
        expect(bell.meta.unread_count).to.equal(1);
        expect(bell.payload[0]).to.include({ push_message_title: 'Support needs reconnecting', primary_actor_id: inbox.id });

        const second = await api('post', `/conversations/${conversation.id}/messages`).send({ content: `Second reply (${transport}).` }).expect(200);
        expect(second.body).to.include({ status: 'failed', external_error: REASON });
        expect(second.body.content_attributes).to.include({ awaiting_reconnect: true });

        const reconnected = Date.now();
        await bed.connect('alice@contoso.test', { inbox_id: inbox.id });
        const [sentFirst, sentSecond] = await Promise.all([settled(firstId), settled(second.body.id)]);
        console.log(`        ${transport}: first reply failed after ${failedAfter} ms; reconnect (sign-in included) to both sent: ${Date.now() - reconnected} ms`);
        expect(sentFirst.status, sentFirst.external_error ?? '').to.equal('sent');
        expect(sentSecond.status, sentSecond.external_error ?? '').to.equal('sent');
        expect(sentSecond.content_attributes).to.not.have.property('awaiting_reconnect');
        await janeReceives(bed, (m) => m.messageId === sentFirst.source_id);
        await janeReceives(bed, (m) => m.messageId === sentSecond.source_id);
        const titles = (await api('get', '/notifications').expect(200)).body.data.payload.map((n: { push_message_title: string }) => n.push_message_title);
        expect(titles.slice(0, 2)).to.deep.equal(['Support is connected again', 'Support needs reconnecting']);
      });
    }

    it('imap_leadmail: the fetch finds the sign-in refused, yet replies still go out through LeadMail (its own key)', async () => {
      await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'imap_leadmail', name: 'Support' });
      const channel = (await bed.channel())!;
      await firstFetchDone(channel.id);
      const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: channel.id } }))!;
      const contact = (await bed.rt.models.Contact.findOne({ where: { account_id: bed.account.id, email: JANE } }))
        ?? (await api('post', '/contacts').send({ name: 'Jane', email: JANE }).expect(200)).body.payload.contact;
      const conversation = (await api('post', '/conversations').send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
      await channel.update({ provider_config: { ...channel.provider_config, token_expires_at: new Date(Date.now() + 60_000).toISOString() } });
      expect((await controlFetch(bed.sb, 'POST', '/tokens/revoke', { user: 'alice@contoso.test' })).status).to.equal(200);
      await bed.rt.queues.enqueue('email.fetch', { channelId: channel.id, force: true });
      await eventually(async () => (await bed.channel())!.reauthorization_required_at, 10_000);

      const sent = await settled(await bed.agentReply(conversation.id, 'Sent while support@ needs reconnecting.'));
      expect(sent.status, sent.external_error ?? '').to.equal('sent');
      await janeReceives(bed, (m) => m.messageId === sent.source_id);
    });
  });
});
