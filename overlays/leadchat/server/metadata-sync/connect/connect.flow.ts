import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  AppError, emailAddress, OAuthGrantError, OAuthHandshake, parse, ValidationError, type AccountScope, type ExtensionContext, type OAuthTokens,
} from '../../../../../server/src/extensions/index.js';
import type { MsalApps } from '../../../../../server/src/extensions/index.js';
import type { Connection, MetadataSyncEngine } from '../contracts.js';
import { GoogleAccount, MicrosoftAccount, type Provider } from '../metadata-sync.model.js';
import { adminConsentUrl, tenantOfAddress } from './admin-consent.js';
import { asRow, providerLabel } from './connection-row.js';
import type { MetadataConnectionTokens } from './connection-tokens.js';
import { consentProblem, withoutTraceId, type ConsentProblem } from './consent-problems.js';
import type { GoogleConnectClient } from './google-connect.client.js';
import type { MicrosoftConnectClient } from './microsoft-connect.client.js';
import { CONSUMERS_TENANT_ID, isConsumerAddress, PERSONAL_ACCOUNT_MESSAGE } from './personal-accounts.js';
import { enabledFeatures, featuresSchema, scopesFor, type Features } from './scopes.js';

/** What the signed state carries from the authorization request to the callback. */
interface ConnectState {
  accountId: number;
  userId: number;
  provider: Provider;
  features: Features;
  scopes: string[];
  loginHint?: string;
}

const purpose = (provider: Provider) => `metadata_sync:${provider}`;

export interface ConnectFlowDeps {
  ctx: Pick<ExtensionContext, 'config' | 'redis' | 'models' | 'logger'>;
  apps: MsalApps;
  microsoft: MicrosoftConnectClient;
  google: GoogleConnectClient;
  tokens: Pick<MetadataConnectionTokens, 'columns'>;
  engine: Pick<MetadataSyncEngine, 'syncNow' | 'forget'>;
}

/**
 * Connecting a user's own Microsoft 365 or Google account for metadata sync. `start` validates the
 * features, refuses a personal Microsoft address up front, and returns the provider's authorization
 * URL for the union of the features already connected and the requested ones (incremental consent),
 * through the core's OAuth handshake (PKCE, single-use state bound to the starting browser, the
 * starter still a member of the account). `complete` (the public callback) turns provider errors into
 * a clear message (admin approval needed → with the admin-consent link), redeems the code, verifies
 * the id_token, refuses personal Microsoft accounts, then creates or updates the user's one
 * connection per provider and queues its first sync.
 */
const PENDING_CONSENT_SECONDS = 24 * 3600;

export class MetadataConnectFlow {
  private readonly handshake: OAuthHandshake;

  constructor(private readonly deps: ConnectFlowDeps) {
    this.handshake = new OAuthHandshake(deps.ctx);
  }

  redirectUri(provider: Provider): string {
    return `${this.frontend()}/integrations/${provider}/callback`;
  }

  /** Where Microsoft sends a tenant administrator after the admin-consent page. */
  adminConsentReturnUri(): string {
    return `${this.frontend()}/integrations/microsoft/admin_consent`;
  }

  homeUrl(): string {
    return `${this.frontend()}/app`;
  }

  /** The integrations page of an account, with query parameters. */
  integrationsPage(accountId: number, params: Record<string, string | undefined> = {}): string {
    const url = new URL(`${this.frontend()}/app/accounts/${accountId}/settings/integrations/metadata-sync`);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
    return url.toString();
  }

  /** The admin-consent link for the features' Graph permissions in a tenant. */
  /** The admin-consent link for a user whose last sign-in needed an administrator's approval, for a day. */
  async pendingAdminConsentUrl(accountId: number, userId: number): Promise<string | null> {
    const raw = await this.deps.ctx.redis.get(this.pendingConsentKey(accountId, userId));
    if (!raw) return null;
    const { features, tenant } = JSON.parse(raw) as { features: Features; tenant: string | null };
    return this.adminConsentUrl(accountId, features, tenant ?? undefined);
  }

  private pendingConsentKey(accountId: number, userId: number): string {
    return `${this.deps.ctx.config.REDIS_PREFIX}:metadata_sync:pending_admin_consent:${accountId}:${userId}`;
  }

  adminConsentUrl(accountId: number, features: Features, tenant?: string): string {
    return adminConsentUrl(this.deps.apps, { tenant, scopes: scopesFor('microsoft', features), redirectUri: this.adminConsentReturnUri(), accountId });
  }

  async start(req: Request, res: Response, scope: AccountScope, provider: Provider): Promise<string> {
    const client = this.deps[provider];
    const missing = client.missingConfig();
    if (missing.length) {
      throw new AppError(`${providerLabel(provider)} sign-in is not configured on this installation: set ${missing.join(' and ')}`, { status: 422, code: 'provider_not_configured' });
    }
    const params = parse(z.strictObject({ features: featuresSchema[provider], login_hint: emailAddress.optional() }), req.body);
    if (provider === 'microsoft' && params.login_hint && isConsumerAddress(params.login_hint)) {
      throw new ValidationError([{ path: 'login_hint', message: PERSONAL_ACCOUNT_MESSAGE }], PERSONAL_ACCOUNT_MESSAGE);
    }
    const existing = await this.existing(provider, scope.account.id, scope.user.id);
    const features = enabledFeatures({ ...existing?.features, ...enabledFeatures(params.features) });
    const scopes = [...new Set([...scopesFor(provider, features), ...(provider === 'microsoft' ? existing?.scopes ?? [] : [])])];
    const data: ConnectState = { accountId: scope.account.id, userId: scope.user.id, provider, features, scopes, loginHint: params.login_hint };
    const { state, nonce, codeChallenge } = await this.handshake.issue(req, res, purpose(provider), data);
    return client.authorizationUrl({ scopes, redirectUri: this.redirectUri(provider), state, nonce, codeChallenge, loginHint: params.login_hint });
  }

