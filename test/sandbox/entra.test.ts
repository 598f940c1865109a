// msal-node's ConfidentialClientApplication against the Entra ID stand-in through its normal code path
// (https authority + knownAuthorities, CA trusted via NODE_EXTRA_CA_CERTS); the consent page is
// driven with plain form posts.
import { expect } from 'chai';
import { ConfidentialClientApplication, CryptoProvider, type AuthenticationResult } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { controlFetch, startTestSandbox, type TestSandbox } from './helpers.js';

const REDIRECT = 'http://localhost:3000/microsoft_shared/callback';
const GRAPH_SCOPES = ['User.Read', 'Mail.ReadWrite.Shared', 'Mail.Send.Shared'];

describe('sandbox: Entra ID with msal-node', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let msal: ConfidentialClientApplication;
  let app: TestSandbox['world']['microsoft']['apps'][number];
  before(async () => {
    sb = await startTestSandbox();
    app = sb.world.microsoft.apps[0] as typeof app;
    msal = newClient(app.clientSecret);
  });
  after(async () => { await sb?.close(); });

  function newClient(secret: string): ConfidentialClientApplication {
    return new ConfidentialClientApplication({
      auth: { clientId: app.clientId, clientSecret: secret, authority: sb.world.microsoft.authority, knownAuthorities: [sb.world.microsoft.authorityHost] },
    });
  }

  /** Opens the authorize URL, posts the sign-in + consent form, returns the redirect Location. */
  async function consent(url: string, login: string, password: string, decision = 'accept'): Promise<{ page: string; location: string | null; status: number }> {
    const pageRes = await fetch(url);
    const page = await pageRes.text();
    const requestId = page.match(/name="request" value="([^"]+)"/)?.[1];
    const action = page.match(/<form method="post" action="([^"]+)"/)?.[1];
    if (!requestId || !action) return { page, location: null, status: pageRes.status };
    const post = await fetch(new URL(action.replace(/&#38;/g, '&'), url), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: requestId, login, password, decision }).toString(),
    });
    return { page: `${page}\n${await post.text()}`, location: post.headers.get('location'), status: post.status };
  }

  async function signIn(user: string, password: string, scopes = GRAPH_SCOPES): Promise<AuthenticationResult> {
    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = await msal.getAuthCodeUrl({ scopes, redirectUri: REDIRECT, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', state: 'st-1', loginHint: user });
    const { location } = await consent(url, user, password);
    const redirect = new URL(location ?? 'http://missing');
    expect(redirect.searchParams.get('state')).to.equal('st-1');
    const code = redirect.searchParams.get('code');
    expect(code, `no code in ${location}`).to.be.a('string');
    return msal.acquireTokenByCode({ code: code as string, scopes, redirectUri: REDIRECT, codeVerifier: pkce.verifier });
  }

  it('serves OpenID metadata and JWKS that verify the tokens it issues', async () => {
    const meta = await (await fetch(`${sb.world.microsoft.authority}/v2.0/.well-known/openid-configuration`)).json() as Record<string, string>;
    expect(meta.issuer).to.equal(`${sb.world.microsoft.authority}/v2.0`);
    const jwks = await (await fetch(meta.jwks_uri as string)).json() as { keys: { kty: string; kid: string }[] };
    expect(jwks.keys[0]).to.include({ kty: 'RSA' });
  });

  it('lists the requested permissions on the consent page, then code + PKCE yields RS256 tokens with the right claims', async () => {
    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = await msal.getAuthCodeUrl({ scopes: GRAPH_SCOPES, redirectUri: REDIRECT, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    const page = await (await fetch(url)).text();
    for (const s of GRAPH_SCOPES) expect(page).to.contain(s);
    expect(page).to.match(/alice@contoso\.test/).and.match(/dana@contoso\.test/).and.match(/bob@contoso\.test/);

    const result = await signIn('alice@contoso.test', 'alice-pass');
    const claims = decodeJwt(result.accessToken);
    expect(claims).to.include({ aud: 'https://graph.microsoft.com', tid: sb.world.microsoft.tenantId, upn: 'alice@contoso.test', preferred_username: 'alice@contoso.test' });
    expect(String(claims.scp).split(' ')).to.include.members(GRAPH_SCOPES);
    expect(result.account?.username).to.equal('alice@contoso.test');
    expect(result.idTokenClaims).to.include({ aud: app.clientId, preferred_username: 'alice@contoso.test' });
  });

  it('refreshes (rotating the refresh token), refuses a reused one and a revoked one with invalid_grant', async () => {
    const signedIn = await signIn('dana@contoso.test', 'dana-pass');
    const refreshTokenOf = (): string => {
      const cache = JSON.parse(msal.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string; home_account_id: string }> };
      return Object.values(cache.RefreshToken).find((t) => t.home_account_id === signedIn.account?.homeAccountId)?.secret as string;
    };
    const first = refreshTokenOf();
    const silent = await msal.acquireTokenSilent({ account: signedIn.account as never, scopes: GRAPH_SCOPES, forceRefresh: true });
    expect(decodeJwt(silent.accessToken).upn).to.equal('dana@contoso.test');
    expect(refreshTokenOf(), 'refresh token must rotate').to.not.equal(first);

    const reuse = await newClient(app.clientSecret).acquireTokenByRefreshToken({ refreshToken: first, scopes: GRAPH_SCOPES }).then(() => null, (e: { errorCode?: string }) => e);
    expect(reuse?.errorCode).to.equal('invalid_grant');

    const byRefreshToken = await newClient(app.clientSecret).acquireTokenByRefreshToken({ refreshToken: refreshTokenOf(), scopes: GRAPH_SCOPES });
    expect(decodeJwt(byRefreshToken?.accessToken ?? '').upn).to.equal('dana@contoso.test');

    const revoked = await controlFetch(sb, 'POST', '/tokens/revoke', { user: 'dana@contoso.test' });
    expect((revoked.json as { revoked: number }).revoked).to.be.greaterThan(0);
    const afterRevoke = await msal.acquireTokenSilent({ account: signedIn.account as never, scopes: GRAPH_SCOPES, forceRefresh: true })
      .then(() => null, (e: { errorCode?: string }) => e);
    expect(afterRevoke?.errorCode).to.equal('invalid_grant');
  });

  it('answers consent_required when refreshing for scopes the user never consented to', async () => {
    await signIn('bob@contoso.test', 'bob-pass', ['User.Read']);
    const account = (await msal.getTokenCache().getAllAccounts()).find((a) => a.username === 'bob@contoso.test');
    const err = await msal.acquireTokenSilent({ account: account as never, scopes: ['Mail.Send'], forceRefresh: true }).then(() => null, (e: { errorCode?: string; subError?: string }) => e);
    expect(err?.errorCode).to.equal('invalid_grant');
    expect(err?.subError).to.equal('consent_required');
  });

  it('issues app-only tokens by client credentials: no roles before admin consent, roles after', async () => {
    const before = await msal.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(decodeJwt(before?.accessToken ?? '').roles).to.deep.equal([]);

    const redirect = 'http://localhost:3000/microsoft_shared/admin_consent';
    const url = `${sb.world.microsoft.adminConsentUrl}?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(redirect)}&state=ac-1&scope=${encodeURIComponent('https://graph.microsoft.com/.default')}`;
    const notAdmin = await consent(url, 'alice@contoso.test', 'alice-pass');
    expect(notAdmin.location).to.equal(null);
    expect(notAdmin.page).to.contain('AADSTS90094');
    const asAdmin = await consent(url, 'admin@contoso.test', 'admin-pass');
    const back = new URL(asAdmin.location ?? 'http://missing');
    expect(back.searchParams.get('admin_consent')).to.equal('True');
    expect(back.searchParams.get('state')).to.equal('ac-1');

    const after = await newClient(app.clientSecret).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    const claims = decodeJwt(after?.accessToken ?? '');
    expect(claims.roles).to.include.members(['Mail.Read', 'Mail.Send']);
    expect(claims.upn).to.equal(undefined);
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const err = await newClient('wrong').acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }).then(() => null, (e: { errorCode?: string }) => e);
    expect(err?.errorCode).to.equal('invalid_client');
  });

  it('shows "Need admin approval" for admin-only delegated permissions and returns access_denied on deny', async () => {
    const url = await msal.getAuthCodeUrl({ scopes: ['User.Read.All'], redirectUri: REDIRECT, state: 'st-2' });
    const approval = await consent(url, 'alice@contoso.test', 'alice-pass');
    expect(approval.page).to.contain('Need admin approval');
    const denied = await consent(url, 'alice@contoso.test', 'alice-pass', 'cancel');
    const back = new URL(denied.location ?? 'http://missing');
    expect(back.searchParams.get('error')).to.equal('access_denied');
    expect(back.searchParams.get('state')).to.equal('st-2');
  });

  it('refuses a code redeemed with the wrong PKCE verifier, and a code redeemed twice', async () => {
    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = await msal.getAuthCodeUrl({ scopes: ['User.Read'], redirectUri: REDIRECT, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    const code = new URL((await consent(url, 'alice@contoso.test', 'alice-pass')).location ?? 'http://missing').searchParams.get('code') as string;
    const wrong = await msal.acquireTokenByCode({ code, scopes: ['User.Read'], redirectUri: REDIRECT, codeVerifier: 'x'.repeat(43) }).then(() => null, (e: { errorCode?: string; errorMessage?: string }) => e);
    expect(wrong?.errorCode).to.equal('invalid_grant');
    const again = await msal.acquireTokenByCode({ code, scopes: ['User.Read'], redirectUri: REDIRECT, codeVerifier: pkce.verifier }).then(() => null, (e: { errorCode?: string }) => e);
    expect(again?.errorCode).to.equal('invalid_grant');
  });

  it('re-shows the sign-in page on a wrong password and refuses an unregistered redirect URI', async () => {
    const url = await msal.getAuthCodeUrl({ scopes: ['User.Read'], redirectUri: REDIRECT });
    const wrong = await consent(url, 'alice@contoso.test', 'nope');
    expect(wrong.location).to.equal(null);
    expect(wrong.page).to.contain('AADSTS50126');
    const foreign = await msal.getAuthCodeUrl({ scopes: ['User.Read'], redirectUri: 'https://evil.example/cb' });
    const res = await fetch(foreign);
    expect(res.status).to.equal(400);
    expect(await res.text()).to.contain('AADSTS50011');
  });
});
