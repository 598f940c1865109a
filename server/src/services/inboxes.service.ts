import { randomBytes } from 'node:crypto';
import { col, fn, Op, where as matches, type CreationAttributes, type Sequelize, type Transaction } from 'sequelize';
import { z } from 'zod';
import type { SecretBox } from '../lib/crypto.js';
import { NotFoundError, ValidationError, type FieldError } from '../lib/errors.js';
import type { EventBus } from '../extensions/events.js';
import type { Registries } from '../extensions/registries.js';
import type { ChannelKind, EmailProvider } from '../extensions/types.js';
import { ChannelEmail, Inbox, InboxMember } from '../models/index.js';
import type { AccountScope } from './account-scope.js';
import { emailAddress, looseBoolean, parse } from '../lib/validation.js';

export const EMAIL_CHANNEL_TYPE = 'Channel::Email';
/** The channel with its fetch health (`fetch_state`, defined by the receive path) for the inbox payload. */
const CHANNEL_WITH_HEALTH = { model: ChannelEmail, as: 'channel', include: [{ association: 'fetch_state', required: false }] };

const port = z.coerce.number().int().min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535');
const host = z.string().trim().min(1, 'is required').max(253).regex(/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:.]+\]$/, 'is not a valid host name');

/** Chatwoot's email channel params; each provider adds its own requirements on top. The wizard's connection checks take the same. */
const EMAIL_IN_USE: FieldError = { path: 'channel.email', message: 'is already used by another inbox' };

export const emailChannelParams = z.object({
  type: z.literal('email', { message: 'only "email" channels are supported' }).optional(),
  email: emailAddress.optional(),
  provider: z.string().trim().min(1).optional(),
  imap_enabled: looseBoolean.optional(),
  imap_address: host.optional(),
  imap_port: port.optional(),
  imap_login: z.string().trim().max(255).optional(),
  imap_password: z.string().max(1024).optional(),
  imap_enable_ssl: looseBoolean.optional(),
  smtp_enabled: looseBoolean.optional(),
  smtp_address: host.optional(),
  smtp_port: port.optional(),
  smtp_login: z.string().trim().max(255).optional(),
  smtp_password: z.string().max(1024).optional(),
  smtp_domain: z.string().trim().max(253).optional(),
  smtp_enable_starttls_auto: looseBoolean.optional(),
  smtp_enable_ssl_tls: looseBoolean.optional(),
  smtp_authentication: z.enum(['plain', 'login', 'cram_md5', 'xoauth2']).optional(),
  smtp_openssl_verify_mode: z.enum(['none', 'peer', 'client_once', 'fail_if_no_peer_cert']).optional(),
  /** How many days of existing mail the first fetch imports; kept in provider_config. */
  backfill_days: z.coerce.number().refine((d) => [0, 1, 7, 30].includes(d), 'must be one of 0, 1, 7, 30').optional(),
});
export type EmailChannelParams = z.infer<typeof emailChannelParams>;

const inboxParams = z.object({
  name: z.string().trim().min(1, 'is required').max(255).optional(),
  greeting_enabled: looseBoolean.optional(),
  greeting_message: z.string().max(10_000).nullable().optional(),
  enable_auto_assignment: looseBoolean.optional(),
  auto_assignment_config: z
    .object({
      max_assignment_limit: z.coerce.number({ message: 'must be a whole number of conversations' }).int('must be a whole number of conversations').min(1, 'must be at least 1').max(10_000).nullable().optional(),
    }, { message: 'must be an object' })
    .strict()
    .optional(),
  allow_messages_after_resolved: looseBoolean.optional(),
  lock_to_single_conversation: looseBoolean.optional(),
  sender_name_type: z.enum(['friendly', 'professional']).optional(),
  business_name: z.string().trim().max(255).nullable().optional(),
  timezone: z.string().trim().max(64).optional(),
  email_signature: z.string().max(10_000).nullable().optional(),
  quote_history: looseBoolean.optional(),
});

