import { Op } from 'sequelize';
import { SyncState, type Provider, type SyncSource } from '../metadata-sync.model.js';

export interface StreamKey {
  accountId: number;
  provider: Provider;
  /** Lower-case mailbox address. */
  mailbox: string;
  source: SyncSource;
}

/** The stream's state row, created `pending` on first use (concurrent creators end with the same row). */
export async function findOrCreateState(key: StreamKey): Promise<SyncState> {
  const where = { account_id: key.accountId, provider: key.provider, mailbox: key.mailbox.toLowerCase(), source: key.source };
  const found = await SyncState.findOne({ where });
  if (found) return found;
  const [state] = await SyncState.findOrCreate({ where, defaults: { ...where, status: 'pending', progress: {} } }).catch(async (err: unknown) => {
    // Two processes created it at once: the unique index kept one, which is the row we want.
    const again = await SyncState.findOne({ where });
    if (!again) throw err;
    return [again, false] as const;
  });
  return state;
}

/** Every state of the given mailboxes of a helpdesk account and provider. */
export function statesOf(accountId: number, provider: Provider, mailboxes: string[]): Promise<SyncState[]> {
  return SyncState.findAll({
    where: { account_id: accountId, provider, mailbox: { [Op.in]: mailboxes.map((m) => m.toLowerCase()) } },
    order: [['mailbox', 'ASC'], ['source', 'ASC']],
  });
}

/** Deletes the states of a mailbox (all its sources, or the ones given). */
export async function deleteStates(accountId: number, provider: Provider, mailbox: string, sources?: SyncSource[]): Promise<void> {
  await SyncState.destroy({ where: { account_id: accountId, provider, mailbox: mailbox.toLowerCase(), ...(sources ? { source: { [Op.in]: sources } } : {}) } });
}
