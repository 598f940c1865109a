// The integrations API of metadata sync over HTTP: cards, features, sync now, shared mailboxes,
// disconnect (Google revokes at the provider; both delete the sync state and events) and who may do what.
import { expect } from 'chai';
import { OAuthGrantError } from '../../../../server/src/extensions/index.js';
import { startTestSandbox, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { createAccount, createAgent, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import { GoogleConnectClient } from '../../server/metadata-sync/connect/google-connect.client.js';
import { GoogleAccount, InteractionEvent, MicrosoftAccount, SharedMailbox, SyncState, type Provider } from '../../server/metadata-sync/metadata-sync.model.js';
import { connectGoogle, connectMicrosoft, startMetadataRuntime, type MetadataRuntime } from '../support/metadata-connect.js';
import { overlayEnabled } from '../support/metadata-sync-harness.js';


describe('metadata sync: integrations API (sandbox)', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let rt: MetadataRuntime;
  let account: TestAccount;

  before(async function () {
    if (!overlayEnabled()) return this.skip();
    sb = await startTestSandbox();
    rt = await startMetadataRuntime(sb);
  });
  after(async () => {
    await rt?.close();
    await sb?.close();
  });
  beforeEach(async () => {
    account = await createAccount();
  });

  const api = (method: 'get' | 'post' | 'patch' | 'delete', path: string, user: TestUser = account.admin) =>
    rt.http()[method](`/api/v1/accounts/${account.id}/integrations${path}`).set('api_access_token', user.token);
  const card = async (user: TestUser = account.admin) => (await api('get', '/metadata_sync', user).expect(200)).body;
  const someEvent = (provider: Provider, userId: number, mailbox: string) => InteractionEvent.create({
    account_id: account.id, user_id: userId, provider, source: provider === 'microsoft' ? 'microsoft_mail' : 'google_mail', mailbox,
    kind: 'email', direction: 'inbound', remote_id: `<${Math.random()}@example.test>`, occurred_at: new Date(), counterpart_email: 'jane@example.test',
  });

  it('shows both cards, empty, with what can be switched on', async () => {
    const body = await card();
    expect(body.microsoft).to.include({ configured: true, connection: null, admin_consent_url: null });
    expect(body.microsoft.scopes_available).to.have.keys('mail', 'calendar', 'shared_mail', 'shared_calendar');
    expect(body.google).to.include({ configured: true, connection: null });
    expect(body.google.scopes_available).to.have.keys('mail', 'calendar');
    expect(body.microsoft.circuits).to.be.an('array');
    // One breaker per provider x kind, listed (closed) before any sync ran, each card only its provider's.
    const circuits = (provider: 'microsoft' | 'google') => (body[provider].circuits as { name: string; state: string }[]).map((c) => [c.name, c.state]).sort();
    expect(circuits('microsoft')).to.deep.equal([['ms_graph_calendar', 'closed'], ['ms_graph_mail', 'closed']]);
    expect(circuits('google').map(([name]) => name)).to.include('google_gmail_metadata');
    expect(circuits('google').every(([name, state]) => name!.startsWith('google_') && state === 'closed'), JSON.stringify(circuits('google'))).to.equal(true);
  });

  it('each user sees and manages only their own connection', async () => {
    await connectMicrosoft(rt, { account, login: 'alice@contoso.test', features: { mail: true } });
    const agent = await createAgent(account);
    expect((await card(agent)).microsoft.connection).to.equal(null);
    await api('delete', '/microsoft', agent).expect(404);
    await api('patch', '/microsoft', agent).send({ features: { calendar: true } }).expect(404);
    await api('post', '/microsoft/sync', agent).expect(404);
    expect(await MicrosoftAccount.count({ where: { account_id: account.id } })).to.equal(1);

    const stranger = await createAccount();
    const res = await rt.http().get(`/api/v1/accounts/${account.id}/integrations/metadata_sync`).set('api_access_token', stranger.admin.token);
    expect(res.status).to.be.oneOf([401, 403, 404]);
    await api('get', '/metadata_sync', agent).expect(200);
    await rt.http().post(`/api/v1/accounts/${account.id}/integrations/slack/sync`).set('api_access_token', account.admin.token).expect(404);
  });

  it('PATCH stores features (unknown keys refused), lists the scopes still missing; sync now answers 202', async () => {
    await connectMicrosoft(rt, { account, login: 'alice@contoso.test', features: { mail: true } });
    const bad = await api('patch', '/microsoft').send({ features: { mail: true, contacts: true } });
    expect(bad.status).to.equal(422);
    expect(bad.body.error.fields[0].path).to.equal('features');

    const res = await api('patch', '/microsoft').send({ features: { mail: false, shared_calendar: true } }).expect(200);
    expect(res.body.connection.features).to.deep.equal({ shared_calendar: true });
    expect(res.body.connection.missing_scopes).to.deep.equal(['Calendars.Read.Shared']);
    await api('post', '/microsoft/sync').expect(202);
  });

  it('shared mailboxes: need shared_mail, are validated, lower-cased, unique, listed on the card and removable', async () => {
    await connectMicrosoft(rt, { account, login: 'alice@contoso.test', features: { mail: true } });
    const refused = await api('post', '/microsoft/shared_mailboxes').send({ email: 'support@contoso.test' });
    expect(refused.status).to.equal(422);
    expect(refused.body.error.fields[0].path).to.equal('features.shared_mail');

    await api('patch', '/microsoft').send({ features: { shared_mail: true } }).expect(200);
    expect((await api('post', '/microsoft/shared_mailboxes').send({ email: 'not an address' })).status).to.equal(422);
    expect((await api('post', '/microsoft/shared_mailboxes').send({ email: 'alice@contoso.test' })).status).to.equal(422);
    const created = await api('post', '/microsoft/shared_mailboxes').send({ email: ' Support@Contoso.test ', include_calendar: true }).expect(201);
    expect(created.body).to.deep.include({ email: 'support@contoso.test', include_calendar: true });
    const duplicate = await api('post', '/microsoft/shared_mailboxes').send({ email: 'SUPPORT@contoso.test' });
    expect(duplicate.status).to.equal(422);
    expect(duplicate.body.error.fields[0]).to.include({ path: 'email' });
    expect((await card()).microsoft.connection.shared_mailboxes).to.deep.equal([created.body]);

    const agent = await createAgent(account);
    await api('delete', `/microsoft/shared_mailboxes/${created.body.id}`, agent).expect(404);
    await api('delete', `/microsoft/shared_mailboxes/${created.body.id}`).expect(204);
    expect((await card()).microsoft.connection.shared_mailboxes).to.deep.equal([]);
  });

  it('disconnecting Microsoft deletes the tokens, shared mailboxes, sync state and events; the card is empty again', async () => {
    const connection = await connectMicrosoft(rt, { account, login: 'alice@contoso.test', features: { mail: true, shared_mail: true } });
    await api('post', '/microsoft/shared_mailboxes').send({ email: 'support@contoso.test' }).expect(201);
    await SyncState.create({ account_id: account.id, provider: 'microsoft', mailbox: 'alice@contoso.test', source: 'mail:inbox', cursor: 'delta-link' });
    await someEvent('microsoft', account.admin.id, 'alice@contoso.test');

    await api('delete', '/microsoft').expect(204);
    expect(await MicrosoftAccount.findByPk(connection.id)).to.equal(null);
    expect(await SharedMailbox.count({ where: { microsoft_account_id: connection.id } })).to.equal(0);
    expect(await SyncState.count({ where: { account_id: account.id, provider: 'microsoft' } })).to.equal(0);
    expect(await InteractionEvent.count({ where: { account_id: account.id, provider: 'microsoft' } })).to.equal(0);
    expect((await card()).microsoft.connection).to.equal(null);
  });

  it('disconnecting Google revokes the grant at Google (a refresh then fails) and deletes the state and events', async () => {
    const connection = await connectGoogle(rt, { account, login: 'gina@fabrikam.test', features: { mail: true } });
    const { refresh_token } = rt.secrets.decryptJson<{ refresh_token: string }>(connection.tokens_ciphertext!);
    await SyncState.create({ account_id: account.id, provider: 'google', mailbox: 'gina@fabrikam.test', source: 'gmail', cursor: '1234' });
    await someEvent('google', account.admin.id, 'gina@fabrikam.test');

    await api('delete', '/google').expect(204);
    const refused = await new GoogleConnectClient(rt.config).refresh(refresh_token).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(OAuthGrantError).and.have.property('code', 'invalid_grant');
    expect(await GoogleAccount.findByPk(connection.id)).to.equal(null);
    expect(await SyncState.count({ where: { account_id: account.id, provider: 'google' } })).to.equal(0);
    expect(await InteractionEvent.count({ where: { account_id: account.id, provider: 'google' } })).to.equal(0);
    expect((await card()).google.connection).to.equal(null);
  });
});