export interface InboxServiceDeps {
  sequelize: Sequelize;
  secrets: SecretBox;
  events: EventBus;
  registries: Registries;
  inboundEmailDomain: string;
}

export class InboxService {
  constructor(private readonly deps: InboxServiceDeps) {}

  /** Inboxes the caller may see: all of the account's for administrators, their own for agents. */
  async list(scope: AccountScope): Promise<Inbox[]> {
    const where: Record<string, unknown> = { account_id: scope.account.id };
    if (!scope.isAdministrator) where.id = { [Op.in]: await this.memberInboxIds(scope.user.id) };
    const inboxes = await Inbox.findAll({ where, include: [CHANNEL_WITH_HEALTH], order: [['id', 'ASC']] });
    await this.attachChannelDetails(scope, inboxes);
    return inboxes;
  }

  async find(scope: AccountScope, id: number): Promise<Inbox> {
    const inbox = await Inbox.findOne({ where: { id, account_id: scope.account.id }, include: [CHANNEL_WITH_HEALTH] });
    if (!inbox) throw new NotFoundError('Inbox');
    if (!scope.isAdministrator && !(await InboxMember.findOne({ where: { inbox_id: id, user_id: scope.user.id } }))) {
      throw new NotFoundError('Inbox');
    }
    await this.attachChannelDetails(scope, [inbox]);
    return inbox;
  }

  /** The registered kind of a non-email inbox's channel (the API channel, ...); undefined for email inboxes. */
  async channelKindOf(inboxId: number): Promise<ChannelKind | undefined> {
    const inbox = await Inbox.findByPk(inboxId, { attributes: ['channel_type'] });
    return inbox ? this.channelKindFor(inbox.channel_type) : undefined;
  }

  /** The registered channel kind of a Chatwoot channel type (`Channel::Api`); none for email. */
  channelKindFor(channelType: string): ChannelKind | undefined {
    return this.deps.registries.channelKindOf(channelType);
  }

  /** Sets `channel_details` on the inboxes of registered channel kinds, one query per kind. */
  private async attachChannelDetails(scope: AccountScope, inboxes: Inbox[]): Promise<void> {
    const byKind = new Map<ChannelKind, Inbox[]>();
    for (const inbox of inboxes) {
      const kind = this.deps.registries.channelKindOf(inbox.channel_type);
      if (kind) byKind.set(kind, [...(byKind.get(kind) ?? []), inbox]);
    }
    for (const [kind, list] of byKind) {
      const payloads = await kind.payloads(list.map((i) => Number(i.channel_id)), { administrator: scope.isAdministrator });
      for (const inbox of list) inbox.channel_details = payloads.get(Number(inbox.channel_id)) ?? {};
    }
  }

  async memberInboxIds(userId: number): Promise<number[]> {
    const rows = await InboxMember.findAll({ where: { user_id: userId }, attributes: ['inbox_id'] });
    return rows.map((r) => r.inbox_id);
  }

