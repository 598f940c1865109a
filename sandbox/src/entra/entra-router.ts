// Microsoft Entra ID (v2.0 endpoints) stand-in: metadata, JWKS, instance discovery, authorize with a
// sign-in + consent page, token (authorization_code + PKCE, refresh_token with rotation,
// client_credentials) and admin consent, with errors in Entra's JSON shape.
import crypto from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { World } from '../world/world.js';
import type { EntraApp, TenantUser } from '../world/seed.js';
import { CONSUMERS_TENANT_ID, GRAPH_RESOURCE } from '../world/seed.js';
import type { Faults } from '../http/faults.js';
import type { TokenService } from './tokens.js';
import type { Grants } from './grants.js';
import { ADMIN_CONSENT_REQUIRED, GRAPH_APP_ROLES, ScopeError, fullScope, parseScopes, responseScope, type ParsedScopes } from './scopes.js';
import { adminApprovalPage, errorPage, signInAndConsentPage } from './pages.js';

interface PendingRequest {
  kind: 'authorize' | 'adminconsent';
  tenant: string;
  app: EntraApp;
  redirectUri: string;
  state: string | undefined;
  responseMode: 'query' | 'form_post';
  scopes: ParsedScopes;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  nonce: string | undefined;
  loginHint: string | undefined;
  expiresAt: number;
  /** Admin consent for delegated permissions (the `scope` asked for), instead of the app's roles. */
  delegatedScope?: string;
  /** The "Need admin approval" page was shown: leaving it is AADSTS90094, not a declined consent. */
  adminApprovalShown?: boolean;
}

const PENDING_LIFETIME_MS = 30 * 60 * 1000;

