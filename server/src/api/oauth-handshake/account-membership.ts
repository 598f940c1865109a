import { AppError } from '../../lib/errors.js';
import { Account, AccountUser } from '../../models/index.js';

/** Who started a sign-in, for which account: every flow's state carries at least this. */
export interface HandshakeSubject {
  accountId: number;
  userId: number;
}

/** What the starter must still be when the provider sends the browser back. */
export type AccountRole = 'administrator' | 'member';

const REFUSALS: Record<AccountRole, string> = {
  administrator: 'This sign-in was started for an account you do not administer',
  member: 'This sign-in was started for an account you no longer belong to',
};

/**
 * Minutes pass between start and callback: the user may have been removed or demoted, or the account
 * suspended, meanwhile. The account must still be active and the user still hold the role.
 */
export async function assertStillInAccount(subject: HandshakeSubject, role: AccountRole): Promise<void> {
  const membership = await AccountUser.findOne({
    where: { account_id: subject.accountId, user_id: subject.userId, ...(role === 'administrator' ? { role } : {}) },
    include: [{ model: Account, as: 'account', where: { status: 'active' } }],
  });
  if (!membership) throw new AppError(REFUSALS[role], { status: 400, code: 'state_foreign_account' });
}
