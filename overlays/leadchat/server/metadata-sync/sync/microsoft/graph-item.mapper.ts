// Graph messages and events as the rules see them (sync/types.ts): addresses lower-cased, headers
// keyed by lower-case name, times as UTC instants.
import type { Address, AttendeeResponse, EmailMetadata, MeetingMetadata } from '../types.js';
import { ianaZone } from './windows-zones.js';

interface GraphAddress {
  emailAddress?: { name?: string | null; address?: string | null } | null;
}

/** A message of a delta page, with only what the `$select` asked for (partial when only flags changed). */
export interface GraphMessage {
  id: string;
  '@removed'?: { reason?: string };
  internetMessageId?: string | null;
  from?: GraphAddress | null;
  toRecipients?: GraphAddress[] | null;
  ccRecipients?: GraphAddress[] | null;
  bccRecipients?: GraphAddress[] | null;
  sentDateTime?: string | null;
  receivedDateTime?: string | null;
  subject?: string | null;
  internetMessageHeaders?: { name: string; value: string }[] | null;
}

interface GraphDateTime {
  dateTime: string;
  timeZone?: string | null;
}

export interface GraphEvent {
  id: string;
  '@removed'?: { reason?: string };
  iCalUId?: string | null;
  subject?: string | null;
  isCancelled?: boolean;
  start?: GraphDateTime | null;
  organizer?: GraphAddress | null;
  attendees?: (GraphAddress & { status?: { response?: string | null } | null })[] | null;
}

const address = (a: GraphAddress | null | undefined): Address | null => {
  const email = a?.emailAddress?.address?.trim().toLowerCase();
  return email ? { address: email, name: a?.emailAddress?.name ?? null } : null;
};

const addresses = (list: GraphAddress[] | null | undefined): Address[] => (list ?? []).map(address).filter((a): a is Address => a !== null);

const instant = (iso: string | null | undefined): Date | null => {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
};

export function messageMetadata(m: GraphMessage, folder: EmailMetadata['folder']): EmailMetadata {
  const headers: Record<string, string> = {};
  for (const h of m.internetMessageHeaders ?? []) headers[h.name.toLowerCase()] ??= h.value;
  return {
    itemId: m.id,
    internetMessageId: m.internetMessageId ?? null,
    from: address(m.from),
    to: addresses(m.toRecipients),
    cc: addresses(m.ccRecipients),
    bcc: addresses(m.bccRecipients),
    subject: m.subject ?? null,
    sentAt: instant(m.sentDateTime),
    receivedAt: instant(m.receivedDateTime),
    headers,
    folder,
  };
}

const RESPONSES: Record<string, AttendeeResponse> = {
  accepted: 'accepted', tentativelyaccepted: 'tentative', declined: 'declined', organizer: 'organizer', none: 'none', notresponded: 'none',
};

const UTC_NAMES = new Set(['utc', 'etc/utc', 'gmt', 'coordinated universal time']);

/**
 * Graph's `dateTimeTimeZone` as an instant. Every request asks for UTC (`Prefer: outlook.timezone`);
 * a wall time in another zone is still converted rather than misread, Exchange's Windows zone names
 * ("Pacific Standard Time") included.
 */
export function graphInstant(value: GraphDateTime): Date {
  const wall = value.dateTime.replace(/(\.\d{3})\d*$/, '$1').replace(/Z$/, '');
  const asUtc = Date.parse(`${wall}Z`);
  if (Number.isNaN(asUtc)) throw new Error(`Graph sent an unreadable time: ${value.dateTime}`);
  const zone = ianaZone(value.timeZone?.trim() || 'UTC');
  if (UTC_NAMES.has(zone.toLowerCase())) return new Date(asUtc);
  // The zone's offset at that wall time, checked once more across a DST change.
  let utc = asUtc - offsetMs(asUtc, zone);
  utc = asUtc - offsetMs(utc, zone);
  return new Date(utc);
}

function offsetMs(instantMs: number, zone: string): number {
  let parts: Record<string, string>;
  try {
    parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(instantMs)).map((p) => [p.type, p.value]));
  } catch {
    throw new Error(`Graph sent a time in "${zone}", which is neither an IANA nor a Windows time zone, although UTC was asked for`);
  }
  const wallMs = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wallMs - Math.floor(instantMs / 1000) * 1000;
}

export function eventMetadata(e: GraphEvent): MeetingMetadata {
  if (!e.start) throw new Error(`Graph event ${e.id} has no start`);
  return {
    itemId: e.id,
    iCalUid: e.iCalUId ?? null,
    subject: e.subject ?? null,
    start: graphInstant(e.start),
    organizer: address(e.organizer),
    attendees: (e.attendees ?? []).flatMap((a) => {
      const who = address(a);
      return who ? [{ ...who, response: RESPONSES[(a.status?.response ?? 'none').toLowerCase()] ?? 'none' }] : [];
    }),
    cancelled: e.isCancelled === true,
  };
}
