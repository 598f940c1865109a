import { LeaseLock, type ExtensionContext } from '../../../../../server/src/extensions/index.js';
import type { CircuitStatus, Connection, MetadataSyncEngine, SourceStatus, SyncKind } from '../contracts.js';
import { providerOf } from '../connect/connection-row.js';
import { InteractionEvent, SharedMailbox, type MicrosoftAccount, type Provider, type SyncState } from '../metadata-sync.model.js';
import type { EventStore } from '../events/event-store.js';
import type { BreakerRegistry } from './breakers.js';
import type { SyncJobData, SyncKindRunner } from './kinds.js';
import { deleteStates, statesOf } from './sync-states.js';
import { DAILY, FAN_OUT_JOB, fanOutJob, jobIdOf, queueOf, syncJob } from './sync-jobs.js';
import { eligibleTargets, targetsOf } from './targets.js';

/**
 * The metadata sync engine: a registry of sync kinds (each with its bull queue), the daily fan-out,
 * and what the connection routes ask of it. Kinds are added with `registerSyncKind` before
 * `register()` puts their jobs into the core's registries.
 */
export class SyncEngine implements MetadataSyncEngine {
  private readonly kinds = new Map<SyncKind, SyncKindRunner>();
  private stopping = false;
  private registered = false;

  constructor(private readonly ctx: ExtensionContext, private readonly store: EventStore, private readonly breakers: BreakerRegistry) {}

  /** Adds a kind of sync; call before `register()`. */
  registerSyncKind(runner: SyncKindRunner): void {
    if (this.registered) throw new Error(`sync kind ${runner.kind} registered after the engine's jobs were`);
    if (this.kinds.has(runner.kind)) throw new Error(`sync kind ${runner.kind} is registered twice`);
    this.kinds.set(runner.kind, runner);
    this.breakers.declare(...runner.breakers);
  }

  /** Puts a job per kind, the daily fan-out and the worker that lets runs stop early on shutdown into the core's registries. */
  register(): void {
    this.registered = true;
    const lock = new LeaseLock(this.ctx.redis, `${this.ctx.config.REDIS_PREFIX}:metadata-sync:lease`);
    for (const runner of this.kinds.values()) {
      this.ctx.register.job(syncJob(runner, { ctx: this.ctx, store: this.store, breakers: this.breakers, lock, stopping: () => this.stopping }));
    }
    this.ctx.register.job(fanOutJob(() => [...this.kinds.values()], (runner, d) => this.enqueue(runner, d), eligibleTargets));
    this.ctx.register.schedule({ id: 'metadata_sync.daily', job: FAN_OUT_JOB, every: DAILY });
    this.ctx.register.worker({
      id: 'metadata_sync.runs',
      start: async () => {
        this.stopping = false;
      },
      stop: async () => {
        this.stopping = true;
      },
    });
  }

  async syncNow(connection: Connection): Promise<void> {
    for (const runner of this.runnersOf(connection)) {
      for (const target of await targetsOf(runner, connection)) await this.enqueue(runner, target);
    }
  }

  async forget(connection: Connection): Promise<void> {
    const provider = providerOf(connection);
    const accountId = Number(connection.account_id);
    await deleteStates(accountId, provider, connection.email);
    await InteractionEvent.destroy({ where: { account_id: accountId, user_id: connection.user_id, provider } });
    if (provider !== 'microsoft') return;
    const subscriptions = await SharedMailbox.findAll({ where: { microsoft_account_id: connection.id } });
    await SharedMailbox.destroy({ where: { microsoft_account_id: connection.id } });
    for (const s of subscriptions) {
      // A shared mailbox nobody subscribes to any more has no stream left.
      if (!(await SharedMailbox.count({ where: { account_id: accountId, email: s.email } }))) await deleteStates(accountId, 'microsoft', s.email);
    }
  }

  async sources(connection: Connection): Promise<SourceStatus[]> {
    const provider = providerOf(connection);
    const accountId = Number(connection.account_id);
    const own = connection.email.toLowerCase();
    const shared = provider === 'microsoft' ? await SharedMailbox.findAll({ where: { microsoft_account_id: connection.id }, order: [['email', 'ASC']] }) : [];
    const states = await statesOf(accountId, provider, [own, ...shared.map((s) => s.email)]);
    const out: SourceStatus[] = [];
    const add = (mailbox: string, isShared: boolean, runner: SyncKindRunner) => {
      for (const source of runner.sources) {
        const state = states.find((s) => s.mailbox === mailbox && s.source === source);
        out.push(statusOf(provider, mailbox, source, isShared, state));
      }
    };
    for (const runner of this.runnersOf(connection)) {
      if (runner.enabled(connection)) add(own, false, runner);
      for (const s of shared) if (runner.sharedEnabled?.(connection as MicrosoftAccount, s)) add(s.email.toLowerCase(), true, runner);
    }
    return out;
  }

  circuits(): CircuitStatus[] {
    return this.breakers.list();
  }

  private runnersOf(connection: Connection): SyncKindRunner[] {
    const provider = providerOf(connection);
    return [...this.kinds.values()].filter((r) => r.provider === provider);
  }

  private async enqueue(runner: SyncKindRunner, target: SyncJobData): Promise<void> {
    await this.ctx.queues.enqueue<SyncJobData>(queueOf(runner.kind), target, { jobId: jobIdOf(runner.kind, target) });
  }
}

function statusOf(provider: Provider, mailbox: string, source: SyncState['source'], shared: boolean, state: SyncState | undefined): SourceStatus {
  const progress = (state?.progress ?? {}) as SourceStatus['progress'];
  return {
    provider, mailbox, source, shared,
    status: state?.status ?? 'pending',
    error: state?.error ?? null,
    progress: { processed: Number(progress.processed ?? 0), ...(progress.total !== undefined ? { total: Number(progress.total) } : {}), ...(progress.round ? { round: progress.round } : {}) },
    backfill_completed_at: state?.backfill_completed_at?.toISOString() ?? null,
    last_synced_at: state?.last_synced_at?.toISOString() ?? null,
    retry_at: state?.retry_at?.toISOString() ?? null,
  };
}
