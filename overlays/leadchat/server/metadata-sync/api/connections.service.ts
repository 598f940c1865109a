import { z } from 'zod';
import { emailAddress, NotFoundError, parse, ValidationError, type AccountScope, type ExtensionContext } from '../../../../../server/src/extensions/index.js';
import type { CircuitStatus, Connection, MetadataSyncEngine, SourceStatus } from '../contracts.js';
import { GoogleAccount, MicrosoftAccount, SharedMailbox, type Provider } from '../metadata-sync.model.js';
import { asRow, providerLabel } from '../connect/connection-row.js';
import type { MetadataConnectFlow } from '../connect/connect.flow.js';
import type { MetadataConnectionTokens } from '../connect/connection-tokens.js';
import type { GoogleConnectClient } from '../connect/google-connect.client.js';
import { enabledFeatures, featuresSchema, missingScopes, scopesAvailable, type Features } from '../connect/scopes.js';

export interface SharedMailboxView {
  id: number;
  email: string;
  include_calendar: boolean;
}

/** One provider's card on the integrations page (see the HTTP API in LEADCHAT.md). */
export interface Card {
  configured: boolean;
  scopes_available: Record<string, string>;
  connection: null | {
    id: number;
    provider: Provider;
    email: string;
    tenant_id?: string | null;
    status: Connection['status'];
    last_error: string | null;
    features: Features;
    scopes: string[];
    missing_scopes: string[];
    shared_mailboxes?: SharedMailboxView[];
    sources: SourceStatus[];
    connected_at: string;
  };
  admin_consent_url: string | null;
  circuits: CircuitStatus[];
}

const CIRCUIT_PREFIX: Record<Provider, string> = { microsoft: 'ms_', google: 'google_' };
const sharedMailboxParams = z.strictObject({ email: emailAddress, include_calendar: z.boolean({ message: 'must be true or false' }).optional() });

export interface ConnectionsDeps {
  ctx: Pick<ExtensionContext, 'logger'>;
  flow: Pick<MetadataConnectFlow, 'adminConsentUrl' | 'pendingAdminConsentUrl'>;
  engine: MetadataSyncEngine;
  tokens: Pick<MetadataConnectionTokens, 'stored'>;
  google: Pick<GoogleConnectClient, 'revoke' | 'missingConfig'>;
  microsoftConfigured: () => boolean;
}

/** What the signed-in user does with their own connections: look, change features, sync, disconnect, list shared mailboxes. */
export class MetadataConnections {
  constructor(private readonly deps: ConnectionsDeps) {}

  async card(scope: AccountScope, provider: Provider): Promise<Card> {
    const connection = await this.own(scope, provider);
    const circuits = this.deps.engine.circuits().filter((c) => c.name.startsWith(CIRCUIT_PREFIX[provider]));
    const configured = provider === 'microsoft' ? this.deps.microsoftConfigured() : this.deps.google.missingConfig().length === 0;
    const base = { configured, scopes_available: scopesAvailable(provider), circuits };
    if (!connection) {
      const pending = provider === 'microsoft' && configured ? await this.deps.flow.pendingAdminConsentUrl(scope.account.id, scope.user.id) : null;
      return { ...base, connection: null, admin_consent_url: pending };
    }
    const shared = connection instanceof MicrosoftAccount ? await this.sharedMailboxes(connection) : undefined;
    return {
      ...base,
      admin_consent_url: connection instanceof MicrosoftAccount && configured
        ? this.deps.flow.adminConsentUrl(scope.account.id, connection.features, connection.tenant_id ?? undefined)
        : null,
      connection: {
        id: connection.id,
        provider,
        email: connection.email,
        ...(connection instanceof MicrosoftAccount ? { tenant_id: connection.tenant_id, shared_mailboxes: shared } : {}),
        status: connection.status,
        last_error: connection.last_error,
        features: connection.features,
        scopes: connection.scopes,
        missing_scopes: missingScopes(provider, connection.features, connection.scopes),
        sources: await this.deps.engine.sources(connection),
        connected_at: connection.created_at.toISOString(),
      },
    };
  }

