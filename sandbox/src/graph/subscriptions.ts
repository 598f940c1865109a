// Graph change-notification subscriptions on mail: the validationToken handshake on create, the
// Outlook expiry caps, the rule that delegated (.Shared) permissions cannot subscribe to another
// mailbox, "created" notifications with clientState when the post office stores a message in a
// subscribed folder, and lifecycle notifications fired on demand through the control API.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { World } from '../world/world.js';
import type { Principal } from '../entra/tokens.js';
import type { PostOffice, StoredEvent } from '../mail/post-office.js';
import { GraphError, badRequest } from './graph-errors.js';
import { WELL_KNOWN, changeKey, messageId, type MessageReader } from './messages.js';

/**
 * Graph's lifetime cap for Outlook resources (messages, events, contacts): 10,080 minutes (7 days)
 * for plain notifications, 1,440 when the notification carries resource data. 4,230 is the cap of
 * other resources, no longer of mail.
 */
export const MAX_EXPIRY_MINUTES = 10_080;
export const MAX_EXPIRY_MINUTES_WITH_RESOURCE_DATA = 1_440;
const VALIDATION_TIMEOUT_MS = 10_000;
const NOTIFICATION_TIMEOUT_MS = 3_000;

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export interface Subscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  applicationId: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
  mailbox: string;
  mailboxId: string;
  /** null = every folder (`/messages`). */
  folder: string | null;
  /** Only shortens the lifetime here: the sandbox never sends encrypted resource data. */
  includeResourceData: boolean;
}

export interface NotificationDelivery {
  subscriptionId: string;
  kind: 'change' | 'lifecycle';
  url: string;
  status: number | null;
  error: string | null;
  body: unknown;
  at: string;
}

const extensionError = (reason: string): GraphError =>
  new GraphError(403, 'ExtensionError', `Operation: Create; Exception: [Status Code: Forbidden; Reason: ${reason}]`);

