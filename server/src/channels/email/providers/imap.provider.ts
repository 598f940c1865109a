import type { FieldError } from '../../../lib/errors.js';
import type { EmailProvider } from '../../../extensions/types.js';

/** Fields a leg needs once it is enabled; passwords only on create (an update keeps the stored one). */
function requireLeg(params: Record<string, unknown>, leg: 'imap' | 'smtp', mode: 'create' | 'update'): FieldError[] {
  if (!params[`${leg}_enabled`]) return [];
  const needed = [`${leg}_address`, `${leg}_port`, `${leg}_login`, ...(mode === 'create' ? [`${leg}_password`] : [])];
  return needed.filter((f) => params[f] === undefined || params[f] === '').map((path) => ({ path, message: `is required when ${leg}_enabled is true` }));
}

/**
 * `imap`: any mailbox reached with a login and password (Chatwoot's default provider). IMAP and SMTP
 * are configured independently: either leg may be enabled on its own.
 */
export const imapProvider: EmailProvider = {
  id: 'imap',
  label: 'Other provider (IMAP/SMTP)',
  creatableViaApi: true,
  validateChannelParams(params, mode) {
    return [...requireLeg(params, 'imap', mode), ...requireLeg(params, 'smtp', mode)];
  },
};

/** A user's own Microsoft 365 mailbox over OAuth (XOAUTH2), created by its sign-in flow. */
export const microsoftProvider: EmailProvider = {
  id: 'microsoft',
  label: 'Microsoft 365',
  creatableViaApi: false,
};

/** A user's own Google Workspace / Gmail mailbox over OAuth (XOAUTH2), created by its sign-in flow. */
export const googleProvider: EmailProvider = {
  id: 'google',
  label: 'Google',
  creatableViaApi: false,
};