  /** Stores the features; when every scope they need was granted, syncs now, else the card lists what is missing (connect again to add it). */
  async updateFeatures(scope: AccountScope, provider: Provider, body: unknown): Promise<Card> {
    const connection = await this.required(scope, provider);
    const { features } = parse(z.strictObject({ features: featuresSchema[provider] }), body);
    const merged = enabledFeatures({ ...connection.features, ...features } as Features);
    await asRow(connection).update({ features: merged });
    if (missingScopes(provider, merged, connection.scopes).length === 0 && connection.status === 'active') await this.deps.engine.syncNow(connection);
    return this.card(scope, provider);
  }

  async syncNow(scope: AccountScope, provider: Provider): Promise<void> {
    await this.deps.engine.syncNow(await this.required(scope, provider));
  }

  /**
   * Google: the grant is revoked at Google. Microsoft offers no per-app revocation of a user's
   * refresh token, so its tokens are deleted here (the user can remove the app under "My Apps").
   * Then the sync state and the events the connection produced are deleted, and the connection.
   */
  async disconnect(scope: AccountScope, provider: Provider): Promise<void> {
    const connection = await this.required(scope, provider);
    const stored = this.deps.tokens.stored(connection);
    if (connection instanceof GoogleAccount && stored) {
      await this.deps.google.revoke(stored.refresh_token).catch((err: unknown) => {
        this.deps.ctx.logger.warn({ err, connectionId: connection.id }, 'revoking the Google grant failed; deleting the tokens anyway');
      });
    }
    await this.deps.engine.forget(connection);
    await connection.destroy();
  }

  async addSharedMailbox(scope: AccountScope, body: unknown): Promise<SharedMailboxView> {
    const connection = await this.required(scope, 'microsoft') as MicrosoftAccount;
    const params = parse(sharedMailboxParams, body);
    if (!connection.features.shared_mail) throw ValidationError.field('features.shared_mail', 'must be switched on before adding shared mailboxes');
    if (params.email === connection.email.toLowerCase()) throw ValidationError.field('email', 'is your own mailbox; it is synced already');
    if (await SharedMailbox.findOne({ where: { microsoft_account_id: connection.id, email: params.email } })) throw ValidationError.field('email', 'is already in your list');
    const mailbox = await SharedMailbox.create({ account_id: scope.account.id, microsoft_account_id: connection.id, email: params.email, include_calendar: params.include_calendar ?? false });
    await this.deps.engine.syncNow(connection);
    return view(mailbox);
  }

  async removeSharedMailbox(scope: AccountScope, id: number): Promise<void> {
    const connection = await this.required(scope, 'microsoft');
    const removed = await SharedMailbox.destroy({ where: { id, microsoft_account_id: connection.id } });
    if (!removed) throw new NotFoundError('Shared mailbox');
  }

  private async sharedMailboxes(connection: MicrosoftAccount): Promise<SharedMailboxView[]> {
    return (await SharedMailbox.findAll({ where: { microsoft_account_id: connection.id }, order: [['email', 'ASC']] })).map(view);
  }

  private own(scope: AccountScope, provider: Provider): Promise<Connection | null> {
    const where = { account_id: scope.account.id, user_id: scope.user.id };
    return provider === 'microsoft' ? MicrosoftAccount.findOne({ where }) : GoogleAccount.findOne({ where });
  }

  private async required(scope: AccountScope, provider: Provider): Promise<Connection> {
    const connection = await this.own(scope, provider);
    if (!connection) throw new NotFoundError(`${providerLabel(provider)} connection`);
    return connection;
  }
}

const view = (m: SharedMailbox): SharedMailboxView => ({ id: Number(m.id), email: m.email, include_calendar: m.include_calendar });
