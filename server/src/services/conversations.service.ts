import { Op, QueryTypes, type Includeable, type Sequelize, type Transaction, type WhereOptions } from 'sequelize';
import { z } from 'zod';
import { NotFoundError, ValidationError, type FieldError } from '../lib/errors.js';
import type { EventBus } from '../extensions/events.js';
import { AccountUser, AgentBotInbox, Attachment, Contact, ContactInbox, Conversation, Inbox, InboxMember, Team, User } from '../models/index.js';
import { CONVERSATION_STATUSES, PRIORITIES } from '../models/conversation.model.js';
import { actorOf, isBotScope, type AccountScope, type ActingScope } from './account-scope.js';
import type { ConversationRecord, ConversationView, SearchHighlight } from '../serializers/conversation.serializer.js';
import type { ContactFields } from '../serializers/contact.serializer.js';
import type { MessageRecord, MessageSender, MessageView } from '../serializers/message.serializer.js';
import { pageParam, parse, attributesHash, recordId, optionalRecordId, nullableRecordId } from '../lib/validation.js';
import { findOrCreateContactInbox } from './contacts.service.js';
import { buildFilter, type FilterColumn } from './filters.js';
import type { InboxService } from './inboxes.service.js';
import { labelTitles, type LabelService } from './labels.service.js';
import type { TeamService } from './teams.service.js';
import { activityLines } from './activity.js';
import { announceMessage, conversationChanges, insertActivityLines, insertMessage } from './messages.service.js';
import { startingStatus } from './starting-status.js';

export const CONVERSATIONS_PER_PAGE = 25;
const CONVERSATION_FILTER_COLUMNS: Record<string, FilterColumn> = {
  status: { sql: 'c.status', kind: 'text' },
  priority: { sql: 'c.priority', kind: 'text' },
  assignee_id: { sql: 'c.assignee_id', kind: 'number' },
  inbox_id: { sql: 'c.inbox_id', kind: 'number' },
  contact_id: { sql: 'c.contact_id', kind: 'number' },
  display_id: { sql: 'c.display_id', kind: 'number' },
  created_at: { sql: 'c.created_at', kind: 'date' },
  last_activity_at: { sql: 'c.last_activity_at', kind: 'date' },
  mail_subject: { sql: `(c.additional_attributes ->> 'mail_subject')`, kind: 'text' },
};

/** Chatwoot's cap on `GET /contacts/:id/conversations`. */
const CONTACT_CONVERSATIONS_LIMIT = 20;

const statusFilter = z.enum([...CONVERSATION_STATUSES, 'all'], { message: `must be one of ${[...CONVERSATION_STATUSES, 'all'].join(', ')}` });
const status = z.enum(CONVERSATION_STATUSES, { message: `must be one of ${CONVERSATION_STATUSES.join(', ')}` });

/** `labels[]=a&labels[]=b` (Chatwoot's form) arrives as `labels[]`; `labels=a,b` is accepted too. */
const labelsFilter = z.preprocess(
  (v) => (v === undefined || v === '' ? undefined : (Array.isArray(v) ? v : String(v).split(',')).map((t) => String(t).trim().toLowerCase()).filter(Boolean)),
  z.array(z.string().max(255), { message: 'must be a list of label titles' }).max(20).optional(),
);
/** A list position: the last row's `last_activity_at` (microseconds since the epoch) and id. */
const cursorSchema = z.object({ at: z.number().int(), id: z.number().int().positive() });

const filterParams = z.object({
  status: statusFilter.default('open'),
  inbox_id: optionalRecordId,
  team_id: optionalRecordId,
  labels: labelsFilter,
  q: z.string().trim().max(255).optional(),
});
const listParams = z.preprocess(
  // The query parser keeps `labels[]` as the key's name; Chatwoot clients send the list that way.
  (q) => (q && typeof q === 'object' && 'labels[]' in q ? { ...q, labels: (q as Record<string, unknown>)['labels[]'] } : q),
  filterParams.extend({
    assignee_type: z.enum(['me', 'unassigned', 'assigned', 'all'], { message: 'must be one of me, unassigned, assigned, all' }).default('all'),
    page: pageParam,
    cursor: z.string().trim().max(200).optional().transform((v, ctx) => {
      if (!v) return undefined;
      try {
        return cursorSchema.parse(JSON.parse(Buffer.from(v, 'base64url').toString('utf8')));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned (meta.next_cursor)' });
        return z.NEVER;
      }
    }),
  }),
);
type Filters = z.infer<typeof filterParams>;

const createParams = z.object({
  inbox_id: recordId,
  contact_id: optionalRecordId,
  source_id: z.string().trim().min(1, 'must not be blank').max(255).optional(),
  status: status.optional(),
  priority: z.enum(PRIORITIES, { message: `must be one of ${PRIORITIES.join(', ')}` }).nullable().optional(),
  assignee_id: nullableRecordId,
  team_id: nullableRecordId,
  additional_attributes: attributesHash.optional(),
  custom_attributes: attributesHash.optional(),
  message: z.object({ content: z.string({ message: 'is required' }).trim().min(1, 'is required').max(150_000) }, { message: 'must be an object' }).optional(),
});

/** The body, with "no contact_id and no source_id" named beside any other invalid field. */
function parseWithContact(body: Record<string, unknown>): z.infer<typeof createParams> {
  const blank = (v: unknown) => v === undefined || v === null || v === '';
  const noContact = blank(body.contact_id) && blank(body.source_id) ? [{ path: 'source_id', message: 'is required without contact_id' }] : [];
  try {
    const attrs = parse(createParams, body);
    if (noContact.length) throw new ValidationError(noContact);
    return attrs;
  } catch (err) {
    if (err instanceof ValidationError && noContact.length && !err.fields.some((f) => f.path === 'source_id')) throw new ValidationError([...err.fields, ...noContact]);
    throw err;
  }
}

