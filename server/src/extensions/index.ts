/**
 * The core's public extension API: the only module an overlay may import from the core. If a hook
 * here changes, overlays stop compiling instead of breaking at run time.
 */
export type { ExtensionContext, RegistrationApi, CoreServices } from './context.js';
export type { Extension } from './loader.js';
export type { LifecycleEvents, LifecycleEventName } from './events.js';
export type { DeliveryInput, DeliveryMethod, EmailChannel, EmailChannelFields, EmailProvider, ImapAccess, JobDefinition, OutboundRoute, RouteRegistration, ScheduleDefinition } from './types.js';
export { AppError, AuthenticationError, ConflictError, DeliveryError, ForbiddenError, MailboxError, NotFoundError, ValidationError, type FailureKind, type FieldError } from '../lib/errors.js';
export { accountScope, type AccountScope } from '../api/request-context.js';
export { requireAdministrator } from '../api/auth.js';
export { parse, idParam, emailAddress } from '../api/validate.js';
