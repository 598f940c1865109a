import { Router } from 'express';
import type { Account } from '../../models/index.js';
import type { CustomAttributeDefinition, CustomFilter } from '../../models/custom-attribute-definition.model.js';
import type { ContactActions } from '../../services/contact-actions.service.js';
import type { ContactService } from '../../services/contacts.service.js';
import type { ConversationActions } from '../../services/conversation-actions.service.js';
import type { ConversationService } from '../../services/conversations.service.js';
import type { CustomAttributeService, CustomFilterService } from '../../services/custom-attributes.service.js';
import type { ReportService } from '../../services/reports.service.js';
import { ValidationError } from '../../lib/errors.js';
import { requireAdministrator } from '../auth.js';
import { accountScope, actingScope } from '../request-context.js';
import { serializeContact, serializeContactInbox } from '../../serializers/contact.serializer.js';
import { serializeConversation } from '../../serializers/conversation.serializer.js';
import { serializeInbox } from '../../serializers/inbox.serializer.js';
import { unix } from '../../serializers/user.serializer.js';
import { idParam, parse } from '../../lib/validation.js';
import { z } from 'zod';

/** Chatwoot's conversation operations beyond the basics: PATCH, filter, custom attributes, unread, mute, typing. */
export function conversationOperationsRouter(conversations: ConversationService, actions: ConversationActions): Router {
  const router = Router();
  const id = (v: unknown) => idParam(v, 'Conversation');

  router.post('/conversations/filter', async (req, res) => {
    const { counts, conversations: list } = await conversations.filter(accountScope(req), req.body ?? {}, req.query);
    res.json({ meta: counts, payload: list.map(serializeConversation) });
  });
  router.patch('/conversations/:id', async (req, res) => {
    res.json(serializeConversation(await actions.update(actingScope(req), id(req.params.id), req.body ?? {})));
  });
  router.post('/conversations/:id/custom_attributes', async (req, res) => {
    res.json({ custom_attributes: await actions.setCustomAttributes(actingScope(req), id(req.params.id), req.body ?? {}) });
  });
  router.post('/conversations/:id/unread', async (req, res) => {
    res.json(serializeConversation(await actions.markUnread(accountScope(req), id(req.params.id))));
  });
  router.post('/conversations/:id/mute', async (req, res) => {
    res.json(serializeConversation(await actions.setMuted(accountScope(req), id(req.params.id), true)));
  });
  router.post('/conversations/:id/unmute', async (req, res) => {
    res.json(serializeConversation(await actions.setMuted(accountScope(req), id(req.params.id), false)));
  });
  router.post('/conversations/:id/toggle_typing_status', async (req, res) => {
    await actions.typing(accountScope(req), id(req.params.id), req.body ?? {});
    res.json({});
  });
  return router;
}

/** Chatwoot's contact operations beyond CRUD: filter, contact inboxes, contactable inboxes, merge, custom attributes. */
export function contactOperationsRouter(contacts: ContactService, actions: ContactActions): Router {
  const router = Router();
  const id = (v: unknown) => idParam(v, 'Contact');

  router.post('/contacts/filter', async (req, res) => {
    const page = await contacts.filter(accountScope(req), req.body ?? {}, req.query);
    res.json({ meta: { count: page.count, current_page: page.page }, payload: page.contacts.map((c) => serializeContact(c.contact, c.contactInboxes)) });
  });
  router.post('/contacts/:id/contact_inboxes', async (req, res) => {
    res.json(serializeContactInbox(await actions.addContactInbox(accountScope(req), id(req.params.id), req.body ?? {})));
  });
  router.get('/contacts/:id/contactable_inboxes', async (req, res) => {
    const list = await actions.contactableInboxes(accountScope(req), id(req.params.id));
    res.json({ payload: list.map((c) => ({ source_id: c.source_id, inbox: serializeInbox(c.inbox, c.inbox.channel) })) });
  });
  router.post('/contacts/:id/destroy_custom_attributes', async (req, res) => {
    const { contact, contactInboxes } = await actions.destroyCustomAttributes(accountScope(req), id(req.params.id), req.body ?? {});
    res.json({ payload: serializeContact(contact, contactInboxes) });
  });
  router.post('/actions/contact_merge', requireAdministrator, async (req, res) => {
    const { contact, contactInboxes } = await actions.merge(accountScope(req), req.body ?? {});
    res.json(serializeContact(contact, contactInboxes));
  });
  return router;
}

const serializeDefinition = (d: CustomAttributeDefinition) => ({
  id: d.id,
  attribute_display_name: d.attribute_display_name,
  attribute_display_type: d.attribute_display_type,
  attribute_description: d.attribute_description,
  attribute_key: d.attribute_key,
  regex_pattern: d.regex_pattern,
  regex_cue: d.regex_cue,
  attribute_values: d.attribute_values,
  attribute_model: d.attribute_model,
  default_value: d.default_value,
  created_at: d.created_at,
  updated_at: d.updated_at,
});