  async create(scope: AccountScope, body: Record<string, unknown>): Promise<Inbox> {
    const type = (body.channel as { type?: unknown } | null | undefined)?.type;
    const kind = typeof type === 'string' ? this.deps.registries.channelKinds.get(type) : undefined;
    if (kind) return this.createOfKind(scope, body, kind);
    const attrs = parse(inboxParams, body);
    const problems: FieldError[] = [];
    if (type !== undefined && type !== 'email') {
      problems.push({ path: 'channel.type', message: `must be one of ${['email', ...this.deps.registries.channelKinds.list().map((k) => k.id)].join(', ')}` });
    }
    // An unknown type is reported with the channel's other problems, not alone.
    const channelParams = withProblems(problems, () => parse(emailChannelParams, { ...(body.channel as object), type: undefined }, 'channel'));
    if (!attrs.name) problems.push({ path: 'name', message: 'is required' });
    if (!body.channel || typeof body.channel !== 'object') problems.push({ path: 'channel', message: 'is required' });
    if (!channelParams.email) problems.push({ path: 'channel.email', message: 'is required' });
    const providerId = channelParams.provider ?? 'imap';
    const provider = this.deps.registries.emailProviders.get(providerId);
    if (!provider) problems.push({ path: 'channel.provider', message: `"${providerId}" is not a known email provider` });
    else if (!provider.creatableViaApi) problems.push({ path: 'channel.provider', message: `"${providerId}" inboxes are created by signing in through the inbox wizard` });
    else problems.push(...this.providerProblems(provider.validateChannelParams?.(channelParams, 'create')));
    if (channelParams.email && (await this.emailInUse(channelParams.email))) problems.push(EMAIL_IN_USE);
    if (problems.length) throw new ValidationError(problems);

    return this.createWithChannel(
      scope.account.id,
      { email: channelParams.email!, provider: providerId, ...this.channelColumns(channelParams) },
      { ...attrs, name: attrs.name! },
    );
  }

  /** An inbox of a registered channel kind (`channel.type`, e.g. `api`): the channel and the inbox in one transaction. */
  private async createOfKind(scope: AccountScope, body: Record<string, unknown>, kind: ChannelKind): Promise<Inbox> {
    const attrs = parse(inboxParams, body);
    if (!attrs.name) throw ValidationError.field('name', 'is required');
    const inbox = await this.deps.sequelize.transaction(async (transaction) => {
      const channel = await kind.create(scope.account.id, body.channel as Record<string, unknown>, transaction);
      return Inbox.create({ ...attrs, name: attrs.name!, account_id: scope.account.id, channel_type: kind.channelType, channel_id: channel.id }, { transaction });
    });
    await this.attachChannelDetails(scope, [inbox]);
    return inbox;
  }

  /**
   * Creates an email channel with its inbox in one transaction and announces `channel.created`:
   * the API's create and every sign-in flow (OAuth mailboxes, the overlay's shared inboxes) end here.
   */
  async createWithChannel(
    accountId: number,
    channel: Partial<ChannelEmail> & { email: string; provider: string },
    inbox: Partial<Inbox> & { name: string },
  ): Promise<Inbox> {
    const created = await this.deps.sequelize.transaction(async (transaction) => {
      const row = await ChannelEmail.create({ ...channel, account_id: accountId, forward_to_email: this.forwardAddress() }, { transaction });
      const record = await Inbox.create({ ...inbox, account_id: accountId, channel_type: EMAIL_CHANNEL_TYPE, channel_id: row.id }, { transaction });
      record.channel = row;
      return record;
    });
    await this.deps.events.emit('channel.created', { accountId, inboxId: created.id, channelId: created.channel_id, provider: channel.provider });
    return created;
  }

