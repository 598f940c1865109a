import { OAuthGrantError } from '../../channels/email/oauth/oauth-client.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { RedeemedHandshake } from './oauth-handshake.js';

/** Why a sign-in connected nothing: `code` for the dashboard to pick its words, `message` in LeadChat's. */
export interface SignInProblem {
  code: string;
  message: string;
}

/** RFC 6749 §4.1.2.1 and OpenID Connect §3.1.2.6 error codes; anything else a provider sends is `provider_error`. */
const OAUTH_ERRORS = new Set([
  'invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error',
  'temporarily_unavailable', 'interaction_required', 'login_required', 'account_selection_required', 'consent_required',
]);

/** A redirect back without a usable code: the user cancelled, the provider refused, or the code is missing. */
export function signInProblem(label: string, redeemed: Exclude<RedeemedHandshake<unknown>, { outcome: 'code' }>): SignInProblem {
  if (redeemed.outcome === 'no_code') return { code: 'invalid_request', message: `The ${label} sign-in returned no usable authorization code; start again.` };
  if (redeemed.error === 'access_denied') return { code: 'access_denied', message: `The ${label} sign-in was cancelled or permission was not granted, so nothing was connected.` };
  return {
    code: OAUTH_ERRORS.has(redeemed.error) ? redeemed.error : 'provider_error',
    message: `${label} refused the sign-in, so nothing was connected. Start again; if it keeps happening, ask your ${label} administrator.`,
  };
}

/**
 * A code that could not be turned into a connection: the provider refused the exchange, or our own
 * rules said no (an address already connected, ...). Anything else is our fault: logged, not shown.
 */
export function connectFailure(err: unknown, label: string, log: { logger: Logger; context: Record<string, unknown> }): SignInProblem {
  if (err instanceof OAuthGrantError) return { code: err.code, message: `${label} sign-in failed: ${err.message}` };
  if (err instanceof AppError && err.status < 500) return { code: err.code, message: err.message };
  log.logger.error({ err, ...log.context }, 'oauth callback failed');
  return { code: 'server_error', message: `Connecting with ${label} failed on our side; try again in a moment.` };
}
