import type { AddressObject } from 'mailparser';

/** An address as LeadChat stores it: lower-case, no NUL. */
export interface EmailAddress {
  address: string;
  name: string;
}

/** RFC 5322's line limit: what lists and previews carry of a header; the raw email keeps the whole value. */
export const MAX_HEADER_CHARS = 998;

export function capped(s: string): string {
  return s.length > MAX_HEADER_CHARS ? `${s.slice(0, MAX_HEADER_CHARS - 1)}…` : s;
}

export function addresses(value: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const flat = (list: AddressObject['value']): EmailAddress[] =>
    list.flatMap((a) => (a.group ? flat(a.group) : a.address ? [{ address: clean(a.address).toLowerCase(), name: clean(a.name ?? '') }] : []));
  return [value ?? []].flat().flatMap((o) => flat(o.value));
}

/** Postgres text and jsonb cannot hold NUL; some mailers put them in headers. */
export function clean(s: string): string {
  return s.replace(/\u0000/g, '');
}
