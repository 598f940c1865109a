import { randomUUID } from 'node:crypto';
import { Op, QueryTypes, fn, col, literal, type Order, type Sequelize, type Transaction, type WhereOptions } from 'sequelize';
import { z } from 'zod';
import { NotFoundError, ValidationError, type FieldError } from '../lib/errors.js';
import { ChannelEmail, Contact, ContactInbox, Inbox } from '../models/index.js';
import type { AccountScope } from './account-scope.js';
import { attributesHash, emailAddress, looseBoolean, pageParam, parse, recordId, optionalRecordId } from '../lib/validation.js';
import type { EventBus } from '../extensions/events.js';
import type { InboxService } from './inboxes.service.js';
import { buildFilter, type FilterColumn } from './filters.js';
import type { ContactFields, ContactInboxFields } from '../serializers/contact.serializer.js';

export const CONTACTS_PER_PAGE = 15;
const SORTABLE = ['name', 'email', 'phone_number', 'created_at', 'last_activity_at'] as const;

/** Chatwoot sends `""` to clear a field; store it as NULL so the per-account unique indexes ignore it. */
const blankIsNull = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : v), schema.nullable());


const contactParams = z.object({
  name: z.string().trim().max(255).optional(),
  email: blankIsNull(emailAddress).optional(),
  phone_number: blankIsNull(z.string().trim().regex(/^\+[1-9]\d{1,14}$/, 'must be in E.164 format, e.g. +14155552671')).optional(),
  identifier: blankIsNull(z.string().trim().max(255)).optional(),
  additional_attributes: attributesHash.optional(),
  custom_attributes: attributesHash.optional(),
  blocked: looseBoolean.optional(),
});
type ContactParams = z.infer<typeof contactParams>;

const listParams = z.object({
  page: pageParam,
  sort: z.string().trim().regex(new RegExp(`^-?(${SORTABLE.join('|')})$`), `must be one of ${SORTABLE.join(', ')} (prefix - for descending)`).optional(),
});
const searchParams = listParams.extend({ q: z.string({ message: 'is required' }).trim().min(1, 'is required').max(255) });

const CONTACT_FILTER_COLUMNS: Record<string, FilterColumn> = {
  name: { sql: '"Contact"."name"', kind: 'text' },
  email: { sql: '"Contact"."email"', kind: 'text' },
  phone_number: { sql: '"Contact"."phone_number"', kind: 'text' },
  identifier: { sql: '"Contact"."identifier"', kind: 'text' },
  country_code: { sql: `("Contact"."additional_attributes" ->> 'country_code')`, kind: 'text' },
  city: { sql: `("Contact"."additional_attributes" ->> 'city')`, kind: 'text' },
  company: { sql: `("Contact"."additional_attributes" ->> 'company_name')`, kind: 'text' },
  blocked: { sql: '"Contact"."blocked"', kind: 'number' },
  created_at: { sql: '"Contact"."created_at"', kind: 'date' },
  last_activity_at: { sql: '"Contact"."last_activity_at"', kind: 'date' },
};

const UNIQUE_INDEX_FIELD: Record<string, string> = { contacts_account_email: 'email', contacts_account_identifier: 'identifier' };

export interface ContactWithInboxes {
  contact: Contact;
  contactInboxes: ContactInbox[];
}

export interface ContactPage {
  count: number;
  page: number;
  contacts: { contact: ContactFields; contactInboxes: ContactInboxFields[] }[];
}

/** The columns a contact payload shows: list pages read only these, as plain rows. */
const CONTACT_ATTRIBUTES = ['id', 'name', 'email', 'phone_number', 'identifier', 'additional_attributes', 'custom_attributes', 'blocked', 'created_at', 'last_activity_at'] as const;

/**
 * Finds the contact's channel identity in an inbox, or creates it. The source id is the one given,
 * else the contact's email (email inboxes reply to it), else a uuid.
 */
export async function findOrCreateContactInbox(contact: Contact, inboxId: number, sourceId: string | undefined, transaction?: Transaction): Promise<ContactInbox> {
  if (sourceId) {
    const existing = await ContactInbox.findOne({ where: { inbox_id: inboxId, source_id: sourceId }, transaction });
    if (existing && existing.contact_id !== contact.id) throw ValidationError.field('source_id', 'belongs to another contact in this inbox');
    return existing ?? ContactInbox.create({ contact_id: contact.id, inbox_id: inboxId, source_id: sourceId }, { transaction });
  }
  const existing = await ContactInbox.findOne({ where: { contact_id: contact.id, inbox_id: inboxId }, order: [['id', 'ASC']], transaction });
  if (existing) return existing;
  let source = contact.email ?? randomUUID();
  if (contact.email && (await ContactInbox.findOne({ where: { inbox_id: inboxId, source_id: source }, transaction }))) source = randomUUID();
  return ContactInbox.create({ contact_id: contact.id, inbox_id: inboxId, source_id: source }, { transaction });
}

