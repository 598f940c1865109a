import { Op, fn, col, where as sqlWhere } from 'sequelize';
import type { Connection } from '../contracts.js';
import { GoogleAccount, MicrosoftAccount, SharedMailbox, type Provider } from '../metadata-sync.model.js';
import type { SyncJobData, SyncKindRunner } from './kinds.js';

/** The mailbox a job syncs and whose tokens may read it. */
export interface ResolvedTarget {
  connections: Connection[];
}

const modelOf = (provider: Provider) => (provider === 'microsoft' ? MicrosoftAccount : GoogleAccount);

async function activeConnections(provider: Provider, filter: Record<string, unknown> = {}): Promise<Connection[]> {
  const model = modelOf(provider) as typeof MicrosoftAccount;
  return model.findAll({ where: { status: 'active', ...filter }, order: [['id', 'ASC']] });
}

/** A connection's own mailbox as a job target. */
export const ownTarget = (c: Connection): SyncJobData => ({ accountId: Number(c.account_id), mailbox: c.email.toLowerCase(), shared: false });

/** Every mailbox the kind should sync now: active connections with the kind enabled, and their shared mailboxes (once each per helpdesk account). */
export async function eligibleTargets(runner: SyncKindRunner): Promise<SyncJobData[]> {
  const connections = await activeConnections(runner.provider);
  const own = connections.filter((c) => runner.enabled(c)).map(ownTarget);
  if (!runner.sharedEnabled) return own;
  const shared = new Map<string, SyncJobData>();
  // One query for every connection's subscriptions, not one per connection.
  const subscriptions = connections.length ? await SharedMailbox.findAll({ where: { microsoft_account_id: { [Op.in]: connections.map((c) => c.id) } } }) : [];
  for (const c of connections as MicrosoftAccount[]) {
    for (const m of subscriptions) {
      if (Number(m.microsoft_account_id) === Number(c.id) && runner.sharedEnabled(c, m)) shared.set(`${m.account_id}|${m.email}`, { accountId: Number(m.account_id), mailbox: m.email.toLowerCase(), shared: true });
    }
  }
  return [...own, ...shared.values()];
}

/** The targets of one connection: its own mailbox and the shared mailboxes it subscribes to, where the kind is enabled. */
export async function targetsOf(runner: SyncKindRunner, connection: Connection): Promise<SyncJobData[]> {
  if (connection.status !== 'active') return [];
  const out = runner.enabled(connection) ? [ownTarget(connection)] : [];
  if (runner.sharedEnabled && runner.provider === 'microsoft') {
    const ms = connection as MicrosoftAccount;
    for (const m of await SharedMailbox.findAll({ where: { microsoft_account_id: ms.id } })) {
      if (runner.sharedEnabled(ms, m)) out.push({ accountId: Number(m.account_id), mailbox: m.email.toLowerCase(), shared: true });
    }
  }
  return out;
}

/**
 * Whose tokens may read a job's mailbox now: the owning connection (active, kind enabled), or for a
 * shared mailbox every active subscriber that lists it with the kind enabled, oldest first. Empty
 * when nobody may (the job then has nothing to do).
 */
export async function resolveTarget(runner: SyncKindRunner, data: SyncJobData): Promise<ResolvedTarget> {
  if (!data.shared) {
    const owners = await activeConnections(runner.provider, {
      account_id: data.accountId,
      [Op.and]: [sqlWhere(fn('lower', col('email')), data.mailbox.toLowerCase())],
    });
    return { connections: owners.filter((c) => runner.enabled(c)) };
  }
  if (!runner.sharedEnabled) return { connections: [] };
  const subscriptions = await SharedMailbox.findAll({ where: { account_id: data.accountId, email: data.mailbox.toLowerCase() } });
  const byConnection = new Map(subscriptions.map((s) => [Number(s.microsoft_account_id), s]));
  const connections = (await activeConnections('microsoft', { id: { [Op.in]: [...byConnection.keys()] } })) as MicrosoftAccount[];
  return { connections: connections.filter((c) => runner.sharedEnabled!(c, byConnection.get(Number(c.id))!)) };
}
