import { CryptoProvider } from '@azure/msal-node';
import { z } from 'zod';
import {
  AppError, emailAddress, OAuthGrantError, parse, SignedState, ValidationError, type AccountScope, type ExtensionContext,
} from '../../../../server/src/extensions/index.js';
import type { DelegateTokens } from '../microsoft/delegate-tokens.js';
import type { MicrosoftGraphClients } from '../microsoft/graph-clients.js';
import type { MsalApps } from '../microsoft/msal-apps.js';
import type { AccessProblem } from './access-problem.js';
import { verifyGraphAccess } from './graph-access.verifier.js';
import type { GraphRoundTrip } from './graph-round-trip.js';
import type { SmtpRoundTrip } from './smtp-round-trip.js';
import type { ImapAccessVerifier } from './imap-access.verifier.js';
import { MICROSOFT_SHARED } from './provider.js';
import type { SharedInboxConnector } from './shared-inbox.connector.js';
import { TRANSPORTS, transportOf, type Transport } from './transports.js';

/** What the signed state carries from the wizard to the callback. */
interface ConnectState {
  accountId: number;
  userId: number;
  upn: string;
  transport: Transport;
  inboxName?: string;
  inboxId?: number;
}

const startParams = z.object({
  email: emailAddress.optional(),
  transport: z.enum(TRANSPORTS, { message: `must be one of ${TRANSPORTS.join(', ')}` }).optional(),
  name: z.string().trim().min(1).max(255).optional(),
  inbox_id: z.coerce.number().int().positive().optional(),
});

/** Lives as long as the state: the PKCE verifier is needed once, at the callback. */
const PKCE_TTL_MS = 15 * 60_000;
const PURPOSE = MICROSOFT_SHARED;

export interface ConnectFlowDeps {
  ctx: Pick<ExtensionContext, 'config' | 'redis' | 'models' | 'logger'>;
  apps: MsalApps;
  tokens: Pick<DelegateTokens, 'clients'>;
  graph: Pick<MicrosoftGraphClients, 'forToken'>;
  imap: Pick<ImapAccessVerifier, 'verify'>;
  connector: Pick<SharedInboxConnector, 'connect'>;
  /** Send As proven by sending before the inbox is created (imap_leadmail sends through LeadMail, not as the delegate). */
  roundTrip: { graph: Pick<GraphRoundTrip, 'check'>; smtp: Pick<SmtpRoundTrip, 'check'> };
}

/**
 * The shared-inbox wizard's sign-in (DESIGN.md §4 "microsoft_shared connect"): `start` returns the
 * msal auth-code URL (PKCE S256) for the transport's scopes with a signed, single-use state; the
 * callback verifies the state, redeems the code, verifies the id_token, then checks the delegate's
 * access to the shared mailbox BEFORE anything is created. A bad state is an error page; once the
 * state is good, every outcome is a redirect into the wizard.
 */
export class SharedInboxConnectFlow {
  private readonly pkce = new CryptoProvider();
  readonly signedState: SignedState;

  constructor(private readonly deps: ConnectFlowDeps) {
    const { config, redis } = deps.ctx;
    this.signedState = new SignedState({ secret: config.SESSION_SECRET, redis, prefix: config.REDIS_PREFIX });
  }

  redirectUri(): string {
    return `${this.frontend()}/${MICROSOFT_SHARED}/callback`;
  }

  homeUrl(): string {
    return `${this.frontend()}/app`;
  }

  async start(scope: AccountScope, body: unknown): Promise<string> {
    const missing = this.deps.apps.missingConfig();
    if (missing.length) {
      throw new AppError(`Microsoft 365 sign-in is not configured on this installation: set ${missing.join(' and ')}`, { status: 422, code: 'provider_not_configured' });
    }
    const params = parse(startParams, body);
    const data = params.inbox_id ? await this.reconnectState(scope, params) : this.newState(scope, params);
    const { verifier, challenge } = await this.pkce.generatePkceCodes();
    const { state, nonce } = this.signedState.issue(PURPOSE, data);
    await this.deps.ctx.redis.set(this.pkceKey(nonce), verifier, 'PX', PKCE_TTL_MS);
    return this.deps.tokens.clients[data.transport].authorizationUrl({ redirectUri: this.redirectUri(), state, nonce, codeChallenge: challenge });
  }