/** Chatwoot takes `snoozed_until` as unix seconds; an ISO 8601 time is accepted too. */
const snoozeTime = z.union([z.number(), z.string().trim().min(1)], { message: 'must be a unix timestamp or an ISO 8601 time' }).transform((v, ctx) => {
  const at = typeof v === 'number' || /^\d+$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
  if (Number.isNaN(at.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be a unix timestamp or an ISO 8601 time' });
    return z.NEVER;
  }
  return at;
});
const toggleParams = z.object({ status: status.optional(), snoozed_until: snoozeTime.nullable().optional() });
const nullableId = z.preprocess((v) => (v === '' ? null : v), recordId.nullable());
const assignParams = z.object({ assignee_id: nullableId.optional(), team_id: nullableId.optional() });
/** Chatwoot's `POST /bulk_actions` for conversations: the same change on many conversations. */
const bulkParams = z.object({
  type: z.literal('Conversation', { message: 'must be Conversation' }),
  ids: z.array(recordId, { message: 'must be a list of conversation ids' }).min(1, 'must list at least one conversation').max(100),
  fields: z.object({ status: status.optional(), snoozed_until: snoozeTime.nullable().optional(), assignee_id: nullableId.optional(), team_id: nullableId.optional() }).optional(),
  labels: z.object({ add: labelTitles.optional(), remove: labelTitles.optional() }).optional(),
});

/** Chatwoot's `toggle_priority`: one of the priorities, or `null`/`none` to clear it. */
const priorityParams = z.object({
  priority: z.preprocess((v) => (v === 'none' || v === '' ? null : v), z.enum(PRIORITIES, { message: `must be one of ${PRIORITIES.join(', ')} or null` }).nullable()),
});

/**
 * Inserts a conversation for a contact in an inbox. The display id comes from the account's counter,
 * incremented under the account row's lock inside the transaction, so concurrent creations get
 * consecutive, unique numbers. Used by the API and by email ingestion. `contactInboxId`: the contact's
 * contact inbox in this inbox when the caller already read it in this transaction (no `sourceId` then).
 * Without a `status` it starts open, or pending when the inbox has an agent bot.
 */
export async function insertConversation(
  contact: Contact,
  inboxId: number,
  attrs: { sourceId?: string; contactInboxId?: number } & Partial<Pick<Conversation, 'status' | 'priority' | 'assignee_id' | 'team_id' | 'additional_attributes' | 'custom_attributes'>>,
  transaction: Transaction,
): Promise<Conversation> {
  const { sourceId, contactInboxId, ...columns } = attrs;
  const [row] = await Conversation.sequelize!.query<{ last_conversation_display_id: number }>(
    'UPDATE accounts SET last_conversation_display_id = last_conversation_display_id + 1 WHERE id = :id RETURNING last_conversation_display_id',
    { replacements: { id: contact.account_id }, type: QueryTypes.SELECT, transaction },
  );
  const contactInbox = contactInboxId && !sourceId ? { id: contactInboxId } : await findOrCreateContactInbox(contact, inboxId, sourceId, transaction);
  const status = columns.status ?? (await startingStatus(inboxId, transaction));
  return Conversation.create(
    { account_id: contact.account_id, inbox_id: inboxId, contact_id: contact.id, contact_inbox_id: contactInbox.id, display_id: row.last_conversation_display_id, waiting_since: new Date(), ...columns, status },
    { transaction },
  );
}

/** What a conversation payload needs loaded with the conversation (the rest comes from `views`). */
export function conversationIncludes(): Includeable[] {
  return [
    { model: Contact, as: 'contact' },
    { model: User, as: 'assignee', attributes: [...ASSIGNEE_COLUMNS] },
    { model: Inbox, as: 'inbox', attributes: ['id', 'channel_type'] },
    { model: Team, as: 'team' },
  ];
}

export interface ConversationCounts {
  mine_count: number;
  unassigned_count: number;
  assigned_count: number;
  all_count: number;
}

export interface Assignee {
  user: User;
  accountUser: AccountUser;
}

/** What `POST /assignments` changed: the agent when `assignee_id` was given, else the team. */
export type Assignment = { kind: 'agent'; assignee: Assignee | null } | { kind: 'team'; team: Team | null };

export interface ConversationServiceDeps {
  sequelize: Sequelize;
  events: EventBus;
  inboxes: InboxService;
  labels: LabelService;
  teams: TeamService;
}

/**
 * Conversations addressed by their per-account display id. Administrators see all of the account's;
 * agents only those of inboxes they are members of — anything else is a 404, like another account's.
 */
export class ConversationService {
  constructor(private readonly deps: ConversationServiceDeps) {}

  /**
   * One page (25, most recently active first; search results best match first) with the counts
   * Chatwoot shows on the assignee tabs. Pages are addressed by Chatwoot's `page` or by `cursor`, the
   * `next_cursor` of the previous page: a keyset position that neither skips nor repeats a conversation
   * when new ones arrive between pages. Rows are read as plain rows with only the columns the payload
   * shows.
   */
  async list(scope: AccountScope, query: unknown): Promise<{ counts: ConversationCounts; conversations: ConversationView[]; nextCursor: string | null }> {
    const { assignee_type, page, cursor, ...filters } = parse(listParams, query);
    if (cursor && filters.q) throw ValidationError.field('cursor', 'cannot be combined with q (search results are ranked; use page)');
    const filter = await this.filterSql(scope, filters);
    const conditions = [...filter.conditions];
    const replacements: Record<string, unknown> = { ...filter.replacements, limit: CONVERSATIONS_PER_PAGE + 1, offset: cursor ? 0 : (page - 1) * CONVERSATIONS_PER_PAGE };
    if (assignee_type === 'me') conditions.push(`c.assignee_id = ${Number(scope.user.id)}`);
    else if (assignee_type === 'unassigned') conditions.push('c.assignee_id IS NULL');
    else if (assignee_type === 'assigned') conditions.push('c.assignee_id IS NOT NULL');
    if (cursor) {
      conditions.push(`(c.last_activity_at, c.id) < (timestamptz 'epoch' + :cursorAt * interval '1 microsecond', :cursorId)`);
      Object.assign(replacements, { cursorAt: cursor.at, cursorId: cursor.id });
    }
    const search = filters.q ? this.searchSql(filters.q) : undefined;
    const [counts, rows] = await Promise.all([
      this.countsFor(scope, filters, filter),
      this.pageRows(conditions, replacements, search?.rank),
    ]);
    const more = rows.length > CONVERSATIONS_PER_PAGE;
    const pageRows = rows.slice(0, CONVERSATIONS_PER_PAGE);
    const last = pageRows[pageRows.length - 1];
    const nextCursor = more && !filters.q && last ? encodeCursor({ at: last.activity_us, id: last.id }) : null;
    const [views, highlights] = await Promise.all([
      this.views(scope.account.id, pageRows.map((r) => r.conversation)),
      filters.q ? this.highlights(pageRows.map((r) => r.id), filters.q) : undefined,
    ]);
    if (highlights) for (const view of views) view.highlight = highlights.get(view.conversation.id) ?? null;
    return { counts, conversations: views, nextCursor };
  }

  /** The counts of `list` for the same status, inbox and search filters. */
  async meta(scope: AccountScope, query: unknown): Promise<ConversationCounts> {
    const { assignee_type: _a, page: _p, cursor: _c, ...filters } = parse(listParams, query);
    return this.countsFor(scope, filters, await this.filterSql(scope, filters));
  }

  /**
   * Chatwoot's `POST /conversations/filter`: its advanced filter on status, priority, assignee, inbox,
   * contact, dates, subject and custom attributes, among the conversations the caller may see.
   */
  async filter(scope: AccountScope, body: unknown, query: unknown): Promise<{ counts: ConversationCounts; conversations: ConversationView[] }> {
    const { page } = parse(z.object({ page: pageParam }), query);
    const filter = await this.filterSql(scope, { status: 'all' });
    filter.conditions.push(buildFilter(this.deps.sequelize, body, CONVERSATION_FILTER_COLUMNS, 'c.custom_attributes'));
    const [counts, rows] = await Promise.all([
      this.countsMatching(scope, filter),
      this.pageRows(filter.conditions, { ...filter.replacements, limit: CONVERSATIONS_PER_PAGE, offset: (page - 1) * CONVERSATIONS_PER_PAGE }),
    ]);
    return { counts, conversations: await this.views(scope.account.id, rows.map((r) => r.conversation)) };
  }

  async find(scope: ActingScope, displayId: number): Promise<Conversation> {
    const conversation = await Conversation.findOne({ where: { account_id: scope.account.id, display_id: displayId }, include: this.includes() });
    if (!conversation) throw new NotFoundError('Conversation');
    const reachable = isBotScope(scope)
      ? await AgentBotInbox.findOne({ where: { inbox_id: conversation.inbox_id, agent_bot_id: scope.bot.id }, attributes: ['id'] })
      : scope.isAdministrator || (await InboxMember.findOne({ where: { inbox_id: conversation.inbox_id, user_id: scope.user.id } }));
    if (!reachable) throw new NotFoundError('Conversation');
    return conversation;
  }

  async show(scope: ActingScope, displayId: number): Promise<ConversationView> {
    const [view] = await this.views(scope.account.id, [await this.find(scope, displayId)]);
    return view;
  }

  /** Opens a conversation for a contact in an inbox, with an optional first (outgoing) message. */
  async create(scope: AccountScope, body: Record<string, unknown>): Promise<ConversationView> {
    const attrs = parseWithContact(body);
    const problems: FieldError[] = [];
    const inbox = await this.deps.inboxes.find(scope, attrs.inbox_id).catch((err) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (!inbox) problems.push({ path: 'inbox_id', message: 'does not exist' });
    const contact = await this.contactFor(scope, inbox?.id, attrs, problems);
    if (inbox && attrs.assignee_id && !(await this.assignable(scope, inbox.id, attrs.assignee_id))) {
      problems.push({ path: 'assignee_id', message: 'must be an administrator of the account or a member of the inbox' });
    }
    if (attrs.team_id && !(await Team.findOne({ where: { id: attrs.team_id, account_id: scope.account.id }, attributes: ['id'] }))) {
      problems.push({ path: 'team_id', message: 'does not exist' });
    }
    if (problems.length || !inbox || !contact) throw new ValidationError(problems);

    const { conversation, message } = await this.deps.sequelize.transaction(async (transaction) => {
      const created = await insertConversation(
        contact,
        inbox.id,
        {
          sourceId: attrs.source_id,
          status: attrs.status,
          priority: attrs.priority ?? null,
          assignee_id: attrs.assignee_id ?? null,
          team_id: attrs.team_id ?? null,
          additional_attributes: attrs.additional_attributes ?? {},
          custom_attributes: attrs.custom_attributes ?? {},
        },
        transaction,
      );
      const first = attrs.message
        ? await insertMessage(created, { message_type: 'outgoing', content: attrs.message.content, private: false, sender: { type: 'User', id: scope.user.id } }, transaction)
        : undefined;
      return { conversation: created, message: first?.message };
    });

    const ids = { accountId: scope.account.id, inboxId: inbox.id, conversationId: conversation.id };
    await this.deps.events.emit('conversation.created', { ...ids, actorUserId: scope.user.id, ...(attrs.assignee_id ? { assigneeId: attrs.assignee_id } : {}) });
    if (message) await this.deps.events.emit('message.created', { ...ids, messageId: message.id, messageType: message.message_type, private: message.private });
    return this.show(scope, conversation.display_id);
  }

  /**
   * Chatwoot's two ways to name the customer: `contact_id`, or the contact inbox's `source_id` in the
   * inbox alone (how API-channel clients call it). Problems are added to `problems`.
   */
  private async contactFor(scope: AccountScope, inboxId: number | undefined, attrs: { contact_id?: number; source_id?: string }, problems: FieldError[]): Promise<Contact | null> {
    if (attrs.contact_id) {
      const contact = await Contact.findOne({ where: { id: attrs.contact_id, account_id: scope.account.id } });
      if (!contact) problems.push({ path: 'contact_id', message: 'does not exist' });
      return contact;
    }
    if (!inboxId || !attrs.source_id) return null;
    const contactInbox = await ContactInbox.findOne({ where: { inbox_id: inboxId, source_id: attrs.source_id } });
    const contact = contactInbox ? await Contact.findOne({ where: { id: contactInbox.contact_id, account_id: scope.account.id } }) : null;
    if (!contact) problems.push({ path: 'source_id', message: 'is not a contact of this inbox (create one with POST /contacts/:id/contact_inboxes or POST /contacts with inbox_id)' });
    return contact;
  }

  /** Sets the given status, or toggles open ↔ resolved (anything not open becomes open). */
  async toggleStatus(scope: ActingScope, displayId: number, body: Record<string, unknown>): Promise<Conversation> {
    const params = parse(toggleParams, body);
    if (params.snoozed_until && params.status !== 'snoozed') throw ValidationError.field('snoozed_until', 'is only allowed with status snoozed');
    const conversation = await this.find(scope, displayId);
    const next = params.status ?? (conversation.status === 'open' ? 'resolved' : 'open');
    const update = { status: next, snoozed_until: next === 'snoozed' ? (params.snoozed_until ?? null) : null };
    await this.save(scope, conversation, update);
    return conversation;
  }

  /** Chatwoot's `toggle_priority`: sets the priority, or clears it with `null`. */
  async togglePriority(scope: ActingScope, displayId: number, body: Record<string, unknown>): Promise<Conversation> {
    if (!('priority' in body)) throw ValidationError.field('priority', 'is required (null clears it)');
    const { priority } = parse(priorityParams, body);
    const conversation = await this.find(scope, displayId);
    await this.save(scope, conversation, { priority });
    return conversation;
  }

  /**
   * Applies one change to up to 100 conversations, each as if done one by one (with its activity
   * lines). Every id and value is checked first: a conversation the caller cannot see, an unknown
   * label or agent is a 422 and nothing changes.
   */
  async bulk(scope: AccountScope, body: Record<string, unknown>): Promise<number> {
    const params = parse(bulkParams, body);
    const fields = params.fields ?? {};
    if (fields.snoozed_until && fields.status !== 'snoozed') throw ValidationError.field('fields.snoozed_until', 'is only allowed with status snoozed');
    const ids = [...new Set(params.ids)];
    const rows = await Conversation.findAll({ where: { [Op.and]: [await this.visibleWhere(scope), { display_id: { [Op.in]: ids } }] } });
    const found = new Set(rows.map((c) => c.display_id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw ValidationError.field('ids', `must be conversations you can see (not: ${missing.join(', ')})`);
    const add = params.labels?.add?.length ? await this.deps.labels.resolve(scope, { labels: params.labels.add }) : [];
    const remove = new Set(params.labels?.remove ?? []);
    if (fields.team_id && !(await Team.findOne({ where: { id: fields.team_id, account_id: scope.account.id }, attributes: ['id'] }))) throw ValidationError.field('fields.team_id', 'must be a team of this account');
    if (fields.assignee_id) {
      const refused = [];
      for (const c of rows) if (!(await this.assignable(scope, c.inbox_id, fields.assignee_id))) refused.push(c.display_id);
      if (refused.length) throw ValidationError.field('fields.assignee_id', `must be an administrator of the account or a member of the inbox (conversations ${refused.join(', ')})`);
    }
    for (const conversation of rows) {
      const update: Record<string, unknown> = {};
      if (fields.status) Object.assign(update, { status: fields.status, snoozed_until: fields.status === 'snoozed' ? (fields.snoozed_until ?? null) : null });
      if (fields.assignee_id !== undefined) update.assignee_id = fields.assignee_id;
      if (fields.team_id !== undefined) update.team_id = fields.team_id;
      if (add.length || remove.size) update.label_list = [...new Set([...conversation.label_list, ...add])].filter((t) => !remove.has(t)).sort();
      await this.save(scope, conversation, update);
    }
    return rows.length;
  }

  async labels(scope: AccountScope, displayId: number): Promise<string[]> {
    return (await this.find(scope, displayId)).label_list;
  }

  /** Chatwoot's `POST /conversations/:id/labels`: the conversation's labels become exactly `labels`. */
  async setLabels(scope: AccountScope, displayId: number, body: Record<string, unknown>): Promise<string[]> {
    const conversation = await this.find(scope, displayId);
    const labels = await this.deps.labels.resolve(scope, body);
    await this.save(scope, conversation, { label_list: labels });
    return conversation.label_list;
  }

  /**
   * Assigns an agent (an administrator of the account or a member of the conversation's inbox) and/or
   * a team of the account; `null` unassigns. Chatwoot answers with the agent when `assignee_id` was
   * given, else with the team.
   */
  async assign(scope: ActingScope, displayId: number, body: Record<string, unknown>): Promise<Assignment> {
    if (!('assignee_id' in body) && !('team_id' in body)) throw ValidationError.field('assignee_id', 'is required (or team_id; null unassigns)');
    const params = parse(assignParams, body);
    const conversation = await this.find(scope, displayId);
    const update: Partial<Pick<Conversation, 'assignee_id' | 'team_id'>> = {};
    let assignee: Assignee | null = null;
    let team: Team | null = null;
    if (params.assignee_id !== undefined) {
      assignee = params.assignee_id === null ? null : await this.assignable(scope, conversation.inbox_id, params.assignee_id);
      if (params.assignee_id !== null && !assignee) throw ValidationError.field('assignee_id', 'must be an administrator of the account or a member of the inbox');
      update.assignee_id = params.assignee_id;
    }
    if (params.team_id !== undefined) {
      team = params.team_id === null ? null : await Team.findOne({ where: { id: params.team_id, account_id: scope.account.id } });
      if (params.team_id !== null && !team) throw ValidationError.field('team_id', 'must be a team of this account');
      update.team_id = params.team_id;
    }
    await this.save(scope, conversation, update);
    if ('assignee_id' in update) conversation.assignee = assignee?.user ?? null;
    if ('team_id' in update) conversation.team = team;
    return params.assignee_id !== undefined ? { kind: 'agent', assignee } : { kind: 'team', team };
  }

  /**
   * Chatwoot's `update_last_seen`: the conversation is read up to now, which clears its unread count;
   * the assignee's own mark moves too when the assignee is the one reading.
   */
  async markSeen(scope: AccountScope, displayId: number): Promise<ConversationView> {
    const conversation = await this.find(scope, displayId);
    const now = new Date();
    const update: Partial<Pick<Conversation, 'agent_last_seen_at' | 'assignee_last_seen_at'>> = { agent_last_seen_at: now };
    if (conversation.assignee_id === scope.user.id) update.assignee_last_seen_at = now;
    await conversation.update(update);
    await this.deps.events.emit('conversation.updated', {
      accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id, changes: Object.keys(update),
    });
    const [view] = await this.views(scope.account.id, [conversation]);
    return view;
  }

  /**
   * Chatwoot's contact conversations: the contact's most recently active ones (20, as Chatwoot), limited
   * to what the caller may see; another account's contact is a 404.
   */
  async forContact(scope: AccountScope, contactId: number): Promise<ConversationView[]> {
    if (!(await Contact.findOne({ where: { id: contactId, account_id: scope.account.id }, attributes: ['id'] }))) throw new NotFoundError('Contact');
    const rows = await Conversation.findAll({
      where: { [Op.and]: [await this.visibleWhere(scope), { contact_id: contactId }] },
      include: this.includes(),
      order: [['last_activity_at', 'DESC'], ['id', 'DESC']],
      limit: CONTACT_CONVERSATIONS_LIMIT,
    });
    return this.views(scope.account.id, rows);
  }

  /**
   * Payload data for many conversations in a fixed number of queries: in one statement of plain rows,
   * each one's last message that is not an activity line (Chatwoot's `last_non_activity_message`, the
   * preview) with its sender, an activity line written after it if any (then Chatwoot's `messages`
   * shows that line) and its unread count; attachments only when a message has any, and the
   * assignees' memberships in one lookup.
   */
  async views(accountId: number, conversations: ConversationRecord[]): Promise<ConversationView[]> {
    if (!conversations.length) return [];
    const ids = conversations.map((c) => c.id);
    const assigneeIds = [...new Set(conversations.map((c) => c.assignee_id).filter((id): id is number => !!id))];
    const [rows, memberships] = await Promise.all([
      this.deps.sequelize.query<Record<string, unknown>>(
        `SELECT c.id AS c_id, ${MESSAGE_COLUMNS.map((col) => `m.${col}`).join(', ')}, m.sender_type, ${MESSAGE_COLUMNS.map((col) => `act.${col} AS act_${col}`).join(', ')},
                (SELECT COUNT(*)::int FROM messages mu
                  WHERE mu.conversation_id = c.id AND mu.message_type = 'incoming'
                    AND (c.agent_last_seen_at IS NULL OR mu.created_at > c.agent_last_seen_at)) AS unread,
                EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id) AS has_attachments,
                u.id AS u_id, u.name AS u_name, u.display_name AS u_display_name, au.id AS au_id, au.availability AS au_availability,
                ${SENDER_CONTACT_COLUMNS.map((col) => `ct.${col} AS ct_${col}`).join(', ')},
                ab.id AS ab_id, ab.name AS ab_name, ab.avatar_url AS ab_avatar_url
           FROM conversations c
           LEFT JOIN LATERAL (SELECT * FROM messages WHERE conversation_id = c.id AND message_type <> 'activity' ORDER BY created_at DESC, id DESC LIMIT 1) m ON true
           LEFT JOIN LATERAL (SELECT ${MESSAGE_COLUMNS.join(', ')} FROM messages
                               WHERE conversation_id = c.id AND message_type = 'activity' AND (m.id IS NULL OR (created_at, id) > (m.created_at, m.id))
                               ORDER BY created_at DESC, id DESC LIMIT 1) act ON true
           LEFT JOIN users u ON m.sender_type = 'User' AND u.id = m.sender_id
           LEFT JOIN account_users au ON au.account_id = :accountId AND au.user_id = u.id
           LEFT JOIN contacts ct ON m.sender_type = 'Contact' AND ct.id = m.sender_id AND ct.account_id = :accountId
           LEFT JOIN agent_bots ab ON m.sender_type = 'AgentBot' AND ab.id = m.sender_id
          WHERE c.id IN (:ids)`,
        { replacements: { ids, accountId }, type: QueryTypes.SELECT },
      ),
      assigneeIds.length ? AccountUser.findAll({ where: { account_id: accountId, user_id: { [Op.in]: assigneeIds } } }) : [],
    ]);
    const withAttachments = rows.filter((r) => r.has_attachments).map((r) => Number(r.id));
    const attachments = withAttachments.length ? await Attachment.findAll({ where: { message_id: { [Op.in]: withAttachments } }, order: [['id', 'ASC']] }) : [];
    const displayIdOf = new Map(conversations.map((c) => [c.id, c.display_id]));
    const lastOf = new Map<number, MessageView<MessageRecord>>();
    const activityOf = new Map<number, MessageView<MessageRecord>>();
    const unreadOf = new Map<number, number>();
    for (const row of rows) {
      const conversationId = Number(row.c_id);
      const view = (message: MessageRecord, sender: MessageSender) => ({ message, conversationDisplayId: displayIdOf.get(conversationId) ?? 0, sender });
      unreadOf.set(conversationId, Number(row.unread));
      if (row.act_id != null) {
        const line = Object.fromEntries(MESSAGE_COLUMNS.map((col) => [col, row[`act_${col}`]])) as unknown as MessageRecord;
        line.attachments = [];
        activityOf.set(conversationId, view(line, null));
      }
      if (row.id == null) continue;
      const message = Object.fromEntries(MESSAGE_COLUMNS.map((col) => [col, row[col]])) as unknown as MessageRecord;
      message.attachments = attachments.filter((a) => a.message_id === message.id);
      let sender: MessageSender = null;
      if (row.u_id != null) {
        const user = { id: Number(row.u_id), name: row.u_name as string, availableName: (row.u_display_name || row.u_name) as string };
        sender = { type: 'user', user, accountUser: row.au_id == null ? null : { availability: row.au_availability as string } };
      } else if (row.ct_id != null) {
        sender = { type: 'contact', contact: Object.fromEntries(SENDER_CONTACT_COLUMNS.map((col) => [col, row[`ct_${col}`]])) as unknown as ContactFields };
      } else if (row.ab_id != null) {
        sender = { type: 'agent_bot', bot: { id: Number(row.ab_id), name: row.ab_name as string, avatar_url: (row.ab_avatar_url as string | null) ?? null } };
      }
      lastOf.set(conversationId, view(message, sender));
    }
    const membershipOf = new Map(memberships.map((m) => [m.user_id, m]));
    return conversations.map((conversation) => ({
      conversation,
      lastMessage: lastOf.get(conversation.id) ?? null,
      lastActivityLine: activityOf.get(conversation.id) ?? null,
      unreadCount: unreadOf.get(conversation.id) ?? 0,
      assigneeMembership: conversation.assignee_id ? (membershipOf.get(conversation.assignee_id) ?? null) : null,
    }));
  }

  /** An administrator of the account, or an agent of it who is a member of the inbox. */
  private async assignable(scope: ActingScope, inboxId: number, userId: number): Promise<Assignee | null> {
    const accountUser = await AccountUser.findOne({ where: { account_id: scope.account.id, user_id: userId, invitation_pending: false }, include: [{ model: User, as: 'user' }] });
    if (!accountUser?.user) return null;
    if (!accountUser.isAdministrator && !(await InboxMember.findOne({ where: { inbox_id: inboxId, user_id: userId } }))) return null;
    return { user: accountUser.user, accountUser };
  }

  /**
   * Applies an agent's change and writes the thread's activity lines for it (assigned, labelled,
   * resolved, …, by whom) in the same transaction; announces both once committed.
   */
  async save(scope: ActingScope, conversation: Conversation, update: Record<string, unknown>): Promise<void> {
    const changes = conversationChanges(conversation, update);
    if (!changes.length) return;
    const lines = await activityLines(scope, conversation, update);
    const activities = await this.deps.sequelize.transaction(async (transaction) => {
      await conversation.update(update as Partial<Conversation>, { transaction });
      return insertActivityLines(conversation, lines, transaction);
    });
    const ids = { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id };
    const actor = actorOf(scope);
    await this.deps.events.emit('conversation.updated', { ...ids, changes, ...actor });
    for (const m of activities) await announceMessage(this.deps.events, conversation, m, [], actor.automationRuleId);
  }

  private includes(): Includeable[] {
    return conversationIncludes();
  }

  /** The account's conversations the caller may see: all for administrators, their inboxes' for agents. */
  private async visibleWhere(scope: AccountScope): Promise<WhereOptions<Conversation>> {
    const conditions: WhereOptions<Conversation>[] = [{ account_id: scope.account.id }];
    if (!scope.isAdministrator) conditions.push({ inbox_id: { [Op.in]: await this.deps.inboxes.memberInboxIds(scope.user.id) } });
    return { [Op.and]: conditions };
  }

  /** Account, visibility, status, inbox, team, labels and search as SQL over `conversations c`: everything but the assignee tab and the cursor. */
  private async filterSql(scope: AccountScope, filters: Filters): Promise<SqlFilter> {
    const conditions = ['c.account_id = :accountId'];
    const replacements: Record<string, unknown> = { accountId: scope.account.id };
    let visibleInboxIds: number[] | null = null;
    if (!scope.isAdministrator) {
      visibleInboxIds = await this.deps.inboxes.memberInboxIds(scope.user.id);
      conditions.push('c.inbox_id = ANY(ARRAY[:visibleInboxIds]::bigint[])');
      replacements.visibleInboxIds = visibleInboxIds.length ? visibleInboxIds : [0];
    }
    if (filters.status !== 'all') {
      conditions.push('c.status = :status');
      replacements.status = filters.status;
    }
    if (filters.inbox_id) {
      conditions.push('c.inbox_id = :inboxId');
      replacements.inboxId = filters.inbox_id;
    }
    // Triage filters: served by the (account_id, team_id, status, last_activity_at) and GIN(label_list) indexes.
    if (filters.team_id) {
      conditions.push('c.team_id = :teamId');
      replacements.teamId = filters.team_id;
    }
    if (filters.labels?.length) {
      conditions.push('c.label_list @> ARRAY[:labels]::varchar[]');
      replacements.labels = filters.labels;
    }
    if (filters.q) {
      const search = this.searchSql(filters.q);
      conditions.push(search.match);
      Object.assign(replacements, search.replacements);
    }
    return { conditions, replacements, visibleInboxIds };
  }

  /**
   * `q` matches the email subject, message text (HTML-only emails' text is rendered into it at
   * ingestion) and the contact's name and email through the conversation's full-text vector, each
   * word as a prefix (`login prob` finds "Login problem"); any part of the contact's name or email
   * through the contacts' trigram indexes (`@engines.test`); and the display id (`#12` or `12`). The
   * query's words are split by the same parser that built the vectors, so both agree on what a word is.
   */
  private searchSql(q: string): { match: string; rank: string; replacements: Record<string, unknown> } {
    const pattern = `%${q.replace(/[\\%_]/g, '\\$&')}%`;
    const matches = [
      `c.search_vector @@ ${TSQUERY}`,
      'c.contact_id = ANY (ARRAY(SELECT ct.id FROM contacts ct WHERE ct.account_id = :accountId AND (ct.name ILIKE :pattern OR ct.email ILIKE :pattern)))',
    ];
    // Nine digits always fit the integer column; a longer number would overflow it in the comparison.
    const displayId = /^#?(\d{1,9})$/.exec(q)?.[1];
    if (displayId) matches.push(`c.display_id = ${Number(displayId)}`);
    const rank = `${displayId ? `(c.display_id = ${Number(displayId)})::int + ` : ''}coalesce(ts_rank(c.search_vector, ${TSQUERY}), 0)`;
    return { match: `(${matches.join(' OR ')})`, rank, replacements: { q, pattern } };
  }

  /** Up to `limit` rows from `offset` in list order (or by `rank`), read as plain rows through a page of ids. */
  private async pageRows(conditions: string[], replacements: Record<string, unknown>, rank?: string): Promise<PageRow[]> {
    const innerOrder = rank ? 'rank DESC, c.last_activity_at DESC, c.id DESC' : 'c.last_activity_at DESC, c.id DESC';
    const rows = await this.deps.sequelize.query<Record<string, unknown>>(
      `SELECT ${CONVERSATION_COLUMNS.map((col) => `c.${col}`).join(', ')},
              (extract(epoch FROM c.last_activity_at) * 1000000)::bigint AS activity_us,
              ${CONTACT_COLUMNS.map((col) => `ct.${col} AS ct_${col}`).join(', ')},
              ${ASSIGNEE_COLUMNS.map((col) => `u.${col} AS u_${col}`).join(', ')},
              i.channel_type AS i_channel_type,
              ${TEAM_COLUMNS.map((col) => `t.${col} AS t_${col}`).join(', ')}
         FROM (SELECT c.id${rank ? `, ${rank} AS rank` : ''} FROM conversations c WHERE ${conditions.join(' AND ')}
                ORDER BY ${innerOrder} LIMIT :limit OFFSET :offset) page
         JOIN conversations c ON c.id = page.id
         LEFT JOIN contacts ct ON ct.id = c.contact_id
         LEFT JOIN users u ON u.id = c.assignee_id
         LEFT JOIN inboxes i ON i.id = c.inbox_id
         LEFT JOIN teams t ON t.id = c.team_id
        ORDER BY ${rank ? 'page.rank DESC, ' : ''}c.last_activity_at DESC, c.id DESC`,
      { replacements, type: QueryTypes.SELECT },
    );
    return rows.map((row) => {
      const pick = (prefix: string, cols: readonly string[]) => Object.fromEntries(cols.map((col) => [col, row[`${prefix}${col}`]]));
      const conversation = {
        ...pick('', CONVERSATION_COLUMNS),
        contact: row.ct_id == null ? null : pick('ct_', CONTACT_COLUMNS),
        assignee: row.u_id == null ? null : pick('u_', ASSIGNEE_COLUMNS),
        inbox: row.i_channel_type == null ? null : { channel_type: row.i_channel_type },
        team: row.t_id == null ? null : pick('t_', TEAM_COLUMNS),
      } as unknown as ConversationRecord;
      return { id: Number(row.id), activity_us: Number(row.activity_us), conversation };
    });
  }

  /**
   * Where each search result matched, best first: the subject, the latest matching message, or the
   * contact. The text is escaped here; only the `<mark>` elements around matched words are markup.
   */
  private async highlights(ids: number[], q: string): Promise<Map<number, SearchHighlight>> {
    const found = new Map<number, SearchHighlight>();
    if (!ids.length) return found;
    const clean = (text: string) => `translate(${text}, chr(2) || chr(3), '')`;
    // The default parser reads `<b>` in a text as a tag and leaves it out of a headline: the text is
    // escaped first (entities are words of their own there), read back and escaped again after.
    const escaped = (text: string) => `replace(replace(replace(replace(${clean(text)}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;')`;
    const rows = await this.deps.sequelize.query<{ id: number; field: SearchHighlight['field']; text: string; marked: boolean }>(
      `SELECT c.id, h.field, h.text, h.marked
         FROM conversations c
         CROSS JOIN LATERAL (
           SELECT * FROM (
             SELECT 'subject' AS field, ts_headline('simple', ${escaped(`c.additional_attributes->>'mail_subject'`)}, ${TSQUERY}, '${HEADLINE_OPTIONS}') AS text, true AS marked, 1 AS pref
              WHERE to_tsvector('simple', coalesce(c.additional_attributes->>'mail_subject', '')) @@ ${TSQUERY}
             UNION ALL
             (SELECT 'message', ts_headline('simple', ${escaped('left(m.content, 20000)')}, ${TSQUERY}, '${HEADLINE_OPTIONS}'), true, 2
                FROM messages m
               WHERE m.conversation_id = c.id AND m.message_type IN ('incoming', 'outgoing') AND to_tsvector('simple', left(coalesce(m.content, ''), 100000)) @@ ${TSQUERY}
               ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
             UNION ALL
             SELECT 'contact', ${clean(`trim(ct.name || coalesce(' <' || ct.email || '>', ''))`)}, false, 3
               FROM contacts ct WHERE ct.id = c.contact_id
           ) candidates ORDER BY pref LIMIT 1
         ) h
        WHERE c.id IN (:ids)`,
      { replacements: { ids, q }, type: QueryTypes.SELECT },
    );
    for (const row of rows) {
      const html = row.marked ? escapeHtml(unescapeHtml(row.text)).replace(/\u0002/g, '<mark>').replace(/\u0003/g, '</mark>') : markSubstring(row.text, q);
      found.set(Number(row.id), { field: row.field, html });
    }
    return found;
  }

  /**
   * Without `q` the counts come from `conversation_counts` (kept by triggers in the writing
   * transaction): a few rows per inbox, status and assignee instead of the account's conversations.
   * With `q` they are counted over the matches, which the search indexes find; with a team or labels
   * (which the counters do not split by) over the matches too, an index-only scan of the team index.
   */
  /**
   * The tab counts from the counters the triggers keep (per account, status, inbox, assignee and team,
   * and the same per label); a search or a filter on several labels counts the conversations instead.
   */
  private async countsFor(scope: AccountScope, filters: Filters, filter: SqlFilter): Promise<ConversationCounts> {
    const labels = filters.labels ?? [];
    if (filters.q || labels.length > 1) return this.countsMatching(scope, filter);
    const me = Number(scope.user.id);
    const conditions = ['account_id = :accountId'];
    const replacements: Record<string, unknown> = { ...filter.replacements };
    if (filter.visibleInboxIds) conditions.push('inbox_id = ANY(ARRAY[:visibleInboxIds]::bigint[])');
    if (filters.status !== 'all') conditions.push('status = :status');
    if (filters.inbox_id) conditions.push('inbox_id = :inboxId');
    if (filters.team_id) conditions.push('team_id = :teamId');
    if (labels.length) {
      conditions.push('label = :label');
      replacements.label = labels[0];
    }
    const [row] = await this.deps.sequelize.query<Record<keyof ConversationCounts, number | string>>(
      `SELECT sum(count) FILTER (WHERE assignee_id = ${me}) AS mine_count, sum(count) FILTER (WHERE assignee_id = 0) AS unassigned_count,
              sum(count) FILTER (WHERE assignee_id <> 0) AS assigned_count, sum(count) AS all_count
         FROM ${labels.length ? 'conversation_label_counts' : 'conversation_counts'} WHERE ${conditions.join(' AND ')}`,
      { replacements, type: QueryTypes.SELECT },
    );
    return countsOf(row);
  }

  private async countsMatching(scope: AccountScope, filter: SqlFilter): Promise<ConversationCounts> {
    const me = Number(scope.user.id);
    const [row] = await this.deps.sequelize.query<Record<keyof ConversationCounts, number | string>>(
      `SELECT COUNT(*) FILTER (WHERE c.assignee_id = ${me}) AS mine_count, COUNT(*) FILTER (WHERE c.assignee_id IS NULL) AS unassigned_count,
              COUNT(*) FILTER (WHERE c.assignee_id IS NOT NULL) AS assigned_count, COUNT(*) AS all_count
         FROM conversations c WHERE ${filter.conditions.join(' AND ')}`,
      { replacements: filter.replacements, type: QueryTypes.SELECT },
    );
    return countsOf(row);
  }
}

const countsOf = (row: Record<keyof ConversationCounts, number | string> | undefined): ConversationCounts => ({
  mine_count: Number(row?.mine_count ?? 0),
  unassigned_count: Number(row?.unassigned_count ?? 0),
  assigned_count: Number(row?.assigned_count ?? 0),
  all_count: Number(row?.all_count ?? 0),
});

interface SqlFilter {
  conditions: string[];
  replacements: Record<string, unknown>;
  /** The agent's inboxes; `null` for administrators, who see every inbox. */
  visibleInboxIds: number[] | null;
}

interface PageRow {
  id: number;
  /** `last_activity_at` in microseconds since the epoch: Postgres's precision, which a JS Date would round. */
  activity_us: number;
  conversation: ConversationRecord;
}

const CONVERSATION_COLUMNS = [
  'id', 'account_id', 'inbox_id', 'contact_id', 'display_id', 'uuid', 'status', 'priority', 'assignee_id', 'additional_attributes', 'custom_attributes',
  'snoozed_until', 'last_activity_at', 'agent_last_seen_at', 'assignee_last_seen_at', 'contact_last_seen_at', 'first_reply_created_at', 'waiting_since',
  'created_at', 'updated_at', 'muted', 'team_id', 'label_list',
] as const;
/** What `meta.team` shows. */
const TEAM_COLUMNS = ['id', 'name', 'description', 'allow_auto_assign', 'account_id'] as const;
const CONTACT_COLUMNS = [
  'id', 'name', 'email', 'phone_number', 'identifier', 'additional_attributes', 'custom_attributes', 'blocked', 'created_at', 'last_activity_at',
] as const;
/** What a message payload shows. */
const MESSAGE_COLUMNS = [
  'id', 'content', 'inbox_id', 'conversation_id', 'message_type', 'content_type', 'content_attributes', 'status', 'source_id', 'private', 'external_error', 'created_at',
] as const;
/** What a contact sender's payload shows. */
const SENDER_CONTACT_COLUMNS = ['id', 'name', 'email', 'phone_number', 'identifier', 'additional_attributes', 'custom_attributes', 'blocked'] as const;
/** What an assignee's payload shows; the password digest and tokens are never read. */
const ASSIGNEE_COLUMNS = ['id', 'email', 'name', 'display_name', 'confirmed_at'] as const;

/** `q`'s words as prefixes, all required, split by the parser that built the search vectors. */
const TSQUERY = `(SELECT string_agg(quote_literal(lexeme) || ':*', ' & ')::tsquery FROM unnest(to_tsvector('simple', :q)))`;
/** Matched words between STX and ETX, which `highlights` strips from the text first and turns into `<mark>` after escaping. */
const HEADLINE_OPTIONS = 'StartSel=\u0002, StopSel=\u0003, MaxWords=40, MinWords=20, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "';

function encodeCursor(position: z.infer<typeof cursorSchema>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
const HTML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"' };
const unescapeHtml = (text: string) => text.replace(/&(amp|lt|gt|quot);/g, (e) => HTML_ENTITIES[e]);

/** A contact matched by a part of its name or email (trigram match): the first occurrence of `q` marked. */
function markSubstring(text: string, q: string): string {
  const at = text.toLowerCase().indexOf(q.toLowerCase());
  if (at < 0 || !q) return escapeHtml(text);
  return `${escapeHtml(text.slice(0, at))}<mark>${escapeHtml(text.slice(at, at + q.length))}</mark>${escapeHtml(text.slice(at + q.length))}`;
}
