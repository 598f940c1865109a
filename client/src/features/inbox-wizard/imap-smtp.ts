/**
 * The "Other provider (IMAP/SMTP)" form's logic: IMAP and SMTP are configured independently (either
 * may be off — Chatwoot forces IMAP before SMTP, #11515), and each configured leg is checked before
 * the inbox is created — inbound, then outbound, then a round trip when both are on (Zammad's order).
 */
export type Leg = 'imap' | 'smtp' | 'round_trip';

export interface ImapSmtpForm {
  name: string;
  email: string;
  backfillDays: number;
  imap: { enabled: boolean; address: string; port: number; login: string; password: string; ssl: boolean };
  smtp: { enabled: boolean; address: string; port: number; login: string; password: string; security: 'starttls' | 'ssl_tls' | 'none' };
}

export function emptyForm(): ImapSmtpForm {
  return {
    name: '',
    email: '',
    backfillDays: 7,
    imap: { enabled: true, address: '', port: 993, login: '', password: '', ssl: true },
    smtp: { enabled: true, address: '', port: 587, login: '', password: '', security: 'starttls' },
  };
}

/** The `channel` params of the inbox API and of the leg checks: only the enabled legs' fields. */
export function channelParams(form: ImapSmtpForm): Record<string, unknown> {
  const params: Record<string, unknown> = { type: 'email', email: form.email.trim(), imap_enabled: form.imap.enabled, smtp_enabled: form.smtp.enabled };
  if (form.imap.enabled) {
    Object.assign(params, {
      imap_address: form.imap.address.trim(),
      imap_port: Number(form.imap.port),
      imap_login: form.imap.login.trim() || form.email.trim(),
      imap_password: form.imap.password,
      imap_enable_ssl: form.imap.ssl,
      backfill_days: form.backfillDays,
    });
  }
  if (form.smtp.enabled) {
    Object.assign(params, {
      smtp_address: form.smtp.address.trim(),
      smtp_port: Number(form.smtp.port),
      smtp_login: form.smtp.login.trim() || form.email.trim(),
      smtp_password: form.smtp.password,
      smtp_enable_starttls_auto: form.smtp.security === 'starttls',
      smtp_enable_ssl_tls: form.smtp.security === 'ssl_tls',
    });
  }
  return params;
}

/** The legs to check, in order; a round trip needs both directions. */
export function legsToCheck(form: Pick<ImapSmtpForm, 'imap' | 'smtp'>): Leg[] {
  const legs: Leg[] = [];
  if (form.imap.enabled) legs.push('imap');
  if (form.smtp.enabled) legs.push('smtp');
  if (form.imap.enabled && form.smtp.enabled) legs.push('round_trip');
  return legs;
}

export type LegState = { status: 'pending' | 'running' | 'ok' | 'failed'; message?: string };

export interface CheckFailure {
  leg: Leg;
  message: string;
  /** Field name (`imap_password`) -> the server's message for it. */
  fields: Record<string, string>;
}

/**
 * Runs the checks one after the other and stops at the first failure: a round trip over a leg that
 * cannot log in tells nothing new. `onState` lets the form show progress per leg.
 */
export async function runLegChecks(
  legs: Leg[],
  check: (leg: Leg) => Promise<void>,
  onState: (leg: Leg, state: LegState) => void,
): Promise<CheckFailure | null> {
  for (const leg of legs) onState(leg, { status: 'pending' });
  for (const leg of legs) {
    onState(leg, { status: 'running' });
    try {
      await check(leg);
      onState(leg, { status: 'ok' });
    } catch (err) {
      const failure = checkFailure(leg, err);
      onState(leg, { status: 'failed', message: failure.message });
      return failure;
    }
  }
  return null;
}

/** The server's field errors (`channel.imap_password`) keyed by the form's field names. */
export function fieldErrors(problems: { path: string; message: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of problems ?? []) {
    const field = p.path.replace(/^channel\./, '');
    out[field] ??= p.message;
  }
  return out;
}

function checkFailure(leg: Leg, err: unknown): CheckFailure {
  const e = err as { message?: string; fields?: { path: string; message: string }[] };
  return { leg, message: e.fields?.[0]?.message ?? e.message ?? String(err), fields: fieldErrors(e.fields) };
}
