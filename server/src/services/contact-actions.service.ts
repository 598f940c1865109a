import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import type { EventBus } from '../extensions/events.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { ChannelEmail, Contact, ContactInbox, Conversation, Inbox, Message } from '../models/index.js';
import type { AccountScope } from './account-scope.js';
import { parse, recordId } from '../lib/validation.js';
import { findOrCreateContactInbox, type ContactService, type ContactWithInboxes } from './contacts.service.js';
import type { InboxService } from './inboxes.service.js';

const contactInboxParams = z.object({ inbox_id: recordId, source_id: z.string().trim().min(1, 'must not be blank').max(255).optional() });
const mergeParams = z.object({ base_contact_id: recordId, mergee_contact_id: recordId });
const destroyAttributesParams = z.object({ custom_attributes: z.array(z.string().trim().min(1), { message: 'must be a list of attribute keys' }) });

/**
 * Chatwoot's contact operations beyond CRUD: a contact's identity in an inbox (`contact_inboxes`),
 * the inboxes it can be written from (`contactable_inboxes`), merging two contacts, and removing
 * custom attributes.
 */
export class ContactActions {
  constructor(private readonly deps: { sequelize: Sequelize; contacts: ContactService; inboxes: InboxService; events: EventBus }) {}

  async addContactInbox(scope: AccountScope, contactId: number, body: unknown): Promise<ContactInbox> {
    const attrs = parse(contactInboxParams, body);
    const contact = await this.deps.contacts.findContact(scope, contactId);
    const inbox = await this.deps.inboxes.find(scope, attrs.inbox_id).catch((err) => {
      if (err instanceof NotFoundError) throw ValidationError.field('inbox_id', 'does not exist');
      throw err;
    });
    const contactInbox = await findOrCreateContactInbox(contact, inbox.id, attrs.source_id);
    contactInbox.inbox = await Inbox.findByPk(inbox.id, { include: [{ model: ChannelEmail, as: 'channel' }] }) ?? undefined;
    return contactInbox;
  }

  /**
   * The caller's inboxes this contact can be written to: an email inbox needs the contact's email
   * address, which is also the source id a new conversation there would use; any other inbox (the
   * API channel) takes any contact, with a new source id, as Chatwoot does.
   */
  async contactableInboxes(scope: AccountScope, contactId: number): Promise<{ source_id: string; inbox: Inbox }[]> {
    const contact = await this.deps.contacts.findContact(scope, contactId);
    const inboxes = await this.deps.inboxes.list(scope);
    const existing = await ContactInbox.findAll({ where: { contact_id: contact.id } });
    return inboxes.flatMap((inbox) => {
      const own = existing.find((ci) => ci.inbox_id === inbox.id);
      const source = own?.source_id ?? (inbox.channel ? contact.email : randomUUID());
      return source ? [{ source_id: source, inbox }] : [];
    });
  }

  /**
   * Chatwoot's contact merge: the mergee's conversations, messages and inbox identities move to the
   * base contact; fields the base lacks are taken from the mergee, attribute hashes are combined
   * (the base wins); then the mergee is deleted. Administrators only (the router says so).
   */
  async merge(scope: AccountScope, body: unknown): Promise<ContactWithInboxes> {
    const { base_contact_id, mergee_contact_id } = parse(mergeParams, body);
    if (base_contact_id === mergee_contact_id) throw ValidationError.field('mergee_contact_id', 'must be another contact than base_contact_id');
    const base = await this.deps.contacts.findContact(scope, base_contact_id);
    const mergee = await this.deps.contacts.findContact(scope, mergee_contact_id).catch(() => {
      throw ValidationError.field('mergee_contact_id', 'does not exist');
    });
    await this.deps.sequelize.transaction(async (transaction) => {
      await Conversation.update({ contact_id: base.id }, { where: { contact_id: mergee.id }, transaction });
      await Message.update({ sender_id: base.id }, { where: { sender_type: 'Contact', sender_id: mergee.id }, transaction });
      // An inbox both contacts are known in keeps the base's identity; conversations point to it.
      for (const ci of await ContactInbox.findAll({ where: { contact_id: mergee.id }, transaction })) {
        const kept = await ContactInbox.findOne({ where: { contact_id: base.id, inbox_id: ci.inbox_id }, transaction });
        if (kept) {
          await Conversation.update({ contact_inbox_id: kept.id }, { where: { contact_inbox_id: ci.id }, transaction });
          await ci.destroy({ transaction });
        } else {
          await ci.update({ contact_id: base.id }, { transaction });
        }
      }
      const taken = { email: mergee.email, phone_number: mergee.phone_number, identifier: mergee.identifier };
      await mergee.destroy({ transaction });
      await base.update(
        {
          name: base.name || mergee.name,
          email: base.email ?? taken.email,
          phone_number: base.phone_number ?? taken.phone_number,
          identifier: base.identifier ?? taken.identifier,
          additional_attributes: { ...mergee.additional_attributes, ...base.additional_attributes },
          custom_attributes: { ...mergee.custom_attributes, ...base.custom_attributes },
          last_activity_at: [base.last_activity_at, mergee.last_activity_at].filter((d): d is Date => !!d).sort((a, b) => b.getTime() - a.getTime())[0] ?? null,
        },
        { transaction },
      );
    });
    await this.deps.events.emit('contact.updated', { accountId: scope.account.id, contactId: base.id, changes: ['merged'] });
    return this.deps.contacts.find(scope, base.id);
  }

  async destroyCustomAttributes(scope: AccountScope, contactId: number, body: unknown): Promise<ContactWithInboxes> {
    const { custom_attributes: keys } = parse(destroyAttributesParams, body);
    const contact = await this.deps.contacts.findContact(scope, contactId);
    const kept = Object.fromEntries(Object.entries(contact.custom_attributes).filter(([k]) => !keys.includes(k)));
    if (Object.keys(kept).length !== Object.keys(contact.custom_attributes).length) {
      await contact.update({ custom_attributes: kept });
      await this.deps.events.emit('contact.updated', { accountId: scope.account.id, contactId: contact.id, changes: ['custom_attributes'] });
    }
    return this.deps.contacts.find(scope, contact.id);
  }
}