  /**
   * The unsaved channel the inbox wizard's connection checks try: `params` over the stored channel of
   * `inboxId` when an existing inbox is edited (an empty password keeps the stored one), over the
   * column defaults otherwise. Validated by its provider with the legs being checked switched on, so a
   * check reports missing fields exactly as saving would.
   */
  async draftChannel(
    scope: AccountScope,
    params: EmailChannelParams,
    opts: { inboxId?: number; imap: boolean; smtp: boolean },
  ): Promise<{ channel: ChannelEmail; provider: EmailProvider }> {
    const current = opts.inboxId ? (await this.find(scope, opts.inboxId)).channel : undefined;
    if (opts.inboxId && !current) throw ValidationError.field('inbox_id', 'is not an email inbox');
    const channel = ChannelEmail.build({
      ...(current?.get({ plain: true }) as Partial<ChannelEmail> | undefined),
      account_id: scope.account.id,
      provider: current?.provider ?? params.provider ?? 'imap',
      email: params.email ?? current?.email ?? '',
      ...this.channelColumns(params, current),
      imap_enabled: opts.imap,
      smtp_enabled: opts.smtp,
    } as CreationAttributes<ChannelEmail>);
    const problems: FieldError[] = current ? storedPasswordProblems(params, current) : [];
    if (!channel.email) problems.push({ path: 'channel.email', message: 'is required' });
    // Checked before any connection: the wizard's checks (a round trip sends a test email) must not pass an address create refuses.
    else if (await this.emailInUse(channel.email, current?.id)) problems.push(EMAIL_IN_USE);
    if (current && params.provider && params.provider !== current.provider) problems.push({ path: 'channel.provider', message: 'cannot be changed; create a new inbox instead' });
    const provider = this.deps.registries.providerFor(channel);
    if (!provider) problems.push({ path: 'channel.provider', message: `"${channel.provider}" is not a known email provider` });
    else problems.push(...this.providerProblems(provider.validateChannelParams?.(this.currentParams(channel), 'create')));
    if (problems.length) throw new ValidationError(problems);
    return { channel, provider: provider! };
  }

  async update(scope: AccountScope, id: number, body: Record<string, unknown>): Promise<Inbox> {
    const inbox = await this.find(scope, id);
    const attrs = parse(inboxParams, body);
    const kind = this.deps.registries.channelKindOf(inbox.channel_type);
    if (kind) {
      await this.deps.sequelize.transaction(async (transaction) => {
        await inbox.update(attrs, { transaction });
        if (body.channel !== undefined) await kind.update(Number(inbox.channel_id), body.channel as Record<string, unknown>, transaction);
      });
      await this.attachChannelDetails(scope, [inbox]);
      return inbox;
    }
    const channel = inbox.channel!;
    let channelColumns = {};
    if (body.channel !== undefined) {
      const channelParams = parse(emailChannelParams, body.channel, 'channel');
      const problems: FieldError[] = storedPasswordProblems(channelParams, channel);
      if (channelParams.provider && channelParams.provider !== channel.provider) {
        problems.push({ path: 'channel.provider', message: 'cannot be changed; create a new inbox instead' });
      }
      const provider = this.deps.registries.providerFor(channel);
      problems.push(...this.providerProblems(provider?.validateChannelParams?.({ ...this.currentParams(channel), ...channelParams }, 'update')));
      if (channelParams.email && channelParams.email !== channel.email && (await this.emailInUse(channelParams.email))) problems.push(EMAIL_IN_USE);
      if (problems.length) throw new ValidationError(problems);
      channelColumns = { ...(channelParams.email ? { email: channelParams.email } : {}), ...this.channelColumns(channelParams, channel) };
    }
    await this.deps.sequelize.transaction(async (transaction: Transaction) => {
      await inbox.update(attrs, { transaction });
      if (Object.keys(channelColumns).length) await channel.update(channelColumns, { transaction });
    });
    if (Object.keys(channelColumns).length) {
      await this.deps.events.emit('channel.updated', { accountId: scope.account.id, inboxId: inbox.id, channelId: channel.id, provider: channel.provider });
    }
    return inbox;
  }

  async destroy(scope: AccountScope, id: number): Promise<void> {
    const inbox = await this.find(scope, id);
    const channel = inbox.channel;
    const kind = this.deps.registries.channelKindOf(inbox.channel_type);
    await this.deps.sequelize.transaction(async (transaction) => {
      await inbox.destroy({ transaction });
      await channel?.destroy({ transaction });
      await kind?.destroy(Number(inbox.channel_id), transaction);
    });
    // The channel.* events are about mailboxes (fetching, watching); another kind's channel has none.
    if (kind) return;
    await this.deps.events.emit('channel.destroyed', { accountId: scope.account.id, inboxId: inbox.id, channelId: inbox.channel_id, provider: channel?.provider ?? '' });
  }

