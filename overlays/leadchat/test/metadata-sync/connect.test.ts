// Connecting Microsoft 365 and Google for metadata sync through the sandbox's real sign-in and consent
// pages: scopes per feature, incremental consent, encrypted tokens, refused and tampered sign-ins,
// admin approval, personal accounts, token refresh with rotation and reauthorization.
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { MsalApps, SignedState } from '../../../../server/src/extensions/index.js';
import { bindingOf } from '../../../../test/email/oauth/oauth-testbed.js';
import { controlFetch, startTestSandbox, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { createAccount, createAgent, type TestAccount } from '../../../../test/support/factories.js';
import { MetadataConnectionTokens } from '../../server/metadata-sync/connect/connection-tokens.js';
import { GoogleConnectClient } from '../../server/metadata-sync/connect/google-connect.client.js';
import { MicrosoftConnectClient } from '../../server/metadata-sync/connect/microsoft-connect.client.js';
import { ReauthorizationRequired } from '../../server/metadata-sync/contracts.js';
import { GoogleAccount, MicrosoftAccount } from '../../server/metadata-sync/metadata-sync.model.js';
import {
  authorize, callback, connectGoogle, connectMicrosoft, consentAt, METADATA_FRONTEND_URL, startMetadataRuntime, walkConnect, type MetadataRuntime,
} from '../support/metadata-connect.js';
import { overlayEnabled } from '../support/metadata-sync-harness.js';

const GMAIL_METADATA = 'https://www.googleapis.com/auth/gmail.metadata';
const CALENDAR_READONLY = 'https://www.googleapis.com/auth/calendar.readonly';

describe('metadata sync: connect (sandbox)', function () {
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

  const page = () => `/app/accounts/${account.id}/settings/integrations/metadata-sync`;
  const card = async (token = account.admin.token) => (await rt.http().get(`/api/v1/accounts/${account.id}/integrations/metadata_sync`).set('api_access_token', token).expect(200)).body;
  const stored = (c: { tokens_ciphertext: string | null }) => rt.secrets.decryptJson<{ access_token: string; refresh_token: string }>(c.tokens_ciphertext!);
  const tokenService = () => {
    const apps = new MsalApps(rt.config, rt.logger);
    return new MetadataConnectionTokens({ ctx: rt, microsoft: new MicrosoftConnectClient(apps), google: new GoogleConnectClient(rt.config) });
  };

  describe('Microsoft 365', () => {
    it('asks for the Graph scopes of the features, stores the granted ones and keeps the tokens encrypted', async () => {
      const started = await authorize(rt, account, account.admin, 'microsoft', { features: { mail: true, calendar: false, shared_mail: true } });
      const url = new URL(started.body.url);
      expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
      expect(url.searchParams.get('redirect_uri')).to.equal(`${METADATA_FRONTEND_URL}/integrations/microsoft/callback`);
      expect(url.searchParams.get('scope')!.split(' ')).to.include.members(['offline_access', 'openid', 'profile', 'User.Read', 'Mail.ReadBasic', 'Mail.Read.Shared'])
        .and.not.include('Calendars.ReadBasic');

      const connection = await connectMicrosoft(rt, { account, login: 'alice@contoso.test', features: { mail: true, shared_mail: true } });
      expect(connection).to.include({ email: 'alice@contoso.test', tenant_id: sb.world.microsoft.tenantId, status: 'active' });
      expect(connection.microsoft_uid).to.equal(sb.world.microsoft.users.find((u) => u.upn === 'alice@contoso.test')!.id);
      expect(connection.scopes).to.include.members(['User.Read', 'Mail.ReadBasic', 'Mail.Read.Shared']).and.not.include('Calendars.ReadBasic');
      expect(connection.features).to.deep.equal({ mail: true, shared_mail: true });
      const tokens = stored(connection);
      const [row] = await rt.sequelize.query('SELECT * FROM microsoft_accounts WHERE id = :id', { replacements: { id: connection.id }, type: QueryTypes.SELECT });
      expect(JSON.stringify(row)).to.not.contain(tokens.refresh_token).and.not.contain(tokens.access_token.slice(-40));

      const { microsoft } = await card();
      expect(microsoft.connection).to.include({ id: connection.id, email: 'alice@contoso.test', status: 'active', last_error: null });
      expect(microsoft.connection.missing_scopes).to.deep.equal([]);
      expect(microsoft.configured).to.equal(true);
      expect(microsoft.admin_consent_url).to.match(new RegExp(`/${sb.world.microsoft.tenantId}/v2\\.0/adminconsent\\?`));
    });

    it('reconnecting adds the scopes of new features to the same connection (incremental consent)', async () => {
      const first = await connectMicrosoft(rt, { account, login: 'dana@contoso.test', features: { mail: true } });
      expect(first.scopes).to.not.include('Calendars.ReadBasic');

      const patched = await rt.http().patch(`/api/v1/accounts/${account.id}/integrations/microsoft`).set('api_access_token', account.admin.token)
        .send({ features: { calendar: true } }).expect(200);
      expect(patched.body.connection.features).to.deep.equal({ mail: true, calendar: true });
      expect(patched.body.connection.missing_scopes).to.deep.equal(['Calendars.ReadBasic']);

      const started = await authorize(rt, account, account.admin, 'microsoft', { features: { calendar: true } });
      expect(new URL(started.body.url).searchParams.get('scope')!.split(' ')).to.include.members(['Mail.ReadBasic', 'Calendars.ReadBasic']);
      const again = await connectMicrosoft(rt, { account, login: 'dana@contoso.test', features: { calendar: true } });
      expect(again.id).to.equal(first.id);
      expect(again.scopes).to.include.members(['Mail.ReadBasic', 'Calendars.ReadBasic']);
      expect((await card()).microsoft.connection.missing_scopes).to.deep.equal([]);
    });

    it('a declined consent creates nothing and says so', async () => {
      const landed = await walkConnect(rt, 'microsoft', { account, login: 'bob@contoso.test', features: { mail: true } }, 'cancel');
      expect(landed.pathname).to.equal(page());
      expect(landed.searchParams.get('error')).to.equal('access_denied');
      expect(landed.searchParams.get('message')).to.match(/cancelled or permission was not granted/);
      expect(await MicrosoftAccount.count({ where: { account_id: account.id } })).to.equal(0);
    });

    it('a provider\'s refusal comes back as sign_in_failed in LeadChat\'s words, without the provider\'s text', async () => {
      const started = await authorize(rt, account, account.admin, 'microsoft', { features: { mail: true } });
      const query = new URLSearchParams({ error: 'invalid_scope', error_description: 'AADSTS70011: call +1 555 0100', state: new URL(started.body.url).searchParams.get('state')! });
      const res = await callback(rt, new URL(`${METADATA_FRONTEND_URL}/integrations/microsoft/callback?${query}`));
      expect(res.location!.searchParams.get('error')).to.equal('sign_in_failed');
      const message = res.location!.searchParams.get('message')!;
      expect(message).to.contain('Microsoft 365 refused the sign-in, so nothing was connected.');
      expect(message).to.not.contain('555');
      expect(await MicrosoftAccount.count({ where: { account_id: account.id } })).to.equal(0);
    });

    it('a personal address as login_hint is refused before redirecting', async () => {
      const res = await authorize(rt, account, account.admin, 'microsoft', { features: { mail: true }, login_hint: 'pat@outlook.com' });
      expect(res.status).to.equal(422);
      expect(res.body.error!.fields[0]).to.include({ path: 'login_hint' });
      expect(res.body.error!.message).to.match(/personal Microsoft account/);
    });

    it('unknown feature keys and non-boolean flags are refused with the fields named', async () => {
      const res = await authorize(rt, account, account.admin, 'microsoft', { features: { mail: 'yes', contacts: true } });
      expect(res.status).to.equal(422);
      expect(res.body.error!.fields.map((f) => f.path)).to.include.members(['features.mail', 'features']);
    });
  });

  describe('signed state', () => {
    async function signedIn(): Promise<URL> {
      const started = await authorize(rt, account, account.admin, 'microsoft', { features: { mail: true } });
      return consentAt(started.body.url, 'alice@contoso.test', 'alice-pass');
    }

    it('a tampered state gets an error page and creates nothing', async () => {
      const back = await signedIn();
      const state = back.searchParams.get('state')!;
      back.searchParams.set('state', `${state.slice(0, -2)}xx`);
      const res = await callback(rt, back);
      expect(res.status).to.equal(400);
      expect(res.text).to.contain('altered');
      expect(await MicrosoftAccount.count({ where: { account_id: account.id } })).to.equal(0);
    });

    it('a replayed callback is refused', async () => {
      const back = await signedIn();
      expect((await callback(rt, back)).location!.searchParams.get('connected')).to.equal('microsoft');
      const replay = await callback(rt, back);
      expect(replay.status).to.equal(400);
      expect(replay.text).to.contain('already used');
    });

    it('a sign-in finished in another browser is refused and connects nothing: no LeadChat cookie, or another browser\'s', async () => {
      // A user's authorization link, opened by someone else who signs in with their own Microsoft account.
      const outsider = await createAccount();
      const theirs = rt.http();
      expect((await authorize(rt, outsider, outsider.admin, 'microsoft', { features: { mail: true } }, theirs)).status).to.equal(200);
      for (const elsewhere of [rt.http(), theirs]) {
        const back = await signedIn();
        const res = await callback(rt, back, elsewhere);
        expect(res.status).to.equal(400);
        expect(res.text).to.contain('started in another browser or another LeadChat session').and.contain('Nothing was connected');
        expect(await MicrosoftAccount.count({ where: { account_id: [account.id, outsider.id] } })).to.equal(0);
        expect((await callback(rt, back)).text).to.contain('already used');
      }
    });

    it('an expired state is refused', async () => {
      const binding = bindingOf(await authorize(rt, account, account.admin, 'microsoft', { features: { mail: true } }));
      const old = new SignedState({ secret: rt.config.SESSION_SECRET, redis: rt.redis, prefix: rt.config.REDIS_PREFIX, now: () => Date.now() - 16 * 60_000 });
      const { state } = old.issue('metadata_sync:microsoft', { accountId: account.id, userId: account.admin.id, provider: 'microsoft', features: { mail: true }, scopes: [] }, binding);
      const res = await callback(rt, new URL(`${METADATA_FRONTEND_URL}/integrations/microsoft/callback?code=x&state=${state}`));
      expect(res.status).to.equal(400);
      expect(res.text).to.contain('15 minutes');
    });

    it('a Google state is not accepted by the Microsoft callback', async () => {
      const started = await authorize(rt, account, account.admin, 'google', { features: { mail: true } });
      const state = new URL(started.body.url).searchParams.get('state')!;
      const res = await callback(rt, new URL(`${METADATA_FRONTEND_URL}/integrations/microsoft/callback?code=x&state=${encodeURIComponent(state)}`));
      expect(res.status).to.equal(400);
    });

    it('a sign-in started by a user who has since left the account is refused', async () => {
      const agent = await createAgent(account);
      const started = await authorize(rt, account, agent, 'microsoft', { features: { mail: true } });
      const back = await consentAt(started.body.url, 'alice@contoso.test', 'alice-pass');
      await rt.models.AccountUser.destroy({ where: { account_id: account.id, user_id: agent.id } });
      const res = await callback(rt, back);
      expect(res.status).to.equal(400);
      expect(res.text).to.contain('no longer belong');
      expect(await MicrosoftAccount.count({ where: { account_id: account.id } })).to.equal(0);
    });
  });

  describe('tokens', () => {
    it('refreshes a token close to expiry once across concurrent callers and saves the rotated refresh token', async () => {
      await controlFetch(sb, 'POST', '/tokens/lifetime', { seconds: 120 });
      try {
        const connection = await connectMicrosoft(rt, { account, login: 'alice@contoso.test', features: { mail: true } });
        const before = stored(connection);
        const [a, b] = [tokenService(), tokenService()];
        const [t1, t2] = await Promise.all([a.accessToken(connection), b.accessToken(await MicrosoftAccount.findByPk(connection.id) as MicrosoftAccount)]);
        expect(t1).to.not.equal(before.access_token);
        const after = stored((await MicrosoftAccount.findByPk(connection.id))!);
        expect(after.refresh_token).to.not.equal(before.refresh_token);
        // The second caller waited for the first refresh instead of reusing the rotated refresh token.
        expect([t1, t2]).to.include(after.access_token);
        expect((await MicrosoftAccount.findByPk(connection.id))!.status).to.equal('active');
      } finally {
        await controlFetch(sb, 'POST', '/tokens/lifetime', { seconds: 3600 });
      }
    });

    it('invalid_grant (consent revoked) marks the connection reauthorization_required, shown on the card; reconnecting clears it', async () => {
      const connection = await connectMicrosoft(rt, { account, login: 'alice@contoso.test', features: { mail: true } });
      await controlFetch(sb, 'POST', '/tokens/revoke', { user: 'alice@contoso.test' });
      const err = await tokenService().accessToken(connection, { force: true }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ReauthorizationRequired);
      const { microsoft } = await card();
      expect(microsoft.connection.status).to.equal('reauthorization_required');
      expect(microsoft.connection.last_error).to.match(/sign-in of alice@contoso\.test is no longer valid/);
      expect(microsoft.connection.last_error).to.not.contain('Trace ID');
      expect((await MicrosoftAccount.findByPk(connection.id))!.revoked_at).to.be.instanceOf(Date);

      const again = await connectMicrosoft(rt, { account, login: 'alice@contoso.test', features: { mail: true } });
      expect(again.id).to.equal(connection.id);
      expect(again).to.include({ status: 'active', last_error: null, revoked_at: null });
    });
  });

  describe('admin approval', () => {
    afterEach(async () => {
      await controlFetch(sb, 'POST', '/entra/policy', { userConsent: 'allowed' });
    });

    it('with user consent off: the user gets the admin-consent link; after an administrator approves, the user connects', async () => {
      await controlFetch(sb, 'POST', '/reset');
      expect((await controlFetch(sb, 'POST', '/entra/policy', { userConsent: 'admin_only' })).status).to.be.lessThan(300);
      const landed = await walkConnect(rt, 'microsoft', { account, login: 'bob@contoso.test', features: { mail: true, calendar: true }, loginHint: 'bob@contoso.test' });
      expect(landed.pathname).to.equal(page());
      expect(landed.searchParams.get('error')).to.equal('admin_approval_required');
      expect(landed.searchParams.get('message')).to.match(/administrator to approve/);
      // The link for IT is not in the URL (anyone can craft one): the user's card serves it.
      expect(landed.searchParams.get('admin_consent_url')).to.equal(null);
      const card = await rt.http().get(`/api/v1/accounts/${account.id}/integrations/metadata_sync`).set('api_access_token', account.admin.token).expect(200);
      const consentUrl = new URL(card.body.microsoft.admin_consent_url);
      expect(consentUrl.pathname).to.equal('/contoso.test/v2.0/adminconsent');
      expect(consentUrl.searchParams.get('scope')!.split(' ')).to.include.members(['https://graph.microsoft.com/Mail.ReadBasic', 'https://graph.microsoft.com/Calendars.ReadBasic']);
      expect(consentUrl.searchParams.get('redirect_uri')).to.equal(`${METADATA_FRONTEND_URL}/integrations/microsoft/admin_consent`);
      expect(await MicrosoftAccount.count({ where: { account_id: account.id } })).to.equal(0);

      const approved = await consentAt(consentUrl.toString(), 'admin@contoso.test', 'admin-pass');
      const returned = await callback(rt, approved);
      expect(returned.status).to.equal(302);
      expect(returned.location!.pathname).to.equal(page());
      expect(returned.location!.searchParams.get('admin_consented')).to.equal('1');

      const connection = await connectMicrosoft(rt, { account, login: 'bob@contoso.test', features: { mail: true, calendar: true } });
      expect(connection.scopes).to.include.members(['Mail.ReadBasic', 'Calendars.ReadBasic']);
    });
  });

  describe('personal Microsoft accounts', () => {
    let common: MetadataRuntime;
    before(async function () {
      if (!overlayEnabled()) return this.skip();
      common = await startMetadataRuntime(sb, { env: { MICROSOFT_AUTHORITY: `https://${sb.world.microsoft.authorityHost}/common` } });
    });
    after(async () => common?.close());

    it('on /common, a consumer account signing in is refused at the callback with a clear message', async () => {
      const landed = await walkConnect(common, 'microsoft', { account, login: 'pat@outlook.test', password: 'pat-pass', features: { mail: true } });
      expect(landed.searchParams.get('error')).to.equal('personal_account');
      expect(landed.searchParams.get('message')).to.match(/personal Microsoft account.*work or school/);
      expect(await MicrosoftAccount.count({ where: { account_id: account.id } })).to.equal(0);
    });
  });

  describe('Google', () => {
    it('asks with include_granted_scopes, offline access, consent prompt and PKCE; stores the granted scopes', async () => {
      const started = await authorize(rt, account, account.admin, 'google', { features: { mail: true } });
      const url = new URL(started.body.url);
      expect(Object.fromEntries(url.searchParams)).to.include({
        include_granted_scopes: 'true', access_type: 'offline', prompt: 'consent', code_challenge_method: 'S256',
        redirect_uri: `${METADATA_FRONTEND_URL}/integrations/google/callback`,
      });
      expect(url.searchParams.get('scope')!.split(' ')).to.have.members(['openid', 'email', 'profile', GMAIL_METADATA]);

      const connection = await connectGoogle(rt, { account, login: 'gina@fabrikam.test', features: { mail: true } });
      expect(connection).to.include({ email: 'gina@fabrikam.test', google_uid: sb.world.google.users[0]!.id, status: 'active' });
      expect(connection.scopes).to.include(GMAIL_METADATA).and.not.include(CALENDAR_READONLY);
      const [row] = await rt.sequelize.query('SELECT * FROM google_accounts WHERE id = :id', { replacements: { id: connection.id }, type: QueryTypes.SELECT });
      expect(JSON.stringify(row)).to.not.contain(stored(connection).refresh_token);
    });

    it('adding calendar later keeps mail: Google returns every scope granted so far', async () => {
      const first = await connectGoogle(rt, { account, login: 'gina@fabrikam.test', features: { mail: true } });
      const again = await connectGoogle(rt, { account, login: 'gina@fabrikam.test', features: { calendar: true } });
      expect(again.id).to.equal(first.id);
      expect(again.features).to.deep.equal({ mail: true, calendar: true });
      expect(again.scopes).to.include.members([GMAIL_METADATA, CALENDAR_READONLY]);
    });

    it('a revoked grant turns the next refresh into reauthorization_required', async () => {
      const connection = await connectGoogle(rt, { account, login: 'gina@fabrikam.test', features: { mail: true } });
      await new GoogleConnectClient(rt.config).revoke(stored(connection).refresh_token);
      const err = await tokenService().accessToken(connection, { force: true }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ReauthorizationRequired);
      expect((await GoogleAccount.findByPk(connection.id))!.status).to.equal('reauthorization_required');
      expect((await card()).google.connection.status).to.equal('reauthorization_required');
    });
  });
});
