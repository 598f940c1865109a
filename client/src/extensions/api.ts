/**
 * The dashboard's public extension API, the only core module an overlay's client code may import
 * (with `./components.ts` for the core's Vue components): `overlays/<name>/client/index.ts` fills the
 * slots and adds i18n bundles; its screens use the HTTP client, the inbox API, the OAuth return
 * helpers and the composables below. A test fails on any other import of the core from an overlay,
 * so what an overlay depends on is listed here and nowhere else. Nothing here imports a Vue file:
 * an overlay's logic stays loadable by the node-run tests.
 */
export * from './slot-types.js';
export { ApiError, accountUrl, request, type FieldProblem } from '../api/client.js';
export { inboxesApi } from '../api/inboxes.js';
export type { Contact, Inbox } from '../api/types.js';
export { oauthErrorCode, oauthErrorKey } from '../features/inbox-wizard/oauth-return.js';
export { useAsyncAction, type AsyncAction, type AsyncActionOptions } from '../lib/use-async-action.js';
export { useSession, type SessionView } from './session.js';
