// The mutable world: directory, mailbox permissions, consents and what was sent. Each stand-in
// keeps its own protocol state (codes, subscriptions, delta tokens...) and registers a reset hook,
// so POST /reset returns every part to the seed at once.
import {
  TENANT, seedApps, seedCalendars, seedPlainMailboxes, seedSharedMailboxes, seedUsers,
  type CalendarEvent, type EntraApp, type PlainMailbox, type SharedMailbox, type TenantUser,
} from './seed.js';

export type MailboxKind = 'user' | 'shared' | 'plain';

export interface Mailbox {
  kind: MailboxKind;
  address: string;
  displayName: string;
  /** Directory object id; plain mailboxes are outside the tenant and have none. */
  id: string | null;
}

/** Entra's user consent setting: users may consent to delegated permissions, or only admins may. */
export type UserConsentPolicy = 'allowed' | 'admin_only';

export interface SentRecord {
  via: 'smtp' | 'graph' | 'leadmail';
  at: string;
  /** Who authenticated: the delegate's UPN, the app's client id, or the LeadMail key's account. */
  submittedBy: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  references: string | null;
  /** Mailboxes in the world the message was delivered to; external recipients only appear in to/cc/bcc. */
  deliveredTo: string[];
  sentCopies: string[];
}

interface WorldState {
  users: TenantUser[];
  shared: SharedMailbox[];
  plain: PlainMailbox[];
  apps: EntraApp[];
  /** Delegated consent per `${userId}|${clientId}`: full scope strings (resource + permission). */
  consents: Map<string, Set<string>>;
  /** App roles granted by admin consent per client id. */
  appRoles: Map<string, Set<string>>;
  /** Delegated permissions an administrator granted for every user of the tenant, per client id. */
  tenantWideConsents: Map<string, Set<string>>;
  userConsent: UserConsentPolicy;
  calendars: Map<string, CalendarEvent[]>;
  sent: SentRecord[];
  tokenLifetimeSeconds: number;
  /** Authenticated SMTP (client submission) off for the whole tenant, as under Security Defaults. */
  smtpAuthDisabled: boolean;
}

const clone = <T>(value: T): T => structuredClone(value);

export class World {
  readonly tenant = TENANT;
  private state: WorldState;
  private resetHooks: (() => void | Promise<void>)[] = [];

  constructor(private readonly defaultTokenLifetimeSeconds: number) {
    this.state = this.seedState();
  }

  private seedState(): WorldState {
    return {
      users: clone(seedUsers),
      shared: clone(seedSharedMailboxes),
      plain: clone(seedPlainMailboxes),
      apps: clone(seedApps),
      consents: new Map(),
      appRoles: new Map(),
      tenantWideConsents: new Map(),
      userConsent: 'allowed',
      calendars: seedCalendars(),
      sent: [],
      tokenLifetimeSeconds: this.defaultTokenLifetimeSeconds,
      smtpAuthDisabled: false,
    };
  }

  onReset(hook: () => void | Promise<void>): void {
    this.resetHooks.push(hook);
  }

  async reset(): Promise<void> {
    this.state = this.seedState();
    for (const hook of this.resetHooks) await hook();
  }

  get tokenLifetimeSeconds(): number { return this.state.tokenLifetimeSeconds; }
  set tokenLifetimeSeconds(seconds: number) { this.state.tokenLifetimeSeconds = seconds; }

  get users(): readonly TenantUser[] { return this.state.users; }
  get sharedMailboxes(): readonly SharedMailbox[] { return this.state.shared; }
  get plainMailboxes(): readonly PlainMailbox[] { return this.state.plain; }
  get apps(): readonly EntraApp[] { return this.state.apps; }