export interface ContactServiceDeps {
  sequelize: Sequelize;
  inboxes: InboxService;
  events: EventBus;
}

/** Contacts are shared by the whole account: every member sees them; only administrators delete them. */
export class ContactService {
  constructor(private readonly deps: ContactServiceDeps) {}

  async list(scope: AccountScope, query: unknown): Promise<ContactPage> {
    const { page, sort } = parse(listParams, query);
    return this.page({ account_id: scope.account.id }, page, sort);
  }

  /** Case-insensitive substring search over name, email, phone number and identifier. */
  async search(scope: AccountScope, query: unknown): Promise<ContactPage> {
    const { page, sort, q } = parse(searchParams, query);
    const pattern = `%${q.replace(/[\\%_]/g, '\\$&')}%`;
    const where: WhereOptions<Contact> = {
      account_id: scope.account.id,
      [Op.or]: [
        { name: { [Op.iLike]: pattern } },
        { email: { [Op.iLike]: pattern } },
        { phone_number: { [Op.iLike]: pattern } },
        { identifier: { [Op.iLike]: pattern } },
      ],
    };
    return this.page(where, page, sort);
  }

  async find(scope: AccountScope, id: number): Promise<ContactWithInboxes> {
    const contact = await this.findContact(scope, id);
    return { contact, contactInboxes: (await this.contactInboxes([contact.id])).get(contact.id) ?? [] };
  }

  async findContact(scope: AccountScope, id: number, transaction?: Transaction): Promise<Contact> {
    const contact = await Contact.findOne({ where: { id, account_id: scope.account.id }, transaction });
    if (!contact) throw new NotFoundError('Contact');
    return contact;
  }

