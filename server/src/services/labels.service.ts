import { Op, type Sequelize, type Transaction } from 'sequelize';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { Contact, Label } from '../models/index.js';
import type { AccountScope } from './account-scope.js';
import { looseBoolean, parse } from '../lib/validation.js';

/** Chatwoot's label titles: lowercased letters, digits, `-` and `_` (they become `labels[]` filter values). */
const title = z
  .string({ message: 'is required' })
  .trim()
  .toLowerCase()
  .min(1, 'is required')
  .max(255)
  .regex(/^[\p{L}\p{N}_-]+$/u, 'may contain only letters, digits, - and _');
const color = z.string().trim().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1f93ff');
const labelParams = z.object({
  title,
  description: z.string().trim().max(1000).nullable().optional(),
  color: color.optional(),
  show_on_sidebar: looseBoolean.optional(),
});
const updateParams = labelParams.partial();

/** A list of label titles, as `POST /conversations/:id/labels` and `/contacts/:id/labels` take it. */
export const labelTitles = z.array(z.string().trim().toLowerCase(), { message: 'must be a list of label titles' }).max(100);

export interface LabelServiceDeps {
  sequelize: Sequelize;
}

/**
 * Account labels (Chatwoot's `/labels`). Conversations and contacts carry their labels' titles, so a
 * rename is carried into every `label_list` and a deletion removes the title from them.
 */
export class LabelService {
  constructor(private readonly deps: LabelServiceDeps) {}

  list(scope: AccountScope): Promise<Label[]> {
    return Label.findAll({ where: { account_id: scope.account.id }, order: [['title', 'ASC']] });
  }

  async find(scope: AccountScope, id: number): Promise<Label> {
    const label = await Label.findOne({ where: { id, account_id: scope.account.id } });
    if (!label) throw new NotFoundError('Label');
    return label;
  }

  async create(scope: AccountScope, body: Record<string, unknown>): Promise<Label> {
    const attrs = parse(labelParams, body);
    await this.ensureFree(scope, attrs.title);
    return Label.create({ account_id: scope.account.id, ...attrs });
  }

  async update(scope: AccountScope, id: number, body: Record<string, unknown>): Promise<Label> {
    const attrs = parse(updateParams, body);
    const label = await this.find(scope, id);
    const previous = label.title;
    if (attrs.title && attrs.title !== previous) await this.ensureFree(scope, attrs.title, label.id);
    await this.deps.sequelize.transaction(async (transaction) => {
      await label.update(attrs, { transaction });
      if (label.title !== previous) await this.rewrite(scope.account.id, 'array_replace(label_list, :from, :to)', { from: previous, to: label.title }, transaction);
    });
    return label;
  }

  async destroy(scope: AccountScope, id: number): Promise<void> {
    const label = await this.find(scope, id);
    await this.deps.sequelize.transaction(async (transaction) => {
      await this.rewrite(scope.account.id, 'array_remove(label_list, :from)', { from: label.title }, transaction);
      await label.destroy({ transaction });
    });
  }

  /**
   * A requested label list, sorted and without repeats. As in Chatwoot, a title the account has no
   * label for yet becomes one (default colour), so it shows in Settings and the filters; a title that
   * is not a valid label title is a 422 naming it.
   */
  async resolve(scope: AccountScope, body: Record<string, unknown>): Promise<string[]> {
    const { labels } = parse(z.object({ labels: z.array(title, { message: 'must be a list of label titles' }).max(100) }, { message: 'must be an object' }), body);
    const wanted = [...new Set(labels)].sort();
    if (!wanted.length) return [];
    await Label.bulkCreate(wanted.map((t) => ({ account_id: scope.account.id, title: t })), { ignoreDuplicates: true });
    return wanted;
  }

  async contactLabels(scope: AccountScope, contactId: number): Promise<string[]> {
    return (await this.contact(scope, contactId)).label_list;
  }

  /** Chatwoot's `POST /contacts/:id/labels`: the contact's labels become exactly `labels`. */
  async setContactLabels(scope: AccountScope, contactId: number, body: Record<string, unknown>): Promise<string[]> {
    const contact = await this.contact(scope, contactId);
    const labels = await this.resolve(scope, body);
    await contact.update({ label_list: labels });
    return labels;
  }

  private async contact(scope: AccountScope, id: number): Promise<Contact> {
    const contact = await Contact.findOne({ where: { id, account_id: scope.account.id } });
    if (!contact) throw new NotFoundError('Contact');
    return contact;
  }

  private async ensureFree(scope: AccountScope, wanted: string, exceptId?: number): Promise<void> {
    const taken = await Label.findOne({ where: { account_id: scope.account.id, title: wanted, ...(exceptId ? { id: { [Op.ne]: exceptId } } : {}) } });
    if (taken) throw ValidationError.field('title', 'is already taken');
  }

  private async rewrite(accountId: number, expression: string, replacements: Record<string, string>, transaction: Transaction): Promise<void> {
    for (const table of ['conversations', 'contacts']) {
      await this.deps.sequelize.query(`UPDATE ${table} SET label_list = ${expression} WHERE account_id = :accountId AND label_list @> ARRAY[:from]::varchar[]`, {
        replacements: { ...replacements, accountId },
        transaction,
      });
    }
  }
}
