import type { Request, Response } from 'express';
import { z } from 'zod';
import { connectFailure, signInProblem, type SignInProblem } from '../../../api/oauth-handshake/sign-in-problems.js';
import type { OAuthHandshake } from '../../../api/oauth-handshake/oauth-handshake.js';
import type { AccountScope } from '../../../services/account-scope.js';
import { emailAddress, parse } from '../../../lib/validation.js';
import type { Config } from '../../../config.js';
import { AppError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import type { OAuthMailboxDefinition } from '../providers/oauth-mailbox.js';
import type { MailboxConnector } from './mailbox-connector.js';
import type { OAuthClient } from './oauth-client.js';

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

export interface EmailOAuthFlowDeps {
  config: Config;
  handshake: OAuthHandshake;
  connector: MailboxConnector;
  logger: Logger;
}

/**
 * Chatwoot's `Microsoft::CallbacksController` / `Google::CallbacksController`, for any OAuth mailbox:
 * `start` returns the provider's authorization URL, `complete` handles the redirect back, both through
 * the shared OAuth handshake (PKCE, single-use state bound to the starting browser, the starter still
 * an administrator). A refused handshake throws and the route shows an error page; after that, every
 * outcome is a redirect into the inbox wizard.
 */
export class EmailOAuthFlow {
  constructor(private readonly deps: EmailOAuthFlowDeps) {}

  /** The dashboard's home, for pages that cannot tell which account they belong to. */
  homeUrl(): string {
    return `${this.frontend()}/app`;
  }

  redirectUri(mailbox: OAuthMailbox): string {
    return `${this.frontend()}/${mailbox.definition.id}/callback`;
  }

  async start(req: Request, res: Response, scope: AccountScope, mailbox: OAuthMailbox): Promise<string> {
    const missing = mailbox.client.missingConfig();
    if (missing.length) {
      throw new AppError(`${mailbox.definition.label} sign-in is not configured on this installation: set ${missing.join(' and ')}`, {
        status: 422,
        code: 'provider_not_configured',
      });
    }
    const params = parse(startParams, req.body);
    const data: FlowState = { accountId: scope.account.id, userId: scope.user.id, inboxName: params.name };
    const { state, nonce, codeChallenge } = await this.deps.handshake.issue(req, res, this.purpose(mailbox), data);
    return mailbox.client.authorizationUrl({ redirectUri: this.redirectUri(mailbox), state, nonce, codeChallenge, loginHint: params.email });
  }

  /** The URL to send the browser to after the provider's redirect back. */
  async complete(req: Request, mailbox: OAuthMailbox): Promise<string> {
    const redeemed = await this.deps.handshake.redeem<FlowState>(req, this.purpose(mailbox), 'administrator');
    const { data, nonce } = redeemed;
    const { label, id } = mailbox.definition;
    if (redeemed.outcome !== 'code') return this.wizardForm(data.accountId, signInProblem(label, redeemed));
    try {
      const { tokens, identity } = await mailbox.client.exchangeCode({ code: redeemed.code, redirectUri: this.redirectUri(mailbox), codeVerifier: redeemed.codeVerifier, nonce });
      const { inbox } = await this.deps.connector.connect({ accountId: data.accountId, mailbox: mailbox.definition, identity, tokens, inboxName: data.inboxName });
      return `${this.frontend()}/app/accounts/${data.accountId}/settings/inboxes/${inbox.id}/agents`;
    } catch (err) {
      return this.wizardForm(data.accountId, connectFailure(err, label, { logger: this.deps.logger, context: { provider: id, accountId: data.accountId } }));
    }
  }

  private wizardForm(accountId: number, problem: SignInProblem): string {
    const url = new URL(`${this.frontend()}/app/accounts/${accountId}/settings/inboxes/new/email`);
    url.searchParams.set('error', problem.code);
    url.searchParams.set('message', problem.message);
    return url.toString();
  }

  private purpose(mailbox: OAuthMailbox): string {
    return `email_oauth:${mailbox.definition.id}`;
  }

  private frontend(): string {
    return this.deps.config.FRONTEND_URL.replace(/\/+$/, '');
  }
}
