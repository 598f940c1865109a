/** Why the delegate cannot use the shared mailbox; the wizard form shows `message` as is. */
export interface AccessProblem {
  code: 'no_full_access' | 'no_send_as' | 'mailbox_not_found' | 'smtp_auth_refused' | 'mailbox_unreachable';
  message: string;
}

export const noFullAccess = (delegate: string, mailbox: string): AccessProblem => ({
  code: 'no_full_access',
  message: `${delegate} has no Full Access on ${mailbox} — ask your Exchange admin to grant it, then connect again.`,
});

export const unreachable = (mailbox: string, detail: string): AccessProblem => ({
  code: 'mailbox_unreachable',
  message: `Could not reach ${mailbox} to check access (${detail}); try again in a moment.`,
});
