// The sandbox's Entra side for the metadata sync: the tenant's user-consent policy ("Need admin
// approval" and AADSTS90094), admin consent for delegated permissions granted tenant-wide, and a
// personal Microsoft account refused through /organizations but signed in through /common.
import { expect } from 'chai';
import { ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { controlFetch, startTestSandbox, type TestSandbox } from './helpers.js';

const REDIRECT = 'http://localhost:3000/integrations/microsoft/callback';
const METADATA_SCOPES = ['https://graph.microsoft.com/Mail.ReadBasic', 'https://graph.microsoft.com/Calendars.ReadBasic'];
const CONSUMERS = '9188040d-6c67-4c5b-b112-36a304b66dad';

describe('sandbox: Entra ID for the metadata sync', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let app: TestSandbox['world']['microsoft']['apps'][number];
  before(async () => {
    sb = await startTestSandbox();
    app = sb.world.microsoft.apps[0] as typeof app;
  });
  after(async () => { await sb?.close(); });
  afterEach(async () => { await controlFetch(sb, 'POST', '/reset'); });

  const authorityFor = (tenant: string): string => `https://${sb.world.microsoft.authorityHost}/${tenant}`;
  const msalFor = (tenant: string): ConfidentialClientApplication => new ConfidentialClientApplication({
    auth: { clientId: app.clientId, clientSecret: app.clientSecret, authority: authorityFor(tenant), knownAuthorities: [sb.world.microsoft.authorityHost] },
  });

  /** Posts the form of `page` (relative to `url`) with the given fields; returns the next page or redirect. */
  async function postForm(url: string, page: string, fields: Record<string, string>): Promise<{ page: string; location: string | null; status: number }> {
    const requestId = page.match(/name="request" value="([^"]+)"/)?.[1] ?? '';
    const action = page.match(/<form method="post" action="([^"]+)"/)?.[1] ?? '';
    const res = await fetch(new URL(action.replace(/&#38;/g, '&'), url), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: requestId, ...fields }).toString(),
    });
    return { page: await res.text(), location: res.headers.get('location'), status: res.status };
  }

  async function signIn(url: string, login: string, password: string): Promise<{ page: string; location: string | null; status: number }> {
    const page = await (await fetch(url)).text();
    return postForm(url, page, { login, password, decision: 'accept' });
  }

  async function authorizeUrl(tenant: string, state: string): Promise<{ url: string; verifier: string }> {
    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = await msalFor(tenant).getAuthCodeUrl({ scopes: METADATA_SCOPES, redirectUri: REDIRECT, state, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    return { url, verifier: pkce.verifier };
  }

  const params = (location: string | null): URLSearchParams => new URL(location ?? 'http://missing').searchParams;

  it('reports and changes the user consent policy; reset restores "allowed"', async () => {
    expect((await controlFetch(sb, 'GET', '/entra/policy')).json).to.deep.equal({ userConsent: 'allowed' });
    expect((await controlFetch(sb, 'POST', '/entra/policy', { userConsent: 'admin_only' })).json).to.deep.equal({ userConsent: 'admin_only' });
    expect((await controlFetch(sb, 'POST', '/entra/policy', { userConsent: 'sometimes' })).status).to.equal(400);
    await controlFetch(sb, 'POST', '/reset');
    expect((await controlFetch(sb, 'GET', '/entra/policy')).json).to.deep.equal({ userConsent: 'allowed' });
  });

  it('under admin_only shows a user "Need admin approval"; returning to the app is access_denied with AADSTS90094; admins still consent', async () => {
    await controlFetch(sb, 'POST', '/entra/policy', { userConsent: 'admin_only' });
    const { url } = await authorizeUrl('organizations', 'st-approval');
    const approval = await signIn(url, 'alice@contoso.test', 'alice-pass');
    expect(approval.location).to.equal(null);
    expect(approval.page).to.contain('Need admin approval');
    expect(approval.page).to.contain('Return to the application without granting consent');
    const back = await postForm(url, approval.page, { decision: 'cancel' });
    expect(back.status).to.equal(302);
    expect(params(back.location).get('error')).to.equal('access_denied');
    expect(params(back.location).get('error_description')).to.match(/^AADSTS90094: .*admin/);
    expect(params(back.location).get('state')).to.equal('st-approval');

    const { url: adminUrl, verifier } = await authorizeUrl('organizations', 'st-admin');
    const admin = await signIn(adminUrl, 'admin@contoso.test', 'admin-pass');
    const code = params(admin.location).get('code');
    expect(code, admin.page).to.be.a('string');
    const result = await msalFor('organizations').acquireTokenByCode({ code: code as string, scopes: METADATA_SCOPES, redirectUri: REDIRECT, codeVerifier: verifier });
    expect(result.scopes).to.include.members(['Mail.ReadBasic', 'Calendars.ReadBasic']);
  });

  it('grants delegated permissions tenant-wide through adminconsent, so users are not asked even under admin_only', async () => {
    for (const tenant of [sb.world.microsoft.tenantDomain, 'common']) {
      const consentUrl = `${authorityFor(tenant)}/v2.0/adminconsent?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=${encodeURIComponent(METADATA_SCOPES.join(' '))}&state=ac-${tenant}`;
      const refused = await signIn(consentUrl, 'bob@contoso.test', 'bob-pass');
      expect(refused.location).to.equal(null);
      expect(refused.page).to.contain('AADSTS90094');
    }
    const consentUrl = `${authorityFor('organizations')}/v2.0/adminconsent?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=${encodeURIComponent(METADATA_SCOPES.join(' '))}&state=ac-1`;
    const granted = await signIn(consentUrl, 'admin@contoso.test', 'admin-pass');
    expect(Object.fromEntries(params(granted.location))).to.deep.equal({
      admin_consent: 'True', tenant: sb.world.microsoft.tenantId, scope: METADATA_SCOPES.join(' '), state: 'ac-1',
    });
    // Delegated admin consent grants no app roles.
    const appOnly = await msalFor(sb.world.microsoft.tenantId).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(decodeJwt(appOnly?.accessToken ?? '').roles).to.deep.equal([]);

    await controlFetch(sb, 'POST', '/entra/policy', { userConsent: 'admin_only' });
    const { url, verifier } = await authorizeUrl('organizations', 'st-dana');
    const dana = await signIn(url, 'dana@contoso.test', 'dana-pass');
    const code = params(dana.location).get('code');
    expect(code, dana.page).to.be.a('string');
    const result = await msalFor('organizations').acquireTokenByCode({ code: code as string, scopes: METADATA_SCOPES, redirectUri: REDIRECT, codeVerifier: verifier });
    const claims = decodeJwt(result.accessToken);
    expect(String(claims.scp).split(' ')).to.include.members(['Mail.ReadBasic', 'Calendars.ReadBasic']);
    // Permissions beyond the tenant-wide grant still need an admin.
    const pkce = await new CryptoProvider().generatePkceCodes();
    const more = await msalFor('organizations').getAuthCodeUrl({ scopes: [...METADATA_SCOPES, 'https://graph.microsoft.com/Mail.Read'], redirectUri: REDIRECT, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    expect((await signIn(more, 'dana@contoso.test', 'dana-pass')).page).to.contain('Need admin approval');
  });

  it('keeps the .default admin consent granting the app roles', async () => {
    const consentUrl = `${authorityFor(sb.world.microsoft.tenantId)}/v2.0/adminconsent?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=${encodeURIComponent('https://graph.microsoft.com/.default')}&state=ac-2`;
    const granted = await signIn(consentUrl, 'admin@contoso.test', 'admin-pass');
    expect(params(granted.location).get('scope')).to.equal('https://graph.microsoft.com/.default');
    const appOnly = await msalFor(sb.world.microsoft.tenantId).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(decodeJwt(appOnly?.accessToken ?? '').roles).to.include.members(['Mail.Read', 'Mail.Send']);
  });

  it('refuses a personal account through /organizations (AADSTS50020, no redirect) and signs it in through /common in the consumers tenant', async () => {
    const pat = sb.world.microsoft.users.find((u) => u.upn === 'pat@outlook.test');
    expect(pat).to.include({ displayName: 'Pat Personal', personal: true });
    expect(sb.world.microsoft.consumersTenantId).to.equal(CONSUMERS);

    const { url: orgUrl } = await authorizeUrl('organizations', 'st-org');
    const refused = await signIn(orgUrl, 'pat@outlook.test', 'pat-pass');
    expect(refused.location).to.equal(null);
    expect(refused.page).to.contain("AADSTS50020: You can&#39;t sign in here with a personal account. Use your work or school account instead.");

    const scopes = ['openid', 'profile', 'offline_access', ...METADATA_SCOPES];
    await controlFetch(sb, 'POST', '/entra/policy', { userConsent: 'admin_only' });
    const pkce = await new CryptoProvider().generatePkceCodes();
    const commonUrl = await msalFor('common').getAuthCodeUrl({ scopes, redirectUri: REDIRECT, state: 'st-common', codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    const ok = await signIn(commonUrl, 'pat@outlook.test', 'pat-pass');
    const code = params(ok.location).get('code');
    expect(code, ok.page).to.be.a('string');
    const result = await msalFor('common').acquireTokenByCode({ code: code as string, scopes, redirectUri: REDIRECT, codeVerifier: pkce.verifier });
    expect(result.idTokenClaims).to.include({ tid: CONSUMERS, preferred_username: 'pat@outlook.test', name: 'Pat Personal' });
    const meta = await (await fetch(`${authorityFor('common')}/v2.0/.well-known/openid-configuration`)).json() as { issuer: string };
    expect(decodeJwt(result.idToken).iss).to.equal(meta.issuer.replace('{tenantid}', CONSUMERS));

    const me = await fetch(`${sb.world.microsoft.graphBaseUrl}/v1.0/me/mailFolders/inbox`, { headers: { authorization: `Bearer ${result.accessToken}` } });
    expect(me.status).to.equal(200);
    expect(((await me.json()) as { displayName: string }).displayName).to.equal('Inbox');
  });
});
