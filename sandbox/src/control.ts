// Programmatic control of a running sandbox; the control API is a thin HTTP layer over this, and
// tests in the same process may call it directly.
import crypto from 'node:crypto';
import type { World, SentRecord, UserConsentPolicy } from './world/world.js';
import { GRAPH_RESOURCE, OUTLOOK_RESOURCE, seedMessages, type CalendarEvent } from './world/seed.js';
import type { TokenService } from './entra/tokens.js';
import type { Grants } from './entra/grants.js';
import type { Faults } from './http/faults.js';
import type { MailAuth } from './mail/mail-auth.js';
import type { PostOffice } from './mail/post-office.js';
import { composeMime } from './mail/mime.js';
import type { MailStore } from './mail/mailstore.js';
import { bulkAppend, type BulkMessage } from './mail/bulk-seed.js';
import type { Dovecot } from './mail/dovecot.js';
import type { GraphStandIn } from './graph/graph-router.js';
import type { Throttle } from './graph/throttle.js';
import type { GoogleStandIn } from './google/google-router.js';
import type { WorldInfo } from './world-info.js';

export interface DeliverInput {
  to: string | string[];
  cc?: string[];
  from?: string;
  subject?: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  messageId?: string;
  inReplyTo?: string;
  references?: string | string[];
  raw?: string;
  rawEncoding?: 'utf8' | 'base64';
}

export type PermissionChange =
  | { mailbox: string; user: string; right: 'FullAccess' | 'SendAs'; grant: boolean }
  | { mailbox: string; messageCopyForSentAsEnabled: boolean }
  | { clientId: string; appRole: string; grant: boolean }
  | { clientId: string; user: string; scope?: string; grant: false };

export interface EventInput {
  id?: string;
  subject: string;
  start: string;
  end: string;
  isCancelled?: boolean;
  attendees?: { name: string; address: string; response?: CalendarEvent['attendees'][number]['response'] }[];
  location?: string;
  timeZone?: string;
  preferIgnored?: boolean;
}

const DAY_MS = 24 * 3600 * 1000;

export class SandboxControl {
  constructor(
    private readonly world: World,
    private readonly deps: {
      tokens: TokenService; grants: Grants; faults: Faults; mailAuth: MailAuth; postOffice: PostOffice; store: MailStore;
      dovecot: Dovecot; graph: GraphStandIn; throttle: Throttle; google: GoogleStandIn; info: () => WorldInfo;
    },
  ) {
    world.onReset(async () => {
      this.deps.faults.clear();
      this.deps.grants.reset();
      this.deps.dovecot.expungeAll();
      await this.seedMail();
    });
  }

  get faults(): Faults { return this.deps.faults; }
  get mailAuth(): MailAuth { return this.deps.mailAuth; }
  get graph(): GraphStandIn { return this.deps.graph; }
  get throttle(): Throttle { return this.deps.throttle; }
  get google(): GoogleStandIn { return this.deps.google; }

  worldInfo(): WorldInfo {
    return this.deps.info();
  }

  /** Appends the seed messages with their original dates and read state. */
  async seedMail(): Promise<void> {
    for (const m of seedMessages) {
      const date = new Date(Date.now() - m.daysAgo * DAY_MS);
      const raw = await composeMime({
        from: m.from, to: m.to, subject: m.subject, text: m.text, date,
        messageId: `<seed-${crypto.createHash('sha1').update(m.subject + m.mailbox + m.folder).digest('hex').slice(0, 16)}@sandbox.test>`,
      });
      await this.deps.store.append(m.mailbox, m.folder, raw, m.seen ? ['\\Seen'] : [], date);
    }
  }

  reset(): Promise<void> {
    return this.world.reset();
  }

  /** Mail from outside the tenant arriving in world mailboxes (LMTP, so IMAP IDLE and Graph notifications fire). */
  async deliver(input: DeliverInput): Promise<{ messageId: string; deliveredTo: string[] }> {
    const to = Array.isArray(input.to) ? input.to : [input.to];
    const raw = input.raw !== undefined
      ? Buffer.from(input.raw, input.rawEncoding === 'base64' ? 'base64' : 'utf8')
      : await composeMime({
        from: input.from ?? 'Jane Customer <jane@example.test>', to, cc: input.cc, subject: input.subject ?? '(no subject)',
        text: input.text ?? (input.html ? undefined : ''), html: input.html, headers: input.headers,
        messageId: input.messageId, inReplyTo: input.inReplyTo,
        references: Array.isArray(input.references) ? input.references.join(' ') : input.references,
      });
    return this.deps.postOffice.receive(raw, [...to, ...(input.cc ?? [])]);
  }