  async create(scope: AccountScope, body: Record<string, unknown>): Promise<ContactWithInboxes & { contactInbox: ContactInbox | null }> {
    const attrs = parse(contactParams.extend({ inbox_id: optionalRecordId }), body);
    const problems: FieldError[] = [];
    if (!attrs.name && !attrs.email && !attrs.phone_number && !attrs.identifier) {
      problems.push({ path: 'name', message: 'is required when no email, phone_number or identifier is given' });
    }
    let inbox: Inbox | undefined;
    if (attrs.inbox_id !== undefined) {
      inbox = await this.deps.inboxes.find(scope, attrs.inbox_id).catch((err) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      if (!inbox) problems.push({ path: 'inbox_id', message: 'does not exist' });
    }
    problems.push(...(await this.duplicates(scope, attrs)));
    if (problems.length) throw new ValidationError(problems);

    const { inbox_id: _inboxId, ...columns } = attrs;
    const created = await this.unique(() =>
      this.deps.sequelize.transaction(async (transaction) => {
        const contact = await Contact.create({ account_id: scope.account.id, ...columns, name: columns.name ?? '' }, { transaction });
        const contactInbox = inbox ? await findOrCreateContactInbox(contact, inbox.id, undefined, transaction) : null;
        if (contactInbox && inbox) contactInbox.inbox = inbox;
        return { contact, contactInbox };
      }),
    );
    await this.deps.events.emit('contact.created', { accountId: scope.account.id, contactId: created.contact.id });
    return { ...created, contactInboxes: (await this.contactInboxes([created.contact.id])).get(created.contact.id) ?? [] };
  }

  /** Updates the given fields; attribute hashes are merged into the stored ones, as Chatwoot does. */
  async update(scope: AccountScope, id: number, body: Record<string, unknown>): Promise<ContactWithInboxes> {
    const contact = await this.findContact(scope, id);
    const attrs = parse(contactParams, body);
    const problems = await this.duplicates(scope, attrs, contact.id);
    if (problems.length) throw new ValidationError(problems);
    const { additional_attributes, custom_attributes, ...columns } = attrs;
    const before = { ...contact.get({ plain: true }) } as Record<string, unknown>;
    await this.unique(() =>
      contact.update({
        ...columns,
        ...(additional_attributes ? { additional_attributes: { ...contact.additional_attributes, ...additional_attributes } } : {}),
        ...(custom_attributes ? { custom_attributes: { ...contact.custom_attributes, ...custom_attributes } } : {}),
      }),
    );
    const after = contact.get({ plain: true }) as unknown as Record<string, unknown>;
    const changes = Object.keys(after).filter((k) => k !== 'updated_at' && JSON.stringify(after[k]) !== JSON.stringify(before[k]));
    if (changes.length) await this.deps.events.emit('contact.updated', { accountId: scope.account.id, contactId: contact.id, changes });
    return { contact, contactInboxes: (await this.contactInboxes([contact.id])).get(contact.id) ?? [] };
  }

  /** Chatwoot's `POST /contacts/filter`: its advanced filter on the contact's fields, address and custom attributes. */
  async filter(scope: AccountScope, body: unknown, query: unknown): Promise<ContactPage> {
    const { page } = parse(z.object({ page: pageParam }), query);
    const condition = literal(buildFilter(this.deps.sequelize, body, CONTACT_FILTER_COLUMNS, '"Contact"."custom_attributes"'));
    return this.page({ [Op.and]: [{ account_id: scope.account.id }, condition] }, page, undefined);
  }

  /** Deletes the contact with its conversations and messages (foreign keys cascade). */
  async destroy(scope: AccountScope, id: number): Promise<void> {
    const contact = await this.findContact(scope, id);
    await contact.destroy();
  }

  /** A page of plain rows (no model instances), with their contact inboxes in one more query. */
  private async page(where: WhereOptions<Contact>, page: number, sort: string | undefined): Promise<ContactPage> {
    const [count, contacts] = await Promise.all([
      Contact.count({ where }),
      Contact.findAll({ where, attributes: [...CONTACT_ATTRIBUTES], order: this.order(sort), limit: CONTACTS_PER_PAGE, offset: (page - 1) * CONTACTS_PER_PAGE, raw: true }),
    ]);
    const inboxes = await this.contactInboxRows(contacts.map((c) => c.id));
    return { count, page, contacts: contacts.map((contact) => ({ contact, contactInboxes: inboxes.get(contact.id) ?? [] })) };
  }

  /** `contactInboxes` as plain rows: only the source id, the inbox's id, name and type, and its channel's provider. */
  private async contactInboxRows(contactIds: number[]): Promise<Map<number, ContactInboxFields[]>> {
    const byContact = new Map<number, ContactInboxFields[]>();
    if (!contactIds.length) return byContact;
    const rows = await this.deps.sequelize.query<{ contact_id: number; source_id: string; inbox_id: number | null; name: string; channel_type: string; provider: string | null }>(
      `SELECT ci.contact_id, ci.source_id, i.id AS inbox_id, i.name, i.channel_type, ch.provider
         FROM contact_inboxes ci
         LEFT JOIN inboxes i ON i.id = ci.inbox_id
         LEFT JOIN channel_email ch ON ch.id = i.channel_id
        WHERE ci.contact_id IN (:contactIds) ORDER BY ci.id`,
      { replacements: { contactIds }, type: QueryTypes.SELECT },
    );
    for (const r of rows) {
      const inbox = r.inbox_id == null ? null : { id: r.inbox_id, name: r.name, channel_type: r.channel_type, channel: { provider: r.provider } };
      byContact.set(r.contact_id, [...(byContact.get(r.contact_id) ?? []), { source_id: r.source_id, inbox }]);
    }
    return byContact;
  }

  /** `name`, `-created_at`, ...; the default is most recently active first (never-active contacts last). */
  private order(sort = '-last_activity_at'): Order {
    const desc = sort.startsWith('-');
    const field = desc ? sort.slice(1) : sort;
    const dir = desc ? 'DESC' : 'ASC';
    const order: Order = field === 'name' ? [[fn('lower', col('name')), dir]] : [[field, `${dir} NULLS LAST`]];
    if (field === 'last_activity_at') order.push(['created_at', dir]);
    order.push(['id', dir]);
    return order;
  }

  /** Contact inboxes of many contacts in one query, with each inbox and its channel (for `provider`). */
  private async contactInboxes(contactIds: number[]): Promise<Map<number, ContactInbox[]>> {
    const byContact = new Map<number, ContactInbox[]>();
    if (!contactIds.length) return byContact;
    const rows = await ContactInbox.findAll({
      where: { contact_id: { [Op.in]: contactIds } },
      include: [{ model: Inbox, as: 'inbox', include: [{ model: ChannelEmail, as: 'channel' }] }],
      order: [['id', 'ASC']],
    });
    for (const row of rows) byContact.set(row.contact_id, [...(byContact.get(row.contact_id) ?? []), row]);
    return byContact;
  }

  /** Email and identifier are unique per account (case-insensitive email), and so is the phone number in Chatwoot. */
  private async duplicates(scope: AccountScope, attrs: ContactParams, exceptId?: number): Promise<FieldError[]> {
    const problems: FieldError[] = [];
    for (const field of ['email', 'phone_number', 'identifier'] as const) {
      const value = attrs[field];
      if (!value) continue;
      const taken = await Contact.findOne({
        where: { account_id: scope.account.id, [field]: value, ...(exceptId ? { id: { [Op.ne]: exceptId } } : {}) },
        attributes: ['id'],
      });
      if (taken) problems.push({ path: field, message: 'has already been taken' });
    }
    return problems;
  }

  /** A concurrent write that won the race on a unique index is the same 422 as the pre-check. */
  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const constraint = (err as { name?: string; parent?: { constraint?: string } }).parent?.constraint;
      const field = constraint ? UNIQUE_INDEX_FIELD[constraint] : undefined;
      if ((err as Error).name === 'SequelizeUniqueConstraintError' && field) throw ValidationError.field(field, 'has already been taken');
      throw err;
    }
  }
}
