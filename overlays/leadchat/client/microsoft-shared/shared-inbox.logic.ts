/**
 * The "Microsoft 365 shared inbox" form's logic, free of Vue so it is tested on its own: the three
 * transports, validation, the authorization payload, and the draft kept in sessionStorage across the
 * round trip to Microsoft's sign-in (a refused sign-in comes back to an empty page otherwise).
 */
export const TRANSPORTS = ['graph_full', 'imap_smtp', 'imap_leadmail'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** The i18n key of each transport: `MICROSOFT_SHARED.TRANSPORT.<key>.{TITLE,HELP}`. */
export const TRANSPORT_KEY: Record<Transport, string> = { graph_full: 'GRAPH', imap_smtp: 'IMAP_SMTP', imap_leadmail: 'IMAP_LEADMAIL' };

export const isTransport = (value: unknown): value is Transport => typeof value === 'string' && (TRANSPORTS as readonly string[]).includes(value);

export interface SharedInboxDraft {
  name: string;
  email: string;
  /** Empty until the administrator picks one: the transports differ in what they need and cost. */
  transport: Transport | '';
  /** Set when reconnecting an existing inbox: its mailbox is fixed, its transport may change. */
  inboxId?: number;
}

export const emptyDraft = (): SharedInboxDraft => ({ name: '', email: '', transport: '' });

/** Field -> i18n key of the problem (`MICROSOFT_SHARED.FORM.ERRORS.*`). */
export type DraftErrors = Partial<Record<'name' | 'email' | 'transport', string>>;

// One @, no spaces, a dot in the domain: what Exchange accepts as a primary SMTP address, roughly; the server validates for real.
const ADDRESS = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const NAME_MAX = 255;

export function validateDraft(draft: SharedInboxDraft): DraftErrors {
  const errors: DraftErrors = {};
  const email = draft.email.trim();
  if (!draft.inboxId) {
    if (!email) errors.email = 'EMAIL_REQUIRED';
    else if (!ADDRESS.test(email)) errors.email = 'EMAIL_INVALID';
  }
  if (!draft.transport) errors.transport = 'TRANSPORT_REQUIRED';
  if (draft.name.trim().length > NAME_MAX) errors.name = 'NAME_TOO_LONG';
  return errors;
}

/** The body of `POST …/microsoft_shared/authorization`; a reconnect names the inbox, whose mailbox the server already knows. */
export function authorizationPayload(draft: SharedInboxDraft): Record<string, string | number> {
  if (draft.inboxId) return { inbox_id: draft.inboxId, transport: draft.transport };
  const payload: Record<string, string> = { email: draft.email.trim().toLowerCase(), transport: draft.transport };
  const name = draft.name.trim();
  if (name) payload.name = name;
  return payload;
}

/** The server's field problems (`email`, `transport`, `name`, `inbox_id`) as messages per form field. */
export function serverFieldErrors(fields: { path: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) out[f.path === 'inbox_id' ? 'email' : f.path] ??= f.message;
  return out;
}

export const DRAFT_KEY = 'leadchat.microsoft_shared.draft';

type Query = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const positiveInt = (v: unknown) => (/^[1-9]\d*$/.test(text(v)) ? Number(text(v)) : undefined);

function parseDraft(raw: string | null): SharedInboxDraft | null {
  if (!raw) return null;
  try {
    const d = JSON.parse(raw) as Partial<SharedInboxDraft>;
    return { name: text(d.name), email: text(d.email), transport: isTransport(d.transport) ? d.transport : '', inboxId: positiveInt(String(d.inboxId ?? '')) };
  } catch {
    return null;
  }
}

/**
 * The form's starting values for the route it opens on:
 * - back from a refused sign-in (`?error=`): the saved draft, so nothing has to be typed again;
 * - a reconnect (`?inbox_id=`, from the inbox's banner or settings): that inbox's mailbox and name;
 * - otherwise an empty form (a stale draft from an earlier attempt is not reused).
 */
export function initialDraft(query: Query, storage: Pick<Storage, 'getItem'>): SharedInboxDraft {
  const inboxId = positiveInt(query.inbox_id);
  if (text(query.error)) {
    const saved = parseDraft(storage.getItem(DRAFT_KEY));
    if (saved && (!inboxId || saved.inboxId === inboxId)) return saved;
  }
  const transport = text(query.transport);
  return { name: text(query.name), email: text(query.email), transport: isTransport(transport) ? transport : '', inboxId };
}

export function saveDraft(draft: SharedInboxDraft, storage: Pick<Storage, 'setItem'>): void {
  storage.setItem(DRAFT_KEY, JSON.stringify(draft));
}