  /** The URL to send the browser to after the provider's redirect back; throws a 400 AppError for a refused handshake. */
  async complete(req: Request, provider: Provider): Promise<string> {
    const redeemed = await this.handshake.redeem<ConnectState>(req, purpose(provider), 'member');
    const { data, nonce } = redeemed;
    const back = (problem: ConsentProblem, extra: Record<string, string> = {}) =>
      this.integrationsPage(data.accountId, { provider, error: problem.code, message: problem.message, ...extra });

    if (redeemed.outcome === 'provider_error') {
      const problem = consentProblem(provider, redeemed.error, redeemed.description);
      if (problem.code !== 'admin_approval_required') return back(problem);
      const tenant = (await this.existing('microsoft', data.accountId, data.userId) as MicrosoftAccount | null)?.tenant_id ?? tenantOfAddress(data.loginHint);
      // The link for IT is kept here and served with the user's card: a link in the URL could be anyone's.
      await this.deps.ctx.redis.set(this.pendingConsentKey(data.accountId, data.userId), JSON.stringify({ features: data.features, tenant: tenant ?? null }), 'EX', PENDING_CONSENT_SECONDS);
      return back(problem);
    }
    if (redeemed.outcome === 'no_code') {
      return back({ code: 'sign_in_failed', message: `The ${providerLabel(provider)} sign-in returned no usable authorization code; start again.` });
    }
    try {
      const connection = provider === 'microsoft'
        ? await this.connectMicrosoft(data, redeemed.code, redeemed.codeVerifier, nonce)
        : await this.connectGoogle(data, redeemed.code, redeemed.codeVerifier, nonce);
      if ('code' in connection) return back(connection);
      await this.deps.engine.syncNow(connection);
      return this.integrationsPage(data.accountId, { connected: provider });
    } catch (err) {
      if (err instanceof OAuthGrantError) return back({ code: 'sign_in_failed', message: `${providerLabel(provider)} sign-in failed: ${withoutTraceId(err.message)}` });
      this.deps.ctx.logger.error({ err, accountId: data.accountId, provider }, 'metadata sync callback failed');
      return back({ code: 'server_error', message: `Connecting ${providerLabel(provider)} failed on our side; try again in a moment.` });
    }
  }

  private async connectMicrosoft(data: ConnectState, code: string, codeVerifier: string, nonce: string): Promise<Connection | ConsentProblem> {
    const { tokens, identity, scopes } = await this.deps.microsoft.exchangeCode({ code, scopes: data.scopes, redirectUri: this.redirectUri('microsoft'), codeVerifier, nonce });
    if (identity.tenantId === CONSUMERS_TENANT_ID) return { code: 'personal_account', message: PERSONAL_ACCOUNT_MESSAGE };
    return this.save(data, tokens, scopes, { email: identity.email, uid: identity.oid, tenantId: identity.tenantId });
  }

  private async connectGoogle(data: ConnectState, code: string, codeVerifier: string, nonce: string): Promise<Connection> {
    const { tokens, identity, scopes } = await this.deps.google.exchangeCode({ code, redirectUri: this.redirectUri('google'), codeVerifier, nonce });
    return this.save(data, tokens, scopes, { email: identity.email, uid: identity.sub });
  }

  /**
   * The user's one connection per provider and helpdesk account: a reconnect of the same account
   * updates it (new tokens and scopes, reauthorization cleared); signing in as another account
   * replaces it, forgetting what the previous one synced.
   */
  private async save(data: ConnectState, tokens: OAuthTokens, scopes: string[], who: { email: string; uid: string; tenantId?: string }): Promise<Connection> {
    const columns = {
      email: who.email, ...this.deps.tokens.columns(tokens), scopes, features: data.features,
      status: 'active' as const, last_error: null, revoked_at: null,
    };
    let existing = await this.existing(data.provider, data.accountId, data.userId);
    const uid = (c: Connection) => (c instanceof MicrosoftAccount ? c.microsoft_uid : c.google_uid);
    if (existing && uid(existing) !== who.uid) {
      await this.deps.engine.forget(existing);
      await existing.destroy();
      existing = null;
    }
    if (existing) {
      await asRow(existing).update(data.provider === 'microsoft' ? { ...columns, tenant_id: who.tenantId } as typeof columns : columns);
      return existing;
    }
    const owner = { account_id: data.accountId, user_id: data.userId };
    return data.provider === 'microsoft'
      ? MicrosoftAccount.create({ ...owner, ...columns, microsoft_uid: who.uid, tenant_id: who.tenantId ?? null })
      : GoogleAccount.create({ ...owner, ...columns, google_uid: who.uid });
  }

  private existing(provider: Provider, accountId: number, userId: number): Promise<Connection | null> {
    const where = { account_id: accountId, user_id: userId };
    return provider === 'microsoft' ? MicrosoftAccount.findOne({ where }) : GoogleAccount.findOne({ where });
  }

  private frontend(): string {
    return this.deps.ctx.config.FRONTEND_URL.replace(/\/+$/, '');
  }
}