function parseResource(resource: string): { target: string; folder: string | null } {
  const r = resource.replace(/^\//, '').replace(/mailFolders\('([^']+)'\)/i, 'mailFolders/$1');
  const m = r.match(/^(me|users\/([^/]+))\/(?:mailFolders\/([^/]+)\/)?messages$/i);
  if (!m) throw badRequest(`Unsupported or invalid resource '${resource}'. The sandbox supports mail resources: me|users/{id}[/mailFolders/{id}]/messages.`, 'InvalidRequest');
  const folder = m[3] ? WELL_KNOWN[m[3].toLowerCase()] ?? null : null;
  if (m[3] && !folder) throw badRequest(`Unsupported folder '${m[3]}' in resource; use a well-known folder name.`, 'InvalidRequest');
  return { target: m[1]?.toLowerCase() === 'me' ? 'me' : decodeURIComponent(m[2] ?? ''), folder };
}

export class Subscriptions {
  private subs = new Map<string, Subscription>();
  readonly deliveries: NotificationDelivery[] = [];

  constructor(
    private readonly world: World,
    private readonly reader: MessageReader,
    postOffice: PostOffice,
    private readonly baseUrl: () => string,
    private readonly logger: Logger,
  ) {
    postOffice.on('stored', (e) => {
      this.onStored(e).catch((err: Error) => this.logger.error({ err }, 'change notification failed'));
    });
    world.onReset(() => {
      this.subs.clear();
      this.deliveries.length = 0;
    });
  }

  private checkExpiry(raw: unknown, includeResourceData: boolean): string {
    const at = typeof raw === 'string' ? Date.parse(raw) : NaN;
    if (Number.isNaN(at)) throw badRequest('expirationDateTime is required and must be a date-time.', 'InvalidRequest');
    if (at <= Date.now()) throw badRequest('Subscription expiration must be in the future.', 'InvalidRequest');
    const max = includeResourceData ? MAX_EXPIRY_MINUTES_WITH_RESOURCE_DATA : MAX_EXPIRY_MINUTES;
    if (at > Date.now() + max * 60_000) {
      throw badRequest(`Subscription expiration can only be ${max} minutes in the future.`, 'InvalidRequest');
    }
    return new Date(at).toISOString();
  }

  private checkUrl(raw: unknown, field: string): string {
    let url: URL;
    try {
      url = new URL(String(raw));
    } catch {
      throw badRequest(`Invalid ${field}.`, 'InvalidRequest');
    }
    // Graph demands https; the sandbox also lets a loopback http endpoint through (see README).
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      throw badRequest(`${field} must be an https URL.`, 'InvalidRequest');
    }
    return url.toString();
  }

  /** POST {url}?validationToken=... as text/plain; the endpoint must echo the token with 200 within 10 s. */
  private async validate(url: string): Promise<void> {
    const validationToken = `Validation: Testing client application reachability for subscription Request-Id: ${crypto.randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', validationToken);
    try {
      const res = await fetch(target, {
        method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: '',
        signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status === 200 && text === validationToken) return;
      this.logger.info({ url, status: res.status }, 'subscription validation refused');
    } catch (err) {
      this.logger.info({ url, err: (err as Error).message }, 'subscription validation unreachable');
    }
    throw badRequest('Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.', 'ValidationError');
  }

  async create(principal: Principal, body: Record<string, unknown>): Promise<Subscription> {
    const changeType = String(body.changeType ?? '');
    if (!changeType || !changeType.split(',').every((c) => ['created', 'updated', 'deleted'].includes(c.trim()))) {
      throw badRequest('changeType must be a comma-separated list of created, updated, deleted.', 'InvalidRequest');
    }
    if (typeof body.clientState === 'string' && body.clientState.length > 128) throw badRequest('clientState must be at most 128 characters.', 'InvalidRequest');
    const notificationUrl = this.checkUrl(body.notificationUrl, 'notificationUrl');
    const lifecycleNotificationUrl = body.lifecycleNotificationUrl ? this.checkUrl(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl') : null;
    const includeResourceData = body.includeResourceData === true;
    const expirationDateTime = this.checkExpiry(body.expirationDateTime, includeResourceData);
    const { target, folder } = parseResource(String(body.resource ?? ''));

    if (target === 'me' && principal.kind === 'app') throw badRequest('/me request is only valid with delegated authentication flow.');
    const address = target === 'me' && principal.kind === 'delegated' ? principal.user.upn : target;
    const user = this.world.findUser(address) ?? this.world.findShared(address);
    if (!user) throw new GraphError(404, 'ResourceNotFound', `Resource '${address}' does not exist.`);
    const mailbox = 'upn' in user ? user.upn : address;
    if (principal.kind === 'delegated') {
      // Microsoft: delegated permissions (incl. Mail.Read.Shared) do not support subscriptions on other users' or shared mailboxes.
      if (mailbox !== principal.user.upn) throw extensionError('Access is denied. Check credentials and try again.');
      if (!['Mail.Read', 'Mail.ReadBasic', 'Mail.ReadWrite'].some((s) => principal.scopes.has(s))) throw extensionError('Access is denied. Check credentials and try again.');
    } else if (!['Mail.Read', 'Mail.ReadBasic.All', 'Mail.ReadWrite'].some((r) => principal.roles.has(r))) {
      throw extensionError('Access is denied. Check credentials and try again.');
    }

    await this.validate(notificationUrl);
    if (lifecycleNotificationUrl) await this.validate(lifecycleNotificationUrl);

    const sub: Subscription = {
      id: crypto.randomUUID(), resource: String(body.resource), changeType, notificationUrl, lifecycleNotificationUrl,
      clientState: typeof body.clientState === 'string' ? body.clientState : null, expirationDateTime,
      applicationId: principal.clientId, creatorId: principal.kind === 'delegated' ? principal.user.id : principal.clientId,
      latestSupportedTlsVersion: typeof body.latestSupportedTlsVersion === 'string' ? body.latestSupportedTlsVersion : 'v1_2',
      mailbox, mailboxId: user.id, folder, includeResourceData,
    };
    this.subs.set(sub.id, sub);
    return sub;
  }

  private owned(principal: Principal, id: string): Subscription {
    const sub = this.subs.get(id);
    if (!sub || sub.applicationId !== principal.clientId || Date.parse(sub.expirationDateTime) <= Date.now()) {
      throw new GraphError(404, 'ResourceNotFound', `The object was not found.`);
    }
    return sub;
  }

  get(principal: Principal, id: string): Subscription {
    return this.owned(principal, id);
  }

  list(principal: Principal): Subscription[] {
    return [...this.subs.values()].filter((s) => s.applicationId === principal.clientId && Date.parse(s.expirationDateTime) > Date.now());
  }

  renew(principal: Principal, id: string, body: Record<string, unknown>): Subscription {
    const sub = this.owned(principal, id);
    sub.expirationDateTime = this.checkExpiry(body.expirationDateTime, sub.includeResourceData);
    return sub;
  }

  remove(principal: Principal, id: string): void {
    this.owned(principal, id);
    this.subs.delete(id);
  }

  /** Graph's JSON for a subscription. */
  render(sub: Subscription, withContext: boolean): Record<string, unknown> {
    return {
      ...(withContext ? { '@odata.context': `${this.baseUrl()}/v1.0/$metadata#subscriptions/$entity` } : {}),
      id: sub.id, resource: sub.resource, applicationId: sub.applicationId, changeType: sub.changeType,
      clientState: sub.clientState, notificationUrl: sub.notificationUrl, notificationQueryOptions: null,
      lifecycleNotificationUrl: sub.lifecycleNotificationUrl, expirationDateTime: sub.expirationDateTime,
      creatorId: sub.creatorId, includeResourceData: sub.includeResourceData, latestSupportedTlsVersion: sub.latestSupportedTlsVersion,
      encryptionCertificate: null, encryptionCertificateId: null, notificationUrlAppId: null,
    };
  }

  private async post(sub: Subscription, kind: NotificationDelivery['kind'], url: string, body: unknown): Promise<NotificationDelivery> {
    const record: NotificationDelivery = { subscriptionId: sub.id, kind, url, status: null, error: null, body, at: new Date().toISOString() };
    try {
      const res = await fetch(url, {
        method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body),
        signal: AbortSignal.timeout(NOTIFICATION_TIMEOUT_MS),
      });
      record.status = res.status;
      await res.arrayBuffer();
    } catch (err) {
      record.error = (err as Error).message;
    }
    this.deliveries.push(record);
    return record;
  }

  private async onStored(e: StoredEvent): Promise<void> {
    const now = Date.now();
    const subs = [...this.subs.values()].filter((s) => s.mailbox === e.mailbox && (s.folder === null || s.folder === e.folder)
      && s.changeType.includes('created') && Date.parse(s.expirationDateTime) > now);
    if (subs.length === 0) return;
    const row = await this.reader.findByMessageId(e.mailbox, e.folder, e.messageId);
    if (!row) return;
    const id = messageId(row);
    for (const sub of subs) {
      const resource = `Users/${sub.mailboxId}/Messages/${id}`;
      await this.post(sub, 'change', sub.notificationUrl, {
        value: [{
          id: crypto.randomBytes(10).toString('base64url'),
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: sub.expirationDateTime,
          ...(sub.clientState !== null ? { clientState: sub.clientState } : {}),
          changeType: 'created',
          resource,
          tenantId: this.world.tenant.id,
          resourceData: { '@odata.type': '#Microsoft.Graph.Message', '@odata.id': resource, '@odata.etag': `W/"${changeKey(row)}"`, id },
        }],
      });
    }
  }

  /** Control API: sends a lifecycle notification; subscriptionRemoved also deletes the subscription. */
  async fireLifecycle(id: string, event: LifecycleEvent): Promise<NotificationDelivery> {
    const sub = this.subs.get(id);
    if (!sub) throw new Error(`unknown subscription ${id}`);
    if (!sub.lifecycleNotificationUrl) throw new Error(`subscription ${id} has no lifecycleNotificationUrl; Graph sends lifecycle events only there`);
    if (event === 'subscriptionRemoved') this.subs.delete(id);
    return this.post(sub, 'lifecycle', sub.lifecycleNotificationUrl, {
      value: [{
        subscriptionId: sub.id, subscriptionExpirationDateTime: sub.expirationDateTime, tenantId: this.world.tenant.id,
        ...(sub.clientState !== null ? { clientState: sub.clientState } : {}), lifecycleEvent: event,
      }],
    });
  }

  all(): Subscription[] {
    return [...this.subs.values()];
  }
}