  /** The URL to send the browser to after Microsoft's redirect back; throws a 400 AppError for a bad state. */
  async complete(query: Record<string, unknown>): Promise<string> {
    const { data, nonce } = await this.signedState.verify<ConnectState>(PURPOSE, String(query.state ?? ''));
    await this.assertStillAdministrator(data);
    const verifier = await this.deps.ctx.redis.getdel(this.pkceKey(nonce));
    const back = (code: string, message: string) => this.wizardForm(data, code, message);

    if (typeof query.error === 'string' && query.error) {
      const message = query.error === 'access_denied'
        ? 'The Microsoft 365 sign-in was cancelled or permission was not granted, so no inbox was created.'
        : `Microsoft refused the sign-in: ${String(query.error_description ?? query.error)}`;
      return back(query.error, message);
    }
    if (typeof query.code !== 'string' || !query.code || !verifier) {
      return back('invalid_request', 'The Microsoft 365 sign-in returned no usable authorization code; start again.');
    }
    try {
      const { tokens, delegate } = await this.deps.tokens.clients[data.transport].exchangeCode({ code: query.code, redirectUri: this.redirectUri(), codeVerifier: verifier, nonce });
      const problem = await this.checkAccess(data, tokens.accessToken, delegate.upn);
      if (problem) return back(problem.code, problem.message);
      const { inboxId } = await this.deps.connector.connect({
        accountId: data.accountId, mailbox: data.upn, transport: data.transport, delegate, tokens, inboxName: data.inboxName, inboxId: data.inboxId,
      });
      return `${this.frontend()}/app/accounts/${data.accountId}/settings/inboxes/${inboxId}/agents`;
    } catch (err) {
      if (err instanceof OAuthGrantError) return back(err.code, `Microsoft 365 sign-in failed: ${err.message}`);
      if (err instanceof AppError && err.status < 500) return back(err.code, err.message);
      this.deps.ctx.logger.error({ err, accountId: data.accountId, transport: data.transport }, 'microsoft_shared callback failed');
      return back('server_error', 'Connecting the shared mailbox failed on our side; try again in a moment.');
    }
  }

  private async checkAccess(data: ConnectState, accessToken: string, delegate: string): Promise<AccessProblem | null> {
    const who = { delegate, mailbox: data.upn };
    if (data.transport === 'graph_full') {
      const client = this.deps.graph.forToken(accessToken);
      return (await verifyGraphAccess(client, who)) ?? this.deps.roundTrip.graph.check(client, who);
    }
    const smtp = data.transport === 'imap_smtp';
    return (await this.deps.imap.verify(accessToken, who, { smtp })) ?? (smtp ? this.deps.roundTrip.smtp.check(accessToken, who) : null);
  }

  private newState(scope: AccountScope, params: z.infer<typeof startParams>): ConnectState {
    const problems = [
      ...(params.email ? [] : [{ path: 'email', message: 'is required' }]),
      ...(params.transport ? [] : [{ path: 'transport', message: `is required (one of ${TRANSPORTS.join(', ')})` }]),
    ];
    if (problems.length) throw new ValidationError(problems);
    return { accountId: scope.account.id, userId: scope.user.id, upn: params.email!, transport: params.transport!, inboxName: params.name };
  }

  /** Reconnect: the inbox's own mailbox, and its transport unless the administrator picked another. */
  private async reconnectState(scope: AccountScope, params: z.infer<typeof startParams>): Promise<ConnectState> {
    const { models } = this.deps.ctx;
    const inbox = await models.Inbox.findOne({ where: { id: params.inbox_id!, account_id: scope.account.id } });
    const channel = inbox && (await models.ChannelEmail.findByPk(inbox.channel_id));
    if (!inbox || !channel || channel.provider !== MICROSOFT_SHARED) throw ValidationError.field('inbox_id', 'is not a Microsoft 365 shared inbox of this account');
    if (params.email && params.email !== channel.email) throw ValidationError.field('email', `must be the inbox's mailbox (${channel.email}); create a new inbox for another mailbox`);
    return { accountId: scope.account.id, userId: scope.user.id, upn: channel.email, transport: params.transport ?? transportOf(channel), inboxId: inbox.id };
  }

  /** The account named in the state must still be active and administered by the user who started. */
  private async assertStillAdministrator(state: ConnectState): Promise<void> {
    const { AccountUser, Account } = this.deps.ctx.models;
    const membership = await AccountUser.findOne({
      where: { account_id: state.accountId, user_id: state.userId, role: 'administrator' },
      include: [{ model: Account, as: 'account', where: { status: 'active' } }],
    });
    if (!membership) throw new AppError('This sign-in was started for an account you do not administer', { status: 400, code: 'state_foreign_account' });
  }

  private wizardForm(state: ConnectState, code: string, message: string): string {
    const url = new URL(`${this.frontend()}/app/accounts/${state.accountId}/settings/inboxes/new/${MICROSOFT_SHARED}`);
    url.searchParams.set('error', code);
    url.searchParams.set('message', message);
    if (state.inboxId) url.searchParams.set('inbox_id', String(state.inboxId));
    return url.toString();
  }

  private pkceKey(nonce: string): string {
    return `${this.deps.ctx.config.REDIS_PREFIX}:${MICROSOFT_SHARED}:pkce:${nonce}`;
  }

  private frontend(): string {
    return this.deps.ctx.config.FRONTEND_URL.replace(/\/+$/, '');
  }
}
