/**
 * The "Mail & calendar insights" screens' logic, free of Vue so it is tested on its own: the scope
 * toggles per provider and the request bodies they become, the return from a provider's sign-in
 * (`?connected=` / `?error=<code>` / `admin_consent_url`), per-source labels, badges and backfill
 * progress, when to poll, shared-mailbox entry checks, and relative times.
 */
import { oauthErrorCode } from '../../../../client/src/extensions/api.js';

export const PROVIDERS = ['microsoft', 'google'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The toggles each provider offers, in the order they are shown. */
export const FEATURES = {
  microsoft: ['mail', 'calendar', 'shared_mail', 'shared_calendar'],
  google: ['mail', 'calendar'],
} as const satisfies Record<Provider, readonly string[]>;
export type Feature = (typeof FEATURES)[Provider][number];
export type Features = Partial<Record<Feature, boolean>>;

/** `METADATA_SYNC.FEATURES.<key>.{LABEL,HELP}` of a toggle: Google's mail is "Gmail". */
export const featureKey = (provider: Provider, feature: Feature): string => (provider === 'google' && feature === 'mail' ? 'GMAIL' : feature.toUpperCase());

/** `METADATA_SYNC.PROVIDER.<key>` of a provider. */
export const providerKey = (provider: Provider): string => provider.toUpperCase();

const isProvider = (value: unknown): value is Provider => typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);

/** The toggles' starting values: the connection's own, or mail and calendar for a first connect. */
export function initialFeatures(provider: Provider, current?: Features | null): Record<Feature, boolean> {
  const defaults: Features = current ?? { mail: true, calendar: true };
  return Object.fromEntries(FEATURES[provider].map((f) => [f, defaults[f] === true])) as Record<Feature, boolean>;
}

/** Every toggle of the provider as a boolean (and nothing else): the `features` of authorization and PATCH. */
export function featuresBody(provider: Provider, toggles: Features): Record<string, boolean> {
  return Object.fromEntries(FEATURES[provider].map((f) => [f, toggles[f] === true]));
}

export const anyFeature = (provider: Provider, toggles: Features): boolean => FEATURES[provider].some((f) => toggles[f] === true);

/** The body of `POST …/integrations/:provider/authorization`; the work email (login hint) only when typed. */
export function authorizationBody(provider: Provider, toggles: Features, loginHint = ''): { features: Record<string, boolean>; login_hint?: string } {
  const hint = loginHint.trim().toLowerCase();
  return hint ? { features: featuresBody(provider, toggles), login_hint: hint } : { features: featuresBody(provider, toggles) };
}

/** The switched-on features whose permission the connection was not granted yet: they need "Grant access" (incremental consent). */
export function featuresNeedingConsent(provider: Provider, scopesAvailable: Record<string, string>, missingScopes: string[]): Feature[] {
  const missing = new Set(missingScopes.map((s) => s.toLowerCase()));
  return FEATURES[provider].filter((f) => scopesAvailable[f] !== undefined && missing.has(scopesAvailable[f].toLowerCase()));
}

/** What the provider's callback put in the URL when it sent the browser back to the page. */
export type ConnectReturn =
  | { kind: 'connected'; provider: Provider }
  | { kind: 'error'; provider: Provider | null; code: string }
  | { kind: 'none' };

const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');

export function connectReturn(query: Record<string, unknown>): ConnectReturn {
  const connected = text(query.connected);
  if (isProvider(connected)) return { kind: 'connected', provider: connected };
  const code = oauthErrorCode(query);
  if (!code) return { kind: 'none' };
  const provider = text(query.provider);
  return {
    kind: 'error',
    provider: isProvider(provider) ? provider : null,
    code,
  };
}

export type SyncStatus = 'pending' | 'running' | 'idle' | 'throttled' | 'error';
export type SourceName = 'mail:inbox' | 'mail:sentitems' | 'calendar' | 'gmail' | 'google_calendar';

export interface SourceProgress {
  processed: number;
  total?: number;
  round?: 'backfill' | 'incremental';
}

/** `METADATA_SYNC.SOURCE.<key>`; an unknown source shows its raw name. */
const SOURCE_KEY: Record<SourceName, string> = {
  'mail:inbox': 'INBOX',
  'mail:sentitems': 'SENT',
  calendar: 'CALENDAR',
  gmail: 'GMAIL',
  google_calendar: 'GOOGLE_CALENDAR',
};

export function sourceLabelKey(source: string): string | null {
  return Object.hasOwn(SOURCE_KEY, source) ? `METADATA_SYNC.SOURCE.${SOURCE_KEY[source as SourceName]}` : null;
}

const SOURCE_ORDER: readonly string[] = Object.keys(SOURCE_KEY);

