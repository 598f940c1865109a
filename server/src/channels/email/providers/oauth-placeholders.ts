import type { EmailProvider } from '../../../extensions/types.js';

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