  findUser(idOrUpn: string): TenantUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.state.users.find((u) => u.id === key || u.upn === key);
  }

  findShared(idOrUpn: string): SharedMailbox | undefined {
    const key = idOrUpn.toLowerCase();
    return this.state.shared.find((m) => m.id === key || m.upn === key);
  }

  findApp(clientId: string): EntraApp | undefined {
    return this.state.apps.find((a) => a.clientId === clientId);
  }

  /** Every mailbox Dovecot hosts: tenant users, shared mailboxes, plain mailboxes. */
  allMailboxes(): Mailbox[] {
    return [
      ...this.state.users.map((u): Mailbox => ({ kind: 'user', address: u.upn, displayName: u.displayName, id: u.id })),
      ...this.state.shared.map((m): Mailbox => ({ kind: 'shared', address: m.upn, displayName: m.displayName, id: m.id })),
      ...this.state.plain.map((m): Mailbox => ({ kind: 'plain', address: m.address, displayName: m.displayName, id: null })),
    ];
  }

  findMailbox(idOrAddress: string): Mailbox | undefined {
    const key = idOrAddress.toLowerCase();
    return this.allMailboxes().find((m) => m.address === key || m.id === key);
  }

  /** Exchange's Full Access: the owner always, a shared mailbox's delegates when granted. */
  hasFullAccess(userUpn: string, mailboxAddress: string): boolean {
    const user = userUpn.toLowerCase();
    const mailbox = mailboxAddress.toLowerCase();
    if (user === mailbox) return this.findUser(user) !== undefined;
    return this.findShared(mailbox)?.fullAccess.includes(user) ?? false;
  }

  /** Exchange's Send As, checked against the From address of what a delegate submits. */
  canSendAs(userUpn: string, fromAddress: string): boolean {
    const user = userUpn.toLowerCase();
    const from = fromAddress.toLowerCase();
    if (user === from) return true;
    return this.findShared(from)?.sendAs.includes(user) ?? false;
  }

  setMailboxRight(mailboxAddress: string, userUpn: string, right: 'FullAccess' | 'SendAs', granted: boolean): void {
    const mailbox = this.findShared(mailboxAddress);
    if (!mailbox) throw new Error(`${mailboxAddress} is not a shared mailbox`);
    if (!this.findUser(userUpn)) throw new Error(`${userUpn} is not a tenant user`);
    const list = right === 'FullAccess' ? mailbox.fullAccess : mailbox.sendAs;
    const user = userUpn.toLowerCase();
    const i = list.indexOf(user);
    if (granted && i < 0) list.push(user);
    if (!granted && i >= 0) list.splice(i, 1);
  }

  get smtpAuthDisabled(): boolean { return this.state.smtpAuthDisabled; }

  setSmtpAuthDisabled(disabled: boolean): void {
    this.state.smtpAuthDisabled = disabled;
  }

  setCopyForSentAs(mailboxAddress: string, enabled: boolean): void {
    const mailbox = this.findShared(mailboxAddress);
    if (!mailbox) throw new Error(`${mailboxAddress} is not a shared mailbox`);
    mailbox.messageCopyForSentAsEnabled = enabled;
  }

  /** What the user may use without being asked: their own consents plus tenant-wide grants (not for personal accounts). */
  consentedScopes(userId: string, clientId: string): Set<string> {
    const own = this.state.consents.get(`${userId}|${clientId}`) ?? new Set<string>();
    const tenantWide = this.findUser(userId)?.personal ? new Set<string>() : this.tenantWideConsents(clientId);
    return new Set([...own, ...tenantWide]);
  }

  tenantWideConsents(clientId: string): Set<string> {
    return this.state.tenantWideConsents.get(clientId) ?? new Set();
  }

  grantTenantWide(clientId: string, scopes: Iterable<string>): void {
    const set = this.state.tenantWideConsents.get(clientId) ?? new Set<string>();
    for (const s of scopes) set.add(s);
    this.state.tenantWideConsents.set(clientId, set);
  }

  get userConsent(): UserConsentPolicy { return this.state.userConsent; }
  set userConsent(policy: UserConsentPolicy) { this.state.userConsent = policy; }

  grantConsent(userId: string, clientId: string, scopes: Iterable<string>): void {
    const key = `${userId}|${clientId}`;
    const set = this.state.consents.get(key) ?? new Set<string>();
    for (const s of scopes) set.add(s);
    this.state.consents.set(key, set);
  }

  revokeConsent(userId: string, clientId: string, scope?: string): void {
    const key = `${userId}|${clientId}`;
    if (scope === undefined) this.state.consents.delete(key);
    else this.state.consents.get(key)?.delete(scope);
  }

  appRoles(clientId: string): Set<string> {
    return this.state.appRoles.get(clientId) ?? new Set();
  }

  setAppRole(clientId: string, role: string, granted: boolean): void {
    const set = this.state.appRoles.get(clientId) ?? new Set<string>();
    if (granted) set.add(role);
    else set.delete(role);
    this.state.appRoles.set(clientId, set);
  }

  calendar(upn: string): CalendarEvent[] {
    const key = upn.toLowerCase();
    let events = this.state.calendars.get(key);
    if (!events) {
      events = [];
      this.state.calendars.set(key, events);
    }
    return events;
  }

  recordSent(record: SentRecord): void {
    this.state.sent.push(record);
  }

  get sent(): readonly SentRecord[] { return this.state.sent; }
}
