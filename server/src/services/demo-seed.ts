import { randomToken } from '../lib/crypto.js';
import type { Logger } from '../lib/logger.js';
import { Account, AccountUser } from '../models/index.js';
import { createUser } from './users.service.js';

export const DEMO_ADMIN_EMAIL = 'admin@leadchat.localhost';

/**
 * On an empty installation: one account with one administrator, so a newcomer can sign in at once.
 * The password comes from DEMO_ADMIN_PASSWORD, or is generated and printed once.
 */
export async function seedDemo(logger: Logger, password = process.env.DEMO_ADMIN_PASSWORD): Promise<{ email: string; password: string } | null> {
  if ((await Account.count()) > 0) return null;
  const pass = password || `Lc-${randomToken(9)}9a`;
  // The user first: a DEMO_ADMIN_PASSWORD that fails the password rules stops here with nothing
  // created, so the next start (with a better password) still finds an empty installation.
  const user = await createUser({ name: 'Demo Admin', email: DEMO_ADMIN_EMAIL, password: pass, type: 'SuperAdmin' });
  const account = await Account.create({ name: 'Demo Company' });
  await AccountUser.create({ account_id: account.id, user_id: user.id, role: 'administrator' });
  logger.info({ accountId: account.id, email: DEMO_ADMIN_EMAIL }, 'created the demo account and administrator');
  return { email: DEMO_ADMIN_EMAIL, password: pass };
}
