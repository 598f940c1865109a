import { CryptoProvider } from '@azure/msal-node';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { AccountScope } from '../../../api/request-context.js';
import { emailAddress, parse } from '../../../api/validate.js';
import type { Config } from '../../../config.js';
import { AppError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import type { SignedState } from '../../../lib/signed-state.js';
import { Account, AccountUser } from '../../../models/index.js';
import type { OAuthMailboxDefinition } from '../providers/oauth-mailbox.js';
import type { MailboxConnector } from './mailbox-connector.js';
import { OAuthGrantError, type OAuthClient } from './oauth-client.js';

/** A provider the flow can sign in with: the mailbox it connects and its OAuth client. */
export interface OAuthMailbox {
  definition: OAuthMailboxDefinition;
  client: OAuthClient;
}

interface FlowState {
  accountId: number;
  userId: number;
  inboxName?: string;
}

const startParams = z.object({
  email: emailAddress.optional(),
  name: z.string().trim().min(1).max(255).optional(),
});

/** Lives as long as the state: the verifier is needed once, at the callback. */
const PKCE_TTL_MS = 15 * 60_000;

export interface EmailOAuthFlowDeps {
  config: Config;
  redis: Redis;
  signedState: SignedState;
  connector: MailboxConnector;
  logger: Logger;
}

/**
 * Chatwoot's `Microsoft::CallbacksController` / `Google::CallbacksController`, for any OAuth mailbox:
 * `start` returns the provider's authorization URL (PKCE S256; the verifier stays in Redis under the
 * state's nonce), `complete` handles the redirect back. A state that fails verification (tampered,
 * expired, replayed, or for an account the user no longer administers) throws, and the route shows an
 * error page; once the state is good, every outcome is a redirect into the inbox wizard.
 */
export class EmailOAuthFlow {
  private readonly pkce = new CryptoProvider();

  constructor(private readonly deps: EmailOAuthFlowDeps) {}

  /** The dashboard's home, for pages that cannot tell which account they belong to. */
  homeUrl(): string {
    return `${this.frontend()}/app`;
  }

  redirectUri(mailbox: OAuthMailbox): string {
    return `${this.frontend()}/${mailbox.definition.id}/callback`;
  }

  async start(scope: AccountScope, mailbox: OAuthMailbox, body: unknown): Promise<string> {
    const missing = mailbox.client.missingConfig();
    if (missing.length) {
      throw new AppError(`${mailbox.definition.label} sign-in is not configured on this installation: set ${missing.join(' and ')}`, {
        status: 422,
        code: 'provider_not_configured',
      });
    }
    const params = parse(startParams, body);
    const { verifier, challenge } = await this.pkce.generatePkceCodes();
    const data: FlowState = { accountId: scope.account.id, userId: scope.user.id, inboxName: params.name };
    const { state, nonce } = this.deps.signedState.issue(this.purpose(mailbox), data);
    await this.deps.redis.set(this.pkceKey(nonce), verifier, 'PX', PKCE_TTL_MS);
    return mailbox.client.authorizationUrl({ redirectUri: this.redirectUri(mailbox), state, nonce, codeChallenge: challenge, loginHint: params.email });
  }

  /** The URL to send the browser to after the provider's redirect back. */
  async complete(mailbox: OAuthMailbox, query: Record<string, unknown>): Promise<string> {
    const { data, nonce } = await this.deps.signedState.verify<FlowState>(this.purpose(mailbox), String(query.state ?? ''));
    await this.assertStillAdministrator(data);
    const verifier = await this.deps.redis.getdel(this.pkceKey(nonce));
    const back = (code: string, message: string) => this.wizardForm(data.accountId, code, message);

    if (typeof query.error === 'string' && query.error) {
      const message = query.error === 'access_denied'
        ? `The ${mailbox.definition.label} sign-in was cancelled or permission was not granted, so no inbox was created.`
        : `${mailbox.definition.label} refused the sign-in: ${String(query.error_description ?? query.error)}`;
      return back(query.error, message);
    }
    if (typeof query.code !== 'string' || !query.code || !verifier) {
      return back('invalid_request', `The ${mailbox.definition.label} sign-in returned no usable authorization code; start again.`);
    }
    try {
      const { tokens, identity } = await mailbox.client.exchangeCode({ code: query.code, redirectUri: this.redirectUri(mailbox), codeVerifier: verifier, nonce });
      const { inbox } = await this.deps.connector.connect({ accountId: data.accountId, mailbox: mailbox.definition, identity, tokens, inboxName: data.inboxName });
      return `${this.frontend()}/app/accounts/${data.accountId}/settings/inboxes/${inbox.id}/agents`;
    } catch (err) {
      if (err instanceof OAuthGrantError) return back(err.code, `${mailbox.definition.label} sign-in failed: ${err.message}`);
      if (err instanceof AppError && err.status < 500) return back(err.code, err.message);
      this.deps.logger.error({ err, provider: mailbox.definition.id, accountId: data.accountId }, 'oauth callback failed');
      return back('server_error', `Connecting the ${mailbox.definition.label} mailbox failed on our side; try again in a moment.`);
    }
  }

  /** The account named in the state must still be active and administered by the user who started. */
  private async assertStillAdministrator(state: FlowState): Promise<void> {
    const membership = await AccountUser.findOne({
      where: { account_id: state.accountId, user_id: state.userId, role: 'administrator' },
      include: [{ model: Account, as: 'account', where: { status: 'active' } }],
    });
    if (!membership) {
      throw new AppError('This sign-in was started for an account you do not administer', { status: 400, code: 'state_foreign_account' });
    }
  }

  private wizardForm(accountId: number, code: string, message: string): string {
    const url = new URL(`${this.frontend()}/app/accounts/${accountId}/settings/inboxes/new/email`);
    url.searchParams.set('error', code);
    url.searchParams.set('message', message);
    return url.toString();
  }

  private purpose(mailbox: OAuthMailbox): string {
    return `email_oauth:${mailbox.definition.id}`;
  }

  private pkceKey(nonce: string): string {
    return `${this.deps.config.REDIS_PREFIX}:oauth-pkce:${nonce}`;
  }

  private frontend(): string {
    return this.deps.config.FRONTEND_URL.replace(/\/+$/, '');
  }
}