  /** Whether another email channel (of any account: the address is unique) has this address, in any case. */
  private async emailInUse(email: string, exceptChannelId?: number): Promise<boolean> {
    const row = await ChannelEmail.findOne({ where: matches(fn('lower', col('email')), email.toLowerCase()), attributes: ['id'] });
    return !!row && Number(row.id) !== Number(exceptChannelId);
  }

  private providerProblems(problems: FieldError[] | undefined): FieldError[] {
    return (problems ?? []).map((p) => ({ ...p, path: `channel.${p.path}` }));
  }

  private currentParams(c: ChannelEmail): EmailChannelParams {
    return {
      email: c.email, imap_enabled: c.imap_enabled, imap_address: c.imap_address || undefined, imap_port: c.imap_port || undefined,
      imap_login: c.imap_login || undefined, imap_password: c.imap_password_ciphertext ? '(stored)' : undefined,
      smtp_enabled: c.smtp_enabled, smtp_address: c.smtp_address || undefined, smtp_port: c.smtp_port || undefined,
      smtp_login: c.smtp_login || undefined, smtp_password: c.smtp_password_ciphertext ? '(stored)' : undefined,
    };
  }

  /** Maps params to columns; passwords are sealed, and an omitted password keeps the stored one. */
  private channelColumns(p: EmailChannelParams, current?: ChannelEmail): Partial<ChannelEmail> {
    const { type: _type, email: _email, provider: _provider, imap_password, smtp_password, backfill_days, ...plain } = p;
    const columns: Record<string, unknown> = Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined));
    if (backfill_days !== undefined) columns.provider_config = { ...current?.provider_config, backfill_days };
    if (imap_password) columns.imap_password_ciphertext = this.deps.secrets.encrypt(imap_password);
    if (smtp_password) columns.smtp_password_ciphertext = this.deps.secrets.encrypt(smtp_password);
    return columns as Partial<ChannelEmail>;
  }

  private forwardAddress(): string {
    return `${randomBytes(12).toString('hex')}@${this.deps.inboundEmailDomain}`;
  }
}

/** Runs a parse; its problems are thrown together with those found before it. */
function withProblems<T>(earlier: FieldError[], parseInput: () => T): T {
  try {
    return parseInput();
  } catch (err) {
    if (err instanceof ValidationError && earlier.length) throw new ValidationError([...earlier, ...err.fields]);
    throw err;
  }
}

/**
 * A stored password only ever goes back to the server and login it was typed for: an edit that points
 * a leg at another host, port or login must carry the password again, or an administrator (or a
 * stolen session) could have LeadChat hand the stored secret to a server of their choosing.
 */
function storedPasswordProblems(p: EmailChannelParams, current: ChannelEmail): FieldError[] {
  const changed = (next: string | number | undefined, stored: string | number | null | undefined) =>
    next !== undefined && String(next).toLowerCase() !== String(stored ?? '').toLowerCase();
  const loginChanged = (login: string | undefined, storedLogin: string | null | undefined) =>
    changed(login, storedLogin) || (!login && !storedLogin && changed(p.email, current.email));
  const problems: FieldError[] = [];
  const legs = [
    { leg: 'imap', password: p.imap_password, stored: current.imap_password_ciphertext, moved: changed(p.imap_address, current.imap_address) || changed(p.imap_port, current.imap_port) || loginChanged(p.imap_login, current.imap_login) },
    { leg: 'smtp', password: p.smtp_password, stored: current.smtp_password_ciphertext, moved: changed(p.smtp_address, current.smtp_address) || changed(p.smtp_port, current.smtp_port) || loginChanged(p.smtp_login, current.smtp_login) },
  ];
  for (const { leg, password, stored, moved } of legs) {
    if (stored && moved && !password) problems.push({ path: `channel.${leg}_password`, message: 'enter the password again: the server, port or login changed' });
  }
  return problems;
}
