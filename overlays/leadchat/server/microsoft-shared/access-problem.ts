/** Why the delegate cannot use the shared mailbox; the wizard form shows `message` as is. */
export interface AccessProblem {
  code:
    | 'no_full_access' | 'no_send_as' | 'mailbox_not_found' | 'mailbox_not_found_or_no_full_access'
    | 'smtp_auth_refused' | 'mailbox_unreachable' | 'mail_server_settings' | 'round_trip_timeout';
  message: string;
}

export const noFullAccess = (delegate: string, mailbox: string): AccessProblem => ({
  code: 'no_full_access',
  message: `${delegate} has no Full Access on ${mailbox} — ask your Exchange admin to grant it, then connect again.`,
});

/**
 * Exchange refuses the IMAP login the same way for an address that is no mailbox and for a mailbox
 * the delegate may not open, so the wizard names both rather than guess.
 */
export const noMailboxOrFullAccess = (delegate: string, mailbox: string): AccessProblem => ({
  code: 'mailbox_not_found_or_no_full_access',
  message: `${delegate} could not open ${mailbox}: either that mailbox does not exist or ${delegate} has no Full Access on it — check the address, or ask your Exchange admin to grant Full Access, then connect again.`,
});

export const noSendAs = (delegate: string, mailbox: string): AccessProblem => ({
  code: 'no_send_as',
  message: `${delegate} may open ${mailbox} but has no Send As permission on it, so replies could not leave — ask your Exchange admin to grant Send As, then connect again.`,
});

/** Exchange answers 5.7.139 when Authenticated SMTP is off for the tenant (Security Defaults turn it off) or for the user. */
export const smtpAuthDisabled = (delegate: string): AccessProblem => ({
  code: 'smtp_auth_refused',
  message: `SMTP AUTH is turned off for ${delegate} or for the whole tenant (tenants with Security Defaults have it off), so replies could not leave over SMTP — pick "IMAP and LeadMail", or ask your Exchange admin to turn on Authenticated SMTP for this user, then connect again.`,
});

/** The check message was accepted but never showed up: mail flow, not rights, is the problem. */
export const nothingArrived = (mailbox: string, waitedMs: number): AccessProblem => ({
  code: 'round_trip_timeout',
  message: `A test message sent from ${mailbox} to itself did not arrive within ${Math.round(waitedMs / 1000)} seconds, so no inbox was created — check the mailbox's mail flow rules and quota, then connect again.`,
});

export const unreachable = (mailbox: string, detail: string): AccessProblem => ({
  code: 'mailbox_unreachable',
  message: `Could not reach ${mailbox} to check access (${detail}); try again in a moment.`,
});

/** The installation's server settings, not the mailbox, are wrong: `detail` names the one to change. */
export const serverSettings = (mailbox: string, detail: string): AccessProblem => ({
  code: 'mail_server_settings',
  message: `Could not check access to ${mailbox}: this LeadChat installation's mail server settings need a change. ${detail}.`,
});