/** The user's own mailbox first, then the shared ones by address; within a mailbox mail (Inbox, Sent) before calendar. */
export function sortSources<T extends { mailbox: string; source: string; shared: boolean }>(sources: T[]): T[] {
  const rank = (s: T) => (SOURCE_ORDER.includes(s.source) ? SOURCE_ORDER.indexOf(s.source) : SOURCE_ORDER.length);
  return [...sources].sort((a, b) => Number(a.shared) - Number(b.shared) || a.mailbox.localeCompare(b.mailbox) || rank(a) - rank(b));
}

type BadgeTone = '' | 'primary' | 'ok' | 'warn' | 'danger';

/** A source's status as a badge: its i18n key (`METADATA_SYNC.STATUS.*`) and the core's badge colour. */
export function statusBadge(status: string, lastSyncedAt: string | null): { key: string; tone: BadgeTone } {
  switch (status) {
    case 'pending':
      return { key: 'METADATA_SYNC.STATUS.PENDING', tone: '' };
    case 'running':
      return { key: 'METADATA_SYNC.STATUS.RUNNING', tone: 'primary' };
    case 'idle':
      return lastSyncedAt ? { key: 'METADATA_SYNC.STATUS.SYNCED', tone: 'ok' } : { key: 'METADATA_SYNC.STATUS.PENDING', tone: '' };
    case 'throttled':
      return { key: 'METADATA_SYNC.STATUS.THROTTLED', tone: 'warn' };
    default:
      return { key: 'METADATA_SYNC.STATUS.ERROR', tone: 'danger' };
  }
}

/** Backfill progress in whole percent, or null when the total is not known yet (an indeterminate bar). */
export function progressPercent(progress: SourceProgress | null | undefined): number | null {
  if (!progress?.total || progress.total <= 0) return null;
  return Math.min(100, Math.max(0, Math.floor((progress.processed / progress.total) * 100)));
}

/** The progress bar shows while the 24-month backfill has not completed and the source is working on it. */
export const showsProgress = (source: { status: string; backfill_completed_at: string | null }): boolean =>
  !source.backfill_completed_at && (source.status === 'pending' || source.status === 'running');

const BUSY_STATUSES: readonly string[] = ['pending', 'running'];

/**
 * Whether the page polls again: while a source is pending or running, and for a short grace period
 * after an action (connect, Sync now, toggles) during which the jobs may not have created their rows yet.
 */
export function shouldPoll(sources: { status: string }[], now: number, graceUntil: number): boolean {
  return sources.some((s) => BUSY_STATUSES.includes(s.status)) || now < graceUntil;
}

export const POLL_INTERVAL_MS = 3_000;
export const POLL_GRACE_MS = 6_000;

/** A circuit breaker's name (`ms_graph_mail`, `google_calendar`, …) belongs to one provider. */
export function circuitProvider(name: string): Provider | null {
  if (name.startsWith('ms_')) return 'microsoft';
  if (name.startsWith('google_')) return 'google';
  return null;
}

/** The circuits of a provider worth showing: those not closed (open: requests paused; half_open: probing). */
export function openCircuits<T extends { name: string; state: string }>(provider: Provider, circuits: T[]): T[] {
  return circuits.filter((c) => c.state !== 'closed' && circuitProvider(c.name) === provider);
}

// One @, no spaces, a dot in the domain; the server validates for real.
const ADDRESS = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** The problem (`METADATA_SYNC.SHARED.ERRORS.*`) with a shared mailbox address before it is sent, or null. */
export function sharedMailboxProblem(email: string, ownEmail: string, listed: { email: string }[]): string | null {
  const address = email.trim().toLowerCase();
  if (!address) return 'EMAIL_REQUIRED';
  if (!ADDRESS.test(address)) return 'EMAIL_INVALID';
  if (address === ownEmail.toLowerCase()) return 'OWN_MAILBOX';
  if (listed.some((m) => m.email.toLowerCase() === address)) return 'DUPLICATE';
  return null;
}

/** `METADATA_SYNC.INTERACTIONS.*` for an event: a meeting, or an email from / to the contact. */
export function interactionLabelKey(kind: string, direction: string): string {
  if (kind === 'meeting') return 'METADATA_SYNC.INTERACTIONS.MEETING';
  return direction === 'outbound' ? 'METADATA_SYNC.INTERACTIONS.EMAIL_OUTBOUND' : 'METADATA_SYNC.INTERACTIONS.EMAIL_INBOUND';
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 days ago", "in 2 hours", "now": the largest whole unit, in the dashboard's locale. */
export function relativeTime(iso: string, now: number, locale: string): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(0, 'second');
}