  /** Many messages straight into a folder (no delivery, no notifications): benchmark seeding. */
  async bulkMail(input: { mailbox: string; folder: 'INBOX' | 'Sent Items'; messages: BulkMessage[] }): Promise<{ appended: number }> {
    const mailbox = this.world.findMailbox(input.mailbox);
    if (!mailbox) throw new Error(`unknown mailbox ${input.mailbox}`);
    return { appended: await bulkAppend(this.deps.store, mailbox.address, input.folder, input.messages) };
  }

  revokeRefreshTokens(filter: { user?: string; clientId?: string; token?: string }): number {
    if (filter.token) return this.deps.grants.revoke({ token: filter.token });
    const user = this.world.findUser(filter.user ?? '');
    if (!user) throw new Error(`unknown user ${filter.user ?? ''}`);
    return this.deps.grants.revoke({ userId: user.id, clientId: filter.clientId });
  }

  setTokenLifetime(seconds: number): void {
    this.world.tokenLifetimeSeconds = seconds;
  }

  /**
   * Mints an access token exactly as the token endpoint would (same key, same claims), for tests that
   * need a token without the browser flow. Delegated when `user` is given, app-only otherwise.
   */
  issueToken(o: { clientId?: string; user?: string; resource?: string; scopes?: string[]; roles?: string[]; lifetimeSeconds?: number }): Promise<string> {
    const clientId = o.clientId ?? this.world.apps[0]?.clientId ?? '';
    const user = o.user ? this.world.findUser(o.user) : undefined;
    if (o.user && !user) throw new Error(`unknown user ${o.user}`);
    const resource = o.resource ?? (o.scopes?.some((s) => /AccessAsUser|SMTP\./.test(s)) ? OUTLOOK_RESOURCE : GRAPH_RESOURCE);
    return this.deps.tokens.issueAccessToken({ audience: resource, clientId, user, scopes: o.scopes, roles: o.roles, lifetimeSeconds: o.lifetimeSeconds });
  }

  setPermission(change: PermissionChange): void {
    if ('right' in change) return this.world.setMailboxRight(change.mailbox, change.user, change.right, change.grant);
    if ('messageCopyForSentAsEnabled' in change) return this.world.setCopyForSentAs(change.mailbox, change.messageCopyForSentAsEnabled);
    if ('appRole' in change) return this.world.setAppRole(change.clientId, change.appRole, change.grant);
    const user = this.world.findUser(change.user);
    if (!user) throw new Error(`unknown user ${change.user}`);
    this.world.revokeConsent(user.id, change.clientId, change.scope);
  }

  /** Authenticated SMTP on or off for the whole tenant (Security Defaults turn it off). */
  setSmtpAuthDisabled(disabled: boolean): void {
    this.world.setSmtpAuthDisabled(disabled);
  }

  consentPolicy(): { userConsent: UserConsentPolicy } {
    return { userConsent: this.world.userConsent };
  }

  setConsentPolicy(policy: { userConsent: UserConsentPolicy }): { userConsent: UserConsentPolicy } {
    this.world.userConsent = policy.userConsent;
    return this.consentPolicy();
  }

  sent(): readonly SentRecord[] {
    return this.world.sent;
  }

  /** Adds or changes an event in a tenant mailbox's calendar (a user's or a shared mailbox's). */
  upsertEvent(userUpn: string, input: EventInput): CalendarEvent {
    const mailbox = this.world.findMailbox(userUpn);
    if (!mailbox || mailbox.kind === 'plain') throw new Error(`unknown user ${userUpn}`);
    const events = this.world.calendar(userUpn);
    const now = new Date().toISOString();
    const existing = input.id ? events.find((e) => e.id === input.id) : undefined;
    const fields = {
      subject: input.subject, startUtc: new Date(input.start).toISOString(), endUtc: new Date(input.end).toISOString(),
      isCancelled: input.isCancelled ?? false, lastModifiedUtc: now,
      attendees: (input.attendees ?? []).map((a) => ({ name: a.name, address: a.address.toLowerCase(), response: a.response ?? 'none' })),
      location: input.location ? { displayName: input.location } : null,
      ...(input.timeZone ? { timeZone: input.timeZone } : {}), ...(input.preferIgnored ? { preferIgnored: true } : {}),
    };
    if (existing) {
      Object.assign(existing, fields, { version: existing.version + 1 });
      return existing;
    }
    const event: CalendarEvent = {
      id: input.id ?? `AAMkAGEvt-${crypto.randomBytes(6).toString('hex')}`, bodyHtml: '', isAllDay: false,
      organizer: { name: mailbox.displayName, address: userUpn.toLowerCase() }, createdUtc: now, version: 1, ...fields,
    };
    events.push(event);
    return event;
  }

  deleteEvent(userUpn: string, id: string): void {
    const events = this.world.calendar(userUpn);
    const i = events.findIndex((e) => e.id === id);
    if (i < 0) throw new Error(`no event ${id} for ${userUpn}`);
    events.splice(i, 1);
  }
}
