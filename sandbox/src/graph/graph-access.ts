// Who may do what in Graph, as Exchange Online decides it: the scope or app role for the operation,
// then the mailbox rights (Full Access to read or change another mailbox, Send As to send as it).
import type { Principal } from '../entra/tokens.js';
import type { World } from '../world/world.js';
import { GraphError, accessDenied } from './graph-errors.js';

export type MailAccess = 'read' | 'readBasic' | 'write' | 'send';

const DELEGATED_SELF: Record<MailAccess, string[]> = {
  read: ['Mail.Read', 'Mail.ReadWrite', 'Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  readBasic: ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite', 'Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  write: ['Mail.ReadWrite', 'Mail.ReadWrite.Shared'],
  send: ['Mail.Send', 'Mail.Send.Shared'],
};
const DELEGATED_OTHER: Record<MailAccess, string[]> = {
  read: ['Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  readBasic: ['Mail.Read.Shared', 'Mail.ReadWrite.Shared'],
  write: ['Mail.ReadWrite.Shared'],
  send: ['Mail.Send.Shared'],
};
const APP_ROLES: Record<MailAccess, string[]> = {
  read: ['Mail.Read', 'Mail.ReadWrite'],
  readBasic: ['Mail.ReadBasic.All', 'Mail.Read', 'Mail.ReadWrite'],
  write: ['Mail.ReadWrite'],
  send: ['Mail.Send'],
};

export const sendAsDenied = (user: string, from: string): GraphError => new GraphError(403, 'ErrorSendAsDenied',
  `The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message. (${user} -> ${from})`);

const hasAny = (granted: Set<string>, wanted: string[]): boolean => wanted.some((w) => granted.has(w));

export function canMail(world: World, p: Principal, mailbox: string, access: MailAccess): boolean {
  try {
    requireMail(world, p, mailbox, access);
    return true;
  } catch {
    return false;
  }
}

export function requireMail(world: World, p: Principal, mailbox: string, access: MailAccess): void {
  if (p.kind === 'app') {
    if (!hasAny(p.roles, APP_ROLES[access])) throw accessDenied();
    return;
  }
  const self = p.user.upn === mailbox;
  if (!hasAny(p.scopes, (self ? DELEGATED_SELF : DELEGATED_OTHER)[access])) throw accessDenied();
  if (self) return;
  if (access === 'send') {
    if (!world.canSendAs(p.user.upn, mailbox)) throw sendAsDenied(p.user.upn, mailbox);
  } else if (!world.hasFullAccess(p.user.upn, mailbox)) {
    throw accessDenied();
  }
}

/** A From other than the sender's own address needs Send As on it (app-only may send as any tenant mailbox). */
export function requireSendAs(world: World, p: Principal, from: string): void {
  if (p.kind === 'app') return;
  if (!world.canSendAs(p.user.upn, from)) throw sendAsDenied(p.user.upn, from);
}

export function requireCalendar(world: World, p: Principal, owner: string): void {
  if (p.kind === 'app') {
    if (!p.roles.has('Calendars.Read')) throw accessDenied();
    return;
  }
  const self = p.user.upn === owner;
  const wanted = self ? ['Calendars.Read', 'Calendars.ReadBasic', 'Calendars.ReadWrite', 'Calendars.Read.Shared'] : ['Calendars.Read.Shared'];
  if (!hasAny(p.scopes, wanted)) throw accessDenied();
  if (!self && !world.hasFullAccess(p.user.upn, owner)) throw accessDenied();
}

export function requireUserRead(p: Principal, target: string): void {
  if (p.kind === 'app') {
    if (!hasAny(p.roles, ['User.Read.All'])) throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    return;
  }
  const wanted = p.user.upn === target ? ['User.Read', 'User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'] : ['User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'];
  if (!hasAny(p.scopes, wanted)) throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}
