/**
 * The core's public extension API: the only module an overlay may import from the core. If a hook
 * here changes, overlays stop compiling instead of breaking at run time.
 */
export type { ExtensionContext, RegistrationApi, CoreServices, EmailServices } from './context.js';
export type { Extension } from './loader.js';
export type { LifecycleEvents, LifecycleEventName } from './events.js';
export type { BackgroundWorker, ChannelKind, DeliveryInput, DeliveryMethod, EmailChannel, EmailChannelFields, EmailProvider, ImapAccess, JobDefinition, OutboundRoute, RouteRegistration, ScheduleDefinition } from './types.js';
export { AppError, AuthenticationError, ConflictError, DeliveryError, ForbiddenError, MailboxError, NotFoundError, ValidationError, type FailureKind, type FieldError } from '../lib/errors.js';
export { accountScope } from '../api/request-context.js';
export type { AccountScope } from '../services/account-scope.js';
export { requireAdministrator } from '../api/auth.js';
export { parse, idParam, emailAddress } from '../lib/validation.js';
export { LeaseLock, withRedisLock, type Lease } from '../lib/redis-lock.js';
export { SignedState, StateError, type SignedStateOptions, type StateFailure, type VerifiedState } from '../lib/signed-state.js';
export { OAuthTokenService, type OAuthTokenServiceDeps } from '../channels/email/oauth/oauth-token.service.js';
export { RefreshingTokenStore, type RefreshingTokenStoreDeps, type StoredOAuthSecrets, type TokenColumnsView, type TokenTableAdapter } from '../channels/email/oauth/refreshing-token-store.js';
export { OAuthGrantError, type OAuthClient, type OAuthIdentity, type OAuthTokens, type TokenRefresher } from '../channels/email/oauth/oauth-client.js';
export { MsalApps, OIDC_SCOPES, grantErrors, type MsalExchange } from '../channels/email/oauth/msal-apps.js';
export { OpenIdProvider, type OpenIdMetadata } from '../channels/email/oauth/openid-provider.js';
export { GoogleOAuthEndpoints, type GoogleEndpointsConfig, type GoogleTokenResponse } from '../channels/email/oauth/google-endpoints.js';
export { OAuthHandshake, type RedeemedHandshake } from '../api/oauth-handshake/oauth-handshake.js';
export { BINDING_COOKIE } from '../api/oauth-handshake/browser-binding.js';
export { callbackRoute } from '../api/oauth-handshake/callback-route.js';
export { connectFailure, signInProblem, type SignInProblem } from '../api/oauth-handshake/sign-in-problems.js';
export type { EmailIngestionService, IngestInput, IngestResult } from '../channels/email/receive/index.js';
export type { ChannelReauthorization } from '../channels/email/reauthorization.js';
export { IMPLICIT_TLS_PORT, imapTlsOptions, smtpTlsOptions, type TlsMode } from '../lib/mail-tls.js';
export { imapClient } from '../channels/email/receive/imap-client.js';
export { smtpTransport, type SmtpSettings, type SmtpTimeouts } from '../channels/email/send/smtp.delivery.js';
export { describeConnectionFailure } from '../channels/email/checks/connection-failure.js';
