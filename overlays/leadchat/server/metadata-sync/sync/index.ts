// The metadata sync engine (DESIGN §4 "Metadata sync"). Layout:
//   rules.ts        the interaction rules, identical for every provider (emailEvents, meetingEvents, isNewsletter)
//   kinds.ts        SyncKindRunner / SyncRun: what a provider's syncer implements and gets
//   engine.ts       the registry of kinds, syncNow / forget / sources / circuits
//   sync-jobs.ts    one bull job per kind × mailbox (dedupe, lease lock, retries, throttling) and the daily fan-out
//   microsoft/      Graph mail (Inbox, Sent Items) and calendar delta streams, own and shared mailboxes
//   google/         Gmail and Google Calendar (registered by their own module through `registerSyncKind`)
//   ../events/      the event writer (EventStore) and the team's addresses
import type { ExtensionContext, MsalApps } from '../../../../../server/src/extensions/index.js';
import type { MicrosoftGraphClients } from '../../microsoft/graph-clients.js';
import type { ConnectionTokens, MetadataSyncEngine } from '../contracts.js';
import { EventStore } from '../events/event-store.js';
import { BreakerRegistry } from './breakers.js';
import { SyncEngine } from './engine.js';
import type { SyncKindRunner } from './kinds.js';
import { microsoftCalendarRunner, microsoftMailRunner } from './microsoft/index.js';

export type { SyncKindRunner, SyncRun, SyncRunOutcome, SyncJobData } from './kinds.js';
export { BreakerRegistry } from './breakers.js';
export { StreamAccessDenied, SyncThrottled } from './errors.js';
export { emailEvents, meetingEvents, isNewsletter } from './rules.js';

export interface MetadataSync extends MetadataSyncEngine {
  /** Adds a kind of sync (Google's are added this way); before `register()`. */
  registerSyncKind(runner: SyncKindRunner): void;
  /** The breakers of every kind, for runners that call their provider through one (`breakers.fire(name, fn)`). */
  readonly breakers: BreakerRegistry;
  /** Registers the kinds' jobs, the daily fan-out and the shutdown hook with the core. */
  register(): void;
}

/**
 * Builds the engine with the Microsoft kinds (when the Azure app is configured) on the models the
 * caller defined. The caller adds other kinds with `registerSyncKind`, then calls `register()` once.
 */
export function createMetadataSync(ctx: ExtensionContext, deps: { tokens: ConnectionTokens; graph: MicrosoftGraphClients; apps: MsalApps }): MetadataSync {
  const breakers = new BreakerRegistry();
  const engine = new SyncEngine(ctx, new EventStore(ctx.sequelize), breakers);
  if (!deps.apps.missingConfig().length) {
    engine.registerSyncKind(microsoftMailRunner(deps));
    engine.registerSyncKind(microsoftCalendarRunner(deps));
  }
  return {
    syncNow: (connection) => engine.syncNow(connection),
    forget: (connection) => engine.forget(connection),
    sources: (connection) => engine.sources(connection),
    circuits: () => engine.circuits(),
    registerSyncKind: (runner) => engine.registerSyncKind(runner),
    breakers,
    register: () => engine.register(),
  };
}
