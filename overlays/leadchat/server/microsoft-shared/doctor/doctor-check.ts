/** One line of the "Check connection" checklist. `fix` says in plain words what to do; set when not ok. */
export interface CheckResult {
  id: CheckId;
  status: 'ok' | 'failed' | 'warning' | 'skipped';
  detail: string;
  fix?: string;
  /** A page the fix sends the administrator to (LeadChat's own, e.g. Entra's admin consent for this app). */
  link?: string;
}

export type CheckId = 'token' | 'full_access' | 'send_as' | 'imap' | 'smtp_auth' | 'graph' | 'push' | 'subscription' | 'last_activity' | 'backlog';

export type CheckOutcome = Omit<CheckResult, 'id'>;

export const ok = (detail: string): CheckOutcome => ({ status: 'ok', detail });
export const failed = (detail: string, fix: string): CheckOutcome => ({ status: 'failed', detail, fix });
export const warning = (detail: string, fix: string, link?: string): CheckOutcome => ({ status: 'warning', detail, fix, ...(link ? { link } : {}) });

/** A time as an administrator reads it in a sentence (UTC, to the minute), not ISO 8601. */
export const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
export const skipped = (detail: string): CheckOutcome => ({ status: 'skipped', detail });

/**
 * Runs one check under its own deadline: a hanging server (a socket that never answers) then costs
 * that line only, and the checklist still comes back.
 */
export async function runCheck(id: CheckId, timeoutMs: number, check: () => Promise<CheckOutcome>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve(failed(`No answer within ${Math.round(timeoutMs / 1000)} seconds.`, 'Try again in a few minutes; if it keeps timing out, Microsoft 365 may be having an outage (see the Microsoft 365 service health page).')), timeoutMs);
  });
  try {
    const outcome = await Promise.race([check().catch((err: Error) => failed(`The check could not run: ${err.message}`, 'Try again in a few minutes.')), deadline]);
    return { id, ...outcome };
  } finally {
    clearTimeout(timer);
  }
}