export interface EntraRouterOptions {
  world: World;
  tokens: TokenService;
  grants: Grants;
  faults: Faults;
  baseUrl: () => string;
  logger: Logger;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Entra ignores the port (and we also the path) of loopback redirect URIs; others must be registered. */
function redirectAllowed(app: EntraApp, uri: string): boolean {
  if (app.redirectUris.includes(uri)) return true;
  try {
    const u = new URL(uri);
    return ['http:', 'https:'].includes(u.protocol) && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

function describe(scopes: ParsedScopes, consentedFor: (perm: string) => boolean): string[] {
  const lines: string[] = [];
  if (scopes.oidc.has('openid') || scopes.oidc.has('profile')) lines.push('Sign you in and read your profile');
  if (scopes.oidc.has('offline_access')) lines.push('Maintain access to data you have given it access to');
  for (const p of scopes.permissions) {
    const admin = ADMIN_CONSENT_REQUIRED.has(p) ? ' (admin consent required)' : '';
    lines.push(`${p} — ${scopes.resource ?? GRAPH_RESOURCE}${consentedFor(p) ? ' (already granted)' : ''}${admin}`);
  }
  return lines;
}

export function createEntraRouter(o: EntraRouterOptions): express.Router {
  const { world, tokens, grants, logger } = o;
  const router = express.Router();
  const pending = new Map<string, PendingRequest>();
  world.onReset(() => pending.clear());

  const tenantIds = (): string[] => [world.tenant.id, world.tenant.domain, 'common', 'organizations', 'consumers', CONSUMERS_TENANT_ID];
  const isConsumers = (tenant: string): boolean => ['consumers', CONSUMERS_TENANT_ID].includes(tenant.toLowerCase());
  /** Personal accounts sign in through /common and /consumers; work accounts anywhere but /consumers. */
  const accountAllowed = (tenant: string, user: TenantUser): boolean =>
    user.personal ? tenant.toLowerCase() === 'common' || isConsumers(tenant) : !isConsumers(tenant);
  const authorityBase = (tenant: string): string => `${o.baseUrl()}/${tenant}`;

  function entraError(res: Response, status: number, error: string, code: number, description: string, extra: Record<string, unknown> = {}): void {
    const trace = crypto.randomUUID();
    const correlation = crypto.randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    res.status(status).json({
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
      error_codes: [code], timestamp, trace_id: trace, correlation_id: correlation,
      error_uri: `${o.baseUrl()}/error?code=${code}`, ...extra,
    });
  }

  /** Sends the browser back to the app: query string by default, auto-posting form for form_post. */
  function redirectBack(res: Response, p: Pick<PendingRequest, 'redirectUri' | 'responseMode' | 'state'>, params: Record<string, string>): void {
    const all = { ...params, ...(p.state !== undefined ? { state: p.state } : {}) };
    if (p.responseMode === 'form_post') {
      const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      const inputs = Object.entries(all).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
      res.type('html').send(`<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${esc(p.redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`);
      return;
    }
    const url = new URL(p.redirectUri);
    for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
    res.redirect(302, url.toString());
  }

  router.use(o.faults.middleware());
  router.use(express.urlencoded({ extended: false }));

  router.param('tenant', (req, res, next, tenant: string) => {
    if (tenantIds().includes(tenant.toLowerCase())) return next();
    if (req.path.includes('/oauth2/') && req.method === 'POST') {
      return entraError(res, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    res.status(400).type('html').send(errorPage('AADSTS90002', `Tenant '${tenant}' not found.`));
  });

  // ---- metadata ---------------------------------------------------------------------------------
  router.get('/:tenant/v2.0/.well-known/openid-configuration', (req, res) => {
    const tenant = req.params.tenant;
    const specific = tenant === 'common' || tenant === 'organizations' ? '{tenantid}' : isConsumers(tenant) ? CONSUMERS_TENANT_ID : world.tenant.id;
    const base = authorityBase(tenant);
    res.json({
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${o.baseUrl()}/${specific}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${o.baseUrl()}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: new URL(o.baseUrl()).host,
      cloud_graph_host_name: new URL(o.baseUrl()).host,
      msgraph_host: new URL(o.baseUrl()).host,
      rbac_url: o.baseUrl(),
    });
  });

  router.get(['/:tenant/discovery/v2.0/keys', '/:tenant/discovery/keys'], (_req, res) => {
    res.json({ keys: [tokens.jwk] });
  });

  // MSAL asks this before anything else unless the authority is in knownAuthorities.
  router.get('/:tenant/discovery/instance', (_req, res) => {
    const host = new URL(o.baseUrl()).host;
    res.json({
      tenant_discovery_endpoint: `${o.baseUrl()}/{tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  });

  // ---- authorize --------------------------------------------------------------------------------
  function startInteraction(req: Request, res: Response, kind: PendingRequest['kind']): void {
    const q = req.query as Record<string, unknown>;
    const app = world.findApp(str(q.client_id) ?? '');
    if (!app) {
      res.status(400).type('html').send(errorPage('AADSTS700016', `Application with identifier '${str(q.client_id) ?? ''}' was not found in the directory '${world.tenant.domain}'.`));
      return;
    }
    const redirectUri = str(q.redirect_uri) ?? '';
    if (!redirectAllowed(app, redirectUri)) {
      res.status(400).type('html').send(errorPage('AADSTS50011', `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`));
      return;
    }
    const responseMode = str(q.response_mode) === 'form_post' ? 'form_post' : 'query';
    const back = { redirectUri, responseMode, state: str(q.state) } as const;
    let scopes: ParsedScopes;
    let delegatedScope: string | undefined;
    if (kind === 'adminconsent') {
      // Named delegated permissions are granted for every user; `.default` (or none) grants the app's roles.
      let asked: ParsedScopes | null = null;
      try {
        asked = parseScopes(str(q.scope) ?? '');
      } catch (err) {
        if (!(err instanceof ScopeError)) throw err;
        return redirectBack(res, back, { error: 'invalid_scope', error_description: `AADSTS${err.code}: ${err.message}` });
      }
      const named = asked.permissions.filter((p) => p !== '.default');
      if (named.length) {
        scopes = { ...asked, permissions: named };
        delegatedScope = str(q.scope);
      } else {
        scopes = { oidc: new Set(), resource: GRAPH_RESOURCE, permissions: [...app.requiredRoles] };
      }
    } else {
      if (str(q.response_type) !== 'code') {
        return redirectBack(res, back, { error: 'unsupported_response_type', error_description: 'AADSTS700054: response_type is not enabled for the application.' });
      }
      try {
        scopes = parseScopes(str(q.scope) ?? '');
      } catch (err) {
        if (!(err instanceof ScopeError)) throw err;
        return redirectBack(res, back, { error: 'invalid_scope', error_description: `AADSTS${err.code}: ${err.message}` });
      }
      const method = str(q.code_challenge_method);
      if (str(q.code_challenge) && method && !['S256', 'plain'].includes(method)) {
        return redirectBack(res, back, { error: 'invalid_request', error_description: 'AADSTS501491: Invalid code_challenge_method.' });
      }
    }
    const request: PendingRequest = {
      kind, tenant: String(req.params.tenant), app, ...back, scopes,
      codeChallenge: str(q.code_challenge) ?? null,
      codeChallengeMethod: str(q.code_challenge) ? (str(q.code_challenge_method) ?? 'plain') : null,
      nonce: str(q.nonce), loginHint: str(q.login_hint), expiresAt: Date.now() + PENDING_LIFETIME_MS, delegatedScope,
    };

    if (kind === 'authorize' && str(q.prompt) === 'none') {
      const user = request.loginHint ? world.findUser(request.loginHint) : undefined;
      if (!user) return redirectBack(res, back, { error: 'login_required', error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.' });
      if (missingConsent(user, request).length) {
        return redirectBack(res, back, { error: 'consent_required', error_description: `AADSTS65001: The user or administrator has not consented to use the application with ID '${app.clientId}'.` });
      }
      return completeAuthorize(res, request, user);
    }
    const id = crypto.randomBytes(16).toString('base64url');
    pending.set(id, request);
    renderSignIn(res, req.baseUrl + req.path, id, request);
  }

  function missingConsent(user: TenantUser, r: PendingRequest): string[] {
    const granted = world.consentedScopes(user.id, r.app.clientId);
    const resource = r.scopes.resource ?? GRAPH_RESOURCE;
    return r.scopes.permissions.filter((p) => p !== '.default' && !granted.has(fullScope(resource, p)));
  }

  function renderSignIn(res: Response, action: string, id: string, r: PendingRequest, error?: string): void {
    const permissions = r.kind === 'authorize' ? describe(r.scopes, () => false)
      : r.delegatedScope ? r.scopes.permissions.map((p) => `Delegated permission: ${p} — ${r.scopes.resource ?? GRAPH_RESOURCE} (on behalf of every user in your organization)`)
        : r.app.requiredRoles.map((role) => `Application permission: ${role} — ${GRAPH_RESOURCE} (for all users, without a signed-in user)`);
    res.status(error ? 400 : 200).type('html').send(signInAndConsentPage({
      action, requestId: id, appName: r.app.displayName, users: world.users, loginHint: r.loginHint, permissions, error,
      heading: r.kind === 'adminconsent' ? 'Permissions requested — accept for your organization' : 'Sign in and accept permissions',
    }));
  }

  function completeAuthorize(res: Response, r: PendingRequest, user: TenantUser): void {
    const resource = r.scopes.resource ?? GRAPH_RESOURCE;
    const permissions = r.scopes.permissions.includes('.default')
      ? [...world.consentedScopes(user.id, r.app.clientId)].filter((s) => s.startsWith(`${resource}/`)).map((s) => s.slice(resource.length + 1))
      : r.scopes.permissions;
    const code = grants.issueCode({
      clientId: r.app.clientId, redirectUri: r.redirectUri, userId: user.id, resource,
      permissions: permissions.length ? permissions : ['User.Read'], oidc: r.scopes.oidc,
      codeChallenge: r.codeChallenge, codeChallengeMethod: r.codeChallengeMethod, nonce: r.nonce,
    });
    redirectBack(res, r, { code, client_info: clientInfo(user), session_state: crypto.randomUUID() });
  }

  const clientInfo = (user: TenantUser): string => Buffer.from(JSON.stringify({ uid: user.id, utid: tokens.tenantOf(user) })).toString('base64url');

  function interactionPost(req: Request, res: Response): void {
    const body = req.body as Record<string, unknown>;
    const id = str(body.request) ?? '';
    const r = pending.get(id);
    if (!r || r.expiresAt < Date.now()) {
      res.status(400).type('html').send(errorPage('AADSTS90014', 'The sign-in request has expired or is unknown. Start again from the application.'));
      return;
    }
    if (str(body.decision) !== 'accept') {
      pending.delete(id);
      if (r.adminApprovalShown) {
        return redirectBack(res, r, { error: 'access_denied', error_description: `AADSTS90094: The grant requires admin permission. An administrator of ${world.tenant.displayName} must grant ${r.app.displayName} these permissions.` });
      }
      return redirectBack(res, r, { error: 'access_denied', error_subcode: 'cancel', error_description: 'AADSTS65004: User declined to consent to access the app.' });
    }
    const user = world.findUser(str(body.login) ?? '');
    if (!user || str(body.password) !== user.password) {
      return renderSignIn(res, req.baseUrl + req.path, id, r, 'AADSTS50126: Error validating credentials due to invalid username or password.');
    }
    if (!accountAllowed(r.tenant, user)) {
      return renderSignIn(res, req.baseUrl + req.path, id, r, user.personal
        ? "AADSTS50020: You can't sign in here with a personal account. Use your work or school account instead."
        : `AADSTS50020: User account '${user.upn}' from identity provider '${world.tenant.domain}' does not exist in tenant 'Microsoft Services' and cannot access the application in that tenant.`);
    }
    if (r.kind === 'adminconsent' && r.delegatedScope) {
      if (!user.isAdmin) return renderSignIn(res, req.baseUrl + req.path, id, r, `AADSTS90094: ${user.upn} is not an administrator. An administrator of ${world.tenant.displayName} must grant these permissions.`);
      pending.delete(id);
      const resource = r.scopes.resource ?? GRAPH_RESOURCE;
      world.grantTenantWide(r.app.clientId, r.scopes.permissions.map((p) => fullScope(resource, p)));
      logger.info({ clientId: r.app.clientId, permissions: r.scopes.permissions }, 'tenant-wide delegated consent granted');
      return redirectBack(res, r, { admin_consent: 'True', tenant: world.tenant.id, scope: r.delegatedScope });
    }
    if (r.kind === 'adminconsent') {
      if (!user.isAdmin) return renderSignIn(res, req.baseUrl + req.path, id, r, `AADSTS90094: ${user.upn} is not an administrator. An administrator of ${world.tenant.displayName} must grant these permissions.`);
      pending.delete(id);
      for (const role of r.app.requiredRoles) world.setAppRole(r.app.clientId, role, true);
      logger.info({ clientId: r.app.clientId, roles: r.app.requiredRoles }, 'admin consent granted');
      return redirectBack(res, r, { admin_consent: 'True', tenant: world.tenant.id, scope: `${GRAPH_RESOURCE}/.default` });
    }
    const missing = missingConsent(user, r);
    // Under "admin_only" user consent, every permission not yet granted tenant-wide needs an admin (personal accounts are outside the policy).
    const adminOnly = world.userConsent === 'admin_only' && !user.personal;
    const needsAdmin = missing.filter((p) => adminOnly || ADMIN_CONSENT_REQUIRED.has(p));
    if (needsAdmin.length && !user.isAdmin) {
      r.adminApprovalShown = true;
      res.type('html').send(adminApprovalPage({ action: req.baseUrl + req.path, requestId: id, appName: r.app.displayName, permissions: needsAdmin }));
      return;
    }
    pending.delete(id);
    world.grantConsent(user.id, r.app.clientId, missing.map((p) => fullScope(r.scopes.resource ?? GRAPH_RESOURCE, p)));
    completeAuthorize(res, r, user);
  }

  router.get('/:tenant/oauth2/v2.0/authorize', (req, res) => startInteraction(req, res, 'authorize'));
  router.post('/:tenant/oauth2/v2.0/authorize', interactionPost);
  router.get(['/:tenant/adminconsent', '/:tenant/v2.0/adminconsent'], (req, res) => startInteraction(req, res, 'adminconsent'));
  router.post(['/:tenant/adminconsent', '/:tenant/v2.0/adminconsent'], interactionPost);

  router.get('/:tenant/oauth2/v2.0/logout', (req, res) => {
    const target = str(req.query.post_logout_redirect_uri);
    if (target) return res.redirect(302, target);
    res.type('html').send(errorPage('Signed out', 'You signed out of your account.'));
  });

  // ---- token ------------------------------------------------------------------------------------
  function authenticateClient(req: Request, res: Response): EntraApp | undefined {
    const body = req.body as Record<string, unknown>;
    let clientId = str(body.client_id);
    let secret = str(body.client_secret);
    const basic = req.headers.authorization?.match(/^Basic (.+)$/i);
    if (basic?.[1]) {
      const [id, pass] = Buffer.from(basic[1], 'base64').toString().split(':');
      clientId = decodeURIComponent(id ?? '');
      secret = decodeURIComponent(pass ?? '');
    }
    const app = world.findApp(clientId ?? '');
    if (!app) {
      entraError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId ?? ''}' was not found in the directory '${world.tenant.domain}'.`);
      return undefined;
    }
    if (secret !== app.clientSecret) {
      entraError(res, 401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
      return undefined;
    }
    return app;
  }

  async function userTokenResponse(res: Response, app: EntraApp, user: TenantUser, resource: string, permissions: string[], oidc: Set<string>, nonce?: string): Promise<void> {
    const lifetime = world.tokenLifetimeSeconds;
    const accessToken = await tokens.issueAccessToken({ audience: resource, clientId: app.clientId, user, scopes: permissions });
    res.json({
      token_type: 'Bearer',
      scope: responseScope(resource, permissions, oidc),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
      ...(oidc.has('offline_access') ? { refresh_token: grants.issueRefreshToken(app.clientId, user.id) } : {}),
      ...(oidc.has('openid') ? { id_token: await tokens.issueIdToken(user, app.clientId, nonce) } : {}),
      client_info: clientInfo(user),
    });
  }

  router.post('/:tenant/oauth2/v2.0/token', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const app = authenticateClient(req, res);
    if (!app) return;
    const grantType = str(body.grant_type);

    if (grantType === 'authorization_code') {
      const code = grants.redeemCode(str(body.code) ?? '');
      if (code === 'unknown') return entraError(res, 400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed or is not valid, please retry with a new valid code.');
      if (code === 'expired') return entraError(res, 400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
      if (code.clientId !== app.clientId) return entraError(res, 400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
      if (code.redirectUri !== str(body.redirect_uri)) return entraError(res, 400, 'invalid_grant', 50148, 'The redirect_uri specified in the token request does not match the one in the authorization request.');
      if (code.codeChallenge) {
        const verifier = str(body.code_verifier) ?? '';
        const computed = code.codeChallengeMethod === 'S256' ? crypto.createHash('sha256').update(verifier).digest('base64url') : verifier;
        if (computed !== code.codeChallenge) return entraError(res, 400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
      const user = world.findUser(code.userId);
      if (!user) return entraError(res, 400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
      return userTokenResponse(res, app, user, code.resource, code.permissions, code.oidc, code.nonce);
    }

    if (grantType === 'refresh_token') {
      const grant = grants.redeemRefreshToken(str(body.refresh_token) ?? '');
      if (grant === 'unknown') return entraError(res, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
      if (grant === 'revoked' || grant === 'rotated') {
        return entraError(res, 400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.', { suberror: 'bad_token' });
      }
      if (grant === 'expired') return entraError(res, 400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity.', { suberror: 'bad_token' });
      if (grant.clientId !== app.clientId) return entraError(res, 400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
      const user = world.findUser(grant.userId);
      if (!user) return entraError(res, 400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
      let scopes: ParsedScopes;
      try {
        scopes = parseScopes(str(body.scope) ?? 'openid profile offline_access');
      } catch (err) {
        if (!(err instanceof ScopeError)) throw err;
        return entraError(res, 400, 'invalid_scope', err.code, err.message);
      }
      const resource = scopes.resource ?? GRAPH_RESOURCE;
      const granted = world.consentedScopes(user.id, app.clientId);
      const permissions = scopes.permissions.includes('.default')
        ? [...granted].filter((s) => s.startsWith(`${resource}/`)).map((s) => s.slice(resource.length + 1))
        : scopes.permissions.length ? scopes.permissions : ['User.Read'];
      const missing = permissions.filter((p) => !granted.has(fullScope(resource, p)) && !(p === 'User.Read' && scopes.permissions.length === 0));
      if (missing.length) {
        return entraError(res, 400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${app.clientId}' named '${app.displayName}'. Send an interactive authorization request for this user and resource.`, { suberror: 'consent_required' });
      }
      // Refreshing always yields a successor refresh token, even if the caller did not ask for offline_access again.
      return userTokenResponse(res, app, user, resource, permissions, new Set([...scopes.oidc, 'offline_access']));
    }

    if (grantType === 'client_credentials') {
      const scope = str(body.scope) ?? '';
      const match = scope.match(/^(\S+)\/\.default$/);
      if (!match?.[1]) {
        return entraError(res, 400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
      }
      const resource = match[1];
      const roles = resource === GRAPH_RESOURCE ? [...world.appRoles(app.clientId)].filter((r) => GRAPH_APP_ROLES.has(r)) : [];
      const lifetime = world.tokenLifetimeSeconds;
      return res.json({
        token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime,
        access_token: await tokens.issueAccessToken({ audience: resource, clientId: app.clientId, roles }),
      });
    }

    entraError(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'.`);
  });

  return router;
}
