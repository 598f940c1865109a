import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { ATTRIBUTE_DISPLAY_TYPES, ATTRIBUTE_MODELS, CUSTOM_FILTER_TYPES, CustomAttributeDefinition, CustomFilter, type AttributeModel } from '../models/custom-attribute-definition.model.js';
import { filterBody } from './filters.js';
import type { AccountScope } from './account-scope.js';
import { parse } from '../lib/validation.js';

/** Chatwoot takes the model as its enum index (`0`, `1`) or name. */
const attributeModel = z.union([z.number(), z.string().trim()]).transform((v, ctx): AttributeModel => {
  const byIndex = ATTRIBUTE_MODELS[Number(v)];
  if (/^\d+$/.test(String(v)) && byIndex) return byIndex;
  if ((ATTRIBUTE_MODELS as readonly string[]).includes(String(v))) return v as AttributeModel;
  ctx.addIssue({ code: 'custom', message: 'must be conversation_attribute (0) or contact_attribute (1)' });
  return z.NEVER;
});
const displayType = z.union([z.number(), z.string().trim()]).transform((v, ctx) => {
  const byIndex = ATTRIBUTE_DISPLAY_TYPES[Number(v)];
  if (/^\d+$/.test(String(v)) && byIndex) return byIndex;
  if ((ATTRIBUTE_DISPLAY_TYPES as readonly string[]).includes(String(v))) return String(v);
  ctx.addIssue({ code: 'custom', message: `must be one of ${ATTRIBUTE_DISPLAY_TYPES.join(', ')}` });
  return z.NEVER;
});
const fields = {
  attribute_display_name: z.string({ message: 'is required' }).trim().min(1, 'is required').max(255),
  attribute_display_type: displayType.default('text'),
  attribute_description: z.string().trim().max(2000).nullable().optional(),
  attribute_key: z.string({ message: 'is required' }).trim().regex(/^[a-z0-9_]{1,100}$/, 'must be lower-case letters, digits and underscores'),
  attribute_values: z.array(z.string().trim().min(1).max(255)).max(200).optional(),
  attribute_model: attributeModel,
  default_value: z.string().max(2000).nullable().optional(),
  regex_pattern: z.string().max(500).nullable().optional(),
  regex_cue: z.string().max(500).nullable().optional(),
};
const createParams = z.object(fields);
const updateParams = z.object(fields).partial().omit({ attribute_key: true, attribute_model: true });
const listParams = z.object({ attribute_model: attributeModel.optional() });
/** Chatwoot nests the attributes under `custom_attribute_definition`. */
const unwrap = (body: unknown) => ((body as { custom_attribute_definition?: unknown } | null)?.custom_attribute_definition ?? body) as Record<string, unknown>;

/** Custom attribute definitions: administrators define them; everyone sees them (the dashboard's side panels). */
export class CustomAttributeService {
  list(scope: AccountScope, query: unknown): Promise<CustomAttributeDefinition[]> {
    const { attribute_model } = parse(listParams, query);
    return CustomAttributeDefinition.findAll({ where: { account_id: scope.account.id, ...(attribute_model ? { attribute_model } : {}) }, order: [['id', 'ASC']] });
  }

  async find(scope: AccountScope, id: number): Promise<CustomAttributeDefinition> {
    const row = await CustomAttributeDefinition.findOne({ where: { id, account_id: scope.account.id } });
    if (!row) throw new NotFoundError('Custom attribute');
    return row;
  }

  async create(scope: AccountScope, body: unknown): Promise<CustomAttributeDefinition> {
    const attrs = parse(createParams, unwrap(body));
    this.checkList(attrs.attribute_display_type, attrs.attribute_values);
    if (await CustomAttributeDefinition.findOne({ where: { account_id: scope.account.id, attribute_model: attrs.attribute_model, attribute_key: attrs.attribute_key } })) {
      throw ValidationError.field('attribute_key', 'has already been taken');
    }
    return CustomAttributeDefinition.create({
      account_id: scope.account.id,
      ...attrs,
      attribute_description: attrs.attribute_description ?? null,
      attribute_values: attrs.attribute_values ?? [],
      default_value: attrs.default_value ?? null,
      regex_pattern: attrs.regex_pattern ?? null,
      regex_cue: attrs.regex_cue ?? null,
    });
  }

  async update(scope: AccountScope, id: number, body: unknown): Promise<CustomAttributeDefinition> {
    const row = await this.find(scope, id);
    const attrs = parse(updateParams, unwrap(body));
    this.checkList(attrs.attribute_display_type ?? row.attribute_display_type, attrs.attribute_values ?? row.attribute_values);
    await row.update(attrs);
    return row;
  }

  async destroy(scope: AccountScope, id: number): Promise<void> {
    await (await this.find(scope, id)).destroy();
  }

  private checkList(type: string, values: string[] | undefined): void {
    if (type === 'list' && !values?.length) throw ValidationError.field('attribute_values', 'must list the choices of a list attribute');
  }
}

const filterType = z.enum(CUSTOM_FILTER_TYPES, { message: `must be one of ${CUSTOM_FILTER_TYPES.join(', ')}` });
const customFilterParams = z.object({
  name: z.string({ message: 'is required' }).trim().min(1, 'is required').max(255),
  type: filterType,
  query: filterBody,
});
const unwrapFilter = (body: unknown) => ((body as { custom_filter?: unknown } | null)?.custom_filter ?? body) as Record<string, unknown>;

/**
 * Chatwoot's custom filters: each person's saved filters (a name and the payload of
 * `POST /conversations/filter` or `/contacts/filter`), visible to that person only.
 */
export class CustomFilterService {
  list(scope: AccountScope, query: unknown): Promise<CustomFilter[]> {
    const { filter_type } = parse(z.object({ filter_type: filterType.optional() }), query);
    return CustomFilter.findAll({ where: { account_id: scope.account.id, user_id: scope.user.id, ...(filter_type ? { filter_type } : {}) }, order: [['id', 'ASC']] });
  }

  async find(scope: AccountScope, id: number): Promise<CustomFilter> {
    const row = await CustomFilter.findOne({ where: { id, account_id: scope.account.id, user_id: scope.user.id } });
    if (!row) throw new NotFoundError('Custom filter');
    return row;
  }

  async create(scope: AccountScope, body: unknown): Promise<CustomFilter> {
    const attrs = parse(customFilterParams, unwrapFilter(body));
    return CustomFilter.create({ account_id: scope.account.id, user_id: scope.user.id, name: attrs.name, filter_type: attrs.type, query: attrs.query });
  }

  async update(scope: AccountScope, id: number, body: unknown): Promise<CustomFilter> {
    const row = await this.find(scope, id);
    const attrs = parse(customFilterParams.partial(), unwrapFilter(body));
    await row.update({ ...(attrs.name ? { name: attrs.name } : {}), ...(attrs.type ? { filter_type: attrs.type } : {}), ...(attrs.query ? { query: attrs.query } : {}) });
    return row;
  }

  async destroy(scope: AccountScope, id: number): Promise<void> {
    await (await this.find(scope, id)).destroy();
  }
}