/** Chatwoot's `/custom_attribute_definitions`: members read them, administrators change them. */
export function customAttributesRouter(definitions: CustomAttributeService): Router {
  const router = Router();
  const id = (v: unknown) => idParam(v, 'Custom attribute');
  router.get('/custom_attribute_definitions', async (req, res) => {
    res.json((await definitions.list(accountScope(req), req.query)).map(serializeDefinition));
  });
  router.get('/custom_attribute_definitions/:id', async (req, res) => {
    res.json(serializeDefinition(await definitions.find(accountScope(req), id(req.params.id))));
  });
  router.post('/custom_attribute_definitions', requireAdministrator, async (req, res) => {
    res.json(serializeDefinition(await definitions.create(accountScope(req), req.body ?? {})));
  });
  router.patch('/custom_attribute_definitions/:id', requireAdministrator, async (req, res) => {
    res.json(serializeDefinition(await definitions.update(accountScope(req), id(req.params.id), req.body ?? {})));
  });
  router.delete('/custom_attribute_definitions/:id', requireAdministrator, async (req, res) => {
    await definitions.destroy(accountScope(req), id(req.params.id));
    res.json({ message: 'Custom attribute deleted' });
  });
  return router;
}

const serializeFilter = (f: CustomFilter) => ({ id: f.id, name: f.name, type: f.filter_type, query: f.query, created_at: f.created_at, updated_at: f.updated_at });

/** Chatwoot's `/custom_filters`: the caller's own saved filters. */
export function customFiltersRouter(filters: CustomFilterService): Router {
  const router = Router();
  const id = (v: unknown) => idParam(v, 'Custom filter');
  router.get('/custom_filters', async (req, res) => {
    res.json((await filters.list(accountScope(req), req.query)).map(serializeFilter));
  });
  router.get('/custom_filters/:id', async (req, res) => {
    res.json(serializeFilter(await filters.find(accountScope(req), id(req.params.id))));
  });
  router.post('/custom_filters', async (req, res) => {
    res.json(serializeFilter(await filters.create(accountScope(req), req.body ?? {})));
  });
  router.patch('/custom_filters/:id', async (req, res) => {
    res.json(serializeFilter(await filters.update(accountScope(req), id(req.params.id), req.body ?? {})));
  });
  router.delete('/custom_filters/:id', async (req, res) => {
    await filters.destroy(accountScope(req), id(req.params.id));
    res.json({ message: 'Custom filter deleted' });
  });
  return router;
}

const accountParams = z.object({
  name: z.string().trim().min(1, 'must not be blank').max(255).optional(),
  locale: z.string().trim().regex(/^[a-z]{2}(_[A-Z]{2})?$/, 'must be a locale such as en or pt_BR').optional(),
  domain: z.string().trim().max(255).nullable().optional(),
  support_email: z.string().trim().email('is not a valid email address').max(255).nullable().optional(),
});

function serializeAccount(account: Account) {
  return {
    id: account.id,
    name: account.name,
    locale: account.locale,
    domain: account.domain,
    support_email: account.support_email,
    status: account.status,
    custom_attributes: account.custom_attributes,
    features: {},
    auto_resolve_duration: null,
    created_at: unix(account.created_at),
  };
}

/** Chatwoot's `GET` / `PATCH /api/v1/accounts/:id` (the update for administrators). */
export function accountRouter(): Router {
  const router = Router();
  router.get('/', (req, res) => {
    res.json(serializeAccount(accountScope(req).account));
  });
  router.patch('/', requireAdministrator, async (req, res) => {
    const body = (req.body as { account?: unknown } | undefined)?.account ?? req.body ?? {};
    const attrs = parse(accountParams, body);
    if (!Object.keys(attrs).length) throw ValidationError.field('name', 'nothing to update (name, locale, domain, support_email)');
    const account = accountScope(req).account;
    await account.update(attrs);
    res.json(serializeAccount(account));
  });
  return router;
}

/** Chatwoot's v2 reports (mounted under `/api/v2/accounts/:account_id`), for administrators. */
export function reportsRouter(reports: ReportService): Router {
  const router = Router();
  router.use('/reports', requireAdministrator);
  router.get('/reports/summary', async (req, res) => {
    res.json(await reports.summary(accountScope(req), req.query));
  });
  router.get('/reports/conversations', async (req, res) => {
    const type = req.query.type ?? 'account';
    if (type === 'agent') res.json(await reports.agentConversations(accountScope(req)));
    else if (type === 'account') res.json(await reports.accountConversations(accountScope(req)));
    else throw ValidationError.field('type', 'must be account or agent');
  });
  router.get('/reports', async (req, res) => {
    res.json(await reports.series(accountScope(req), req.query));
  });
  return router;
}
