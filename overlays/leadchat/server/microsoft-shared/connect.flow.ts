import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  AppError, connectFailure, emailAddress, OAuthHandshake, parse, signInProblem, ValidationError, type AccountScope, type ExtensionContext, type SignInProblem,
} from '../../../../server/src/extensions/index.js';
import type { DelegateTokens } from './delegate-tokens.js';
import type { MicrosoftGraphClients } from '../microsoft/graph-clients.js';
import type { MsalApps } from '../../../../server/src/extensions/index.js';
import type { AccessProblem } from './access-problem.js';
import { verifyGraphAccess } from './graph-access.check.js';
import type { GraphRoundTrip } from './graph-round-trip.js';
import type { SmtpRoundTrip } from './smtp-round-trip.js';
import type { ImapAccessVerifier } from './imap-access.check.js';
import { MICROSOFT_SHARED } from './provider.js';
import type { SharedInboxConnector } from './shared-inbox-connector.js';
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

const PURPOSE = MICROSOFT_SHARED;
const LABEL = 'Microsoft 365';

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
 * The shared-inbox wizard's sign-in, on the core's OAuth
 * handshake (PKCE, single-use state bound to the starting browser, the starter still an
 * administrator): `start` returns the msal auth-code URL for the transport's scopes; the callback
 * redeems the code, verifies the id_token, then checks the delegate's access to the shared mailbox
 * BEFORE anything is created. A refused handshake is an error page; after that, every outcome is a
 * redirect into the wizard.
 */
export class SharedInboxConnectFlow {
  private readonly handshake: OAuthHandshake;

  constructor(private readonly deps: ConnectFlowDeps) {
    this.handshake = new OAuthHandshake(deps.ctx);
  }

  redirectUri(): string {
    return `${this.frontend()}/${MICROSOFT_SHARED}/callback`;
  }

  homeUrl(): string {
    return `${this.frontend()}/app`;
  }

  async start(req: Request, res: Response, scope: AccountScope): Promise<string> {
    const missing = this.deps.apps.missingConfig();
    if (missing.length) {
      throw new AppError(`${LABEL} sign-in is not configured on this installation: set ${missing.join(' and ')}`, { status: 422, code: 'provider_not_configured' });
    }
    const params = parse(startParams, req.body);
    const data = params.inbox_id ? await this.reconnectState(scope, params) : this.newState(scope, params);
    const { state, nonce, codeChallenge } = await this.handshake.issue(req, res, PURPOSE, data);
    return this.deps.tokens.clients[data.transport].authorizationUrl({ redirectUri: this.redirectUri(), state, nonce, codeChallenge });
  }

  /** The URL to send the browser to after Microsoft's redirect back; throws a 400 AppError for a refused handshake. */
  async complete(req: Request): Promise<string> {
    const redeemed = await this.handshake.redeem<ConnectState>(req, PURPOSE, 'administrator');
    const { data, nonce } = redeemed;
    if (redeemed.outcome !== 'code') return this.wizardForm(data, signInProblem(LABEL, redeemed));
    try {
      const { tokens, delegate } = await this.deps.tokens.clients[data.transport].exchangeCode({ code: redeemed.code, redirectUri: this.redirectUri(), codeVerifier: redeemed.codeVerifier, nonce });
      const problem = await this.checkAccess(data, tokens.accessToken, delegate.upn);
      if (problem) return this.wizardForm(data, problem);
      const { inboxId } = await this.deps.connector.connect({
        accountId: data.accountId, mailbox: data.upn, transport: data.transport, delegate, tokens, inboxName: data.inboxName, inboxId: data.inboxId,
      });
      return `${this.frontend()}/app/accounts/${data.accountId}/settings/inboxes/${inboxId}/agents`;
    } catch (err) {
      return this.wizardForm(data, connectFailure(err, LABEL, { logger: this.deps.ctx.logger, context: { accountId: data.accountId, transport: data.transport } }));
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

  private wizardForm(state: ConnectState, problem: SignInProblem): string {
    const url = new URL(`${this.frontend()}/app/accounts/${state.accountId}/settings/inboxes/new/${MICROSOFT_SHARED}`);
    url.searchParams.set('error', problem.code);
    url.searchParams.set('message', problem.message);
    if (state.inboxId) url.searchParams.set('inbox_id', String(state.inboxId));
    return url.toString();
  }

  private frontend(): string {
    return this.deps.ctx.config.FRONTEND_URL.replace(/\/+$/, '');
  }
}
