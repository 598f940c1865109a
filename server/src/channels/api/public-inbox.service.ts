import { randomUUID } from 'node:crypto';
import { col, fn, Op, where as matches, type Sequelize } from 'sequelize';
import { z } from 'zod';
import type { EventBus } from '../../extensions/events.js';
import { alphanumericToken, constantTimeEqual, hmacSha256 } from '../../lib/crypto.js';
import { AuthenticationError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { attributesHash, emailAddress, parse } from '../../lib/validation.js';
import { ChannelApi, Contact, ContactInbox, Conversation, Inbox, Message } from '../../models/index.js';
import { insertConversation } from '../../services/conversations.service.js';
import { announceMessage, conversationChanges, hydrateMessages, insertMessage } from '../../services/messages.service.js';
import type { MessageView } from '../../serializers/message.serializer.js';
import { API_CHANNEL_TYPE } from './api-channel.js';

const blankIsAbsent = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

const contactParams = z.object({
  identifier: blankIsAbsent(z.string().trim().max(255)),
  identifier_hash: blankIsAbsent(z.string().trim().max(255)),
  email: blankIsAbsent(emailAddress),
  name: blankIsAbsent(z.string().trim().max(255)),
  phone_number: blankIsAbsent(z.string().trim().regex(/^\+[1-9]\d{1,14}$/, 'must be in E.164 format (+ and up to 15 digits)')),
  custom_attributes: attributesHash.optional(),
});
const contactUpdateParams = contactParams.omit({ identifier_hash: true });
const conversationParams = z.object({ custom_attributes: attributesHash.optional() });
const typingParams = z.object({ typing_status: z.enum(['on', 'off'], { message: 'must be on or off' }) });
const messageParams = z.object({
  content: z.string({ message: 'is required' }).trim().min(1, 'is required').max(150_000),
  /** The client's own id for the message, echoed back so it can match the answer to what it showed. */
  echo_id: blankIsAbsent(z.string().max(255)),
});

/** A contact's identity in an API inbox, as the public client API names it (`source_id`). */
export interface PublicContact {
  inbox: Inbox;
  contactInbox: ContactInbox;
  contact: Contact;
}

/**
 * Chatwoot's public client API for API inboxes: what an end user's own app (a chat window, a bot
 * bridge) calls without an agent's token. The inbox is named by its `inbox_identifier`, the contact by
 * the `source_id` this API gave it; every conversation and message stays inside that contact's
 * identity in that inbox. Messages written here are the contact's (incoming) and raise the same
 * events as the Application API's.
 */
export class PublicInboxService {
  constructor(private readonly deps: { sequelize: Sequelize; events: EventBus }) {}

  async inbox(identifier: string): Promise<{ inbox: Inbox; channel: ChannelApi }> {
    const channel = await ChannelApi.findOne({ where: { identifier } });
    const inbox = channel && (await Inbox.findOne({ where: { channel_type: API_CHANNEL_TYPE, channel_id: channel.id } }));
    if (!channel || !inbox) throw new NotFoundError('Inbox');
    return { inbox, channel };
  }

  /**
   * A new identity for an end user: an existing contact of the account when the identifier (or else
   * the email, or the phone number) matches one, a new contact otherwise. With `hmac_mandatory`, the
   * identifier must come with its `identifier_hash` (HMAC-SHA256 with the inbox's HMAC token).
   */
  async createContact(inboxIdentifier: string, body: unknown): Promise<PublicContact> {
    const { inbox, channel } = await this.inbox(inboxIdentifier);
    const { identifier_hash, ...attrs } = parse(contactParams, body);
    const verified = !!attrs.identifier && !!identifier_hash && hashMatches(channel.hmac_token, attrs.identifier, identifier_hash);
    if (identifier_hash && !verified) throw new AuthenticationError('HMAC failed: Invalid Identifier Hash Provided');
    if (channel.hmac_mandatory && !verified) throw new AuthenticationError('HMAC failed: Identifier and identifier_hash are required for this inbox');

    const { contact, created, contactInbox } = await this.deps.sequelize.transaction(async (transaction) => {
      const existing = await this.matchingContact(inbox.account_id, attrs);
      const contact = existing ?? (await Contact.create({ account_id: inbox.account_id, ...attrs, name: attrs.name ?? '' }, { transaction }));
      const contactInbox = await ContactInbox.create(
        { contact_id: contact.id, inbox_id: inbox.id, source_id: randomUUID(), pubsub_token: alphanumericToken(), hmac_verified: verified, may_edit_contact: !existing || verified },
        { transaction },
      );
      return { contact, created: !existing, contactInbox };
    });
    if (created) await this.deps.events.emit('contact.created', { accountId: inbox.account_id, contactId: contact.id });
    return { inbox, contactInbox, contact };
  }

  async contact(inboxIdentifier: string, sourceId: string): Promise<PublicContact> {
    const { inbox } = await this.inbox(inboxIdentifier);
    const contactInbox = await ContactInbox.findOne({ where: { inbox_id: inbox.id, source_id: sourceId } });
    const contact = contactInbox && (await Contact.findOne({ where: { id: contactInbox.contact_id, account_id: inbox.account_id } }));
    if (!contactInbox || !contact) throw new NotFoundError('Contact');
    return { inbox, contactInbox, contact };
  }

  /**
   * The end user corrects their details; a value another contact of the account holds is a 422. An
   * identity that matched an existing contact by its email, phone number or an unproven identifier
   * may not change it (403): knowing someone's address must not let anyone rewrite their contact.
   */
  async updateContact(inboxIdentifier: string, sourceId: string, body: unknown): Promise<PublicContact> {
    const attrs = parse(contactUpdateParams, body);
    const who = await this.contact(inboxIdentifier, sourceId);
    if (!who.contactInbox.may_edit_contact) {
      throw new ForbiddenError('This contact existed before this identity: only an identifier proven with identifier_hash may change it');
    }
    const changes = Object.entries(attrs).filter(([k, v]) => v !== undefined && JSON.stringify(who.contact.get(k)) !== JSON.stringify(v)).map(([k]) => k);
    if (!changes.length) return who;
    for (const field of ['email', 'identifier', 'phone_number'] as const) {
      const value = attrs[field];
      if (!value || !changes.includes(field)) continue;
      const taken = await Contact.findOne({ where: { account_id: who.inbox.account_id, id: { [Op.ne]: who.contact.id }, [Op.and]: [field === 'email' ? matches(fn('lower', col('email')), value.toLowerCase()) : { [field]: value }] } });
      if (taken) throw ValidationError.field(field, 'has already been taken');
    }
    await who.contact.update(Object.fromEntries(changes.map((k) => [k, attrs[k as keyof typeof attrs]])));
    await this.deps.events.emit('contact.updated', { accountId: who.inbox.account_id, contactId: who.contact.id, changes });
    return who;
  }

  async conversations(inboxIdentifier: string, sourceId: string): Promise<{ who: PublicContact; conversations: Conversation[] }> {
    const who = await this.contact(inboxIdentifier, sourceId);
    const conversations = await Conversation.findAll({ where: { contact_inbox_id: who.contactInbox.id }, order: [['id', 'ASC']] });
    return { who, conversations };
  }

  async createConversation(inboxIdentifier: string, sourceId: string, body: unknown): Promise<{ who: PublicContact; conversation: Conversation }> {
    const { custom_attributes } = parse(conversationParams, body);
    const who = await this.contact(inboxIdentifier, sourceId);
    // No status: it starts as any new conversation of the inbox does.
    const conversation = await this.deps.sequelize.transaction((transaction) =>
      insertConversation(who.contact, who.inbox.id, { contactInboxId: who.contactInbox.id, custom_attributes: custom_attributes ?? {} }, transaction),
    );
    await this.deps.events.emit('conversation.created', { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id });
    return { who, conversation };
  }

  async conversation(inboxIdentifier: string, sourceId: string, displayId: number): Promise<{ who: PublicContact; conversation: Conversation }> {
    const who = await this.contact(inboxIdentifier, sourceId);
    const conversation = await Conversation.findOne({ where: { account_id: who.inbox.account_id, display_id: displayId, contact_inbox_id: who.contactInbox.id } });
    if (!conversation) throw new NotFoundError('Conversation');
    return { who, conversation };
  }

  /** Chatwoot's public `toggle_status`: the end user closes the conversation (resolved), announced like an agent's change. */
  async resolve(inboxIdentifier: string, sourceId: string, displayId: number): Promise<{ who: PublicContact; conversation: Conversation }> {
    const found = await this.conversation(inboxIdentifier, sourceId, displayId);
    const { conversation } = found;
    const update = { status: 'resolved' as const, snoozed_until: null };
    const changes = conversationChanges(conversation, update);
    if (changes.length) {
      await conversation.update(update);
      await this.deps.events.emit('conversation.updated', { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id, changes });
    }
    return found;
  }

  /** The end user has read the conversation up to now (Chatwoot's `contact_last_seen_at`). */
  async markSeen(inboxIdentifier: string, sourceId: string, displayId: number): Promise<void> {
    const { conversation } = await this.conversation(inboxIdentifier, sourceId, displayId);
    await conversation.update({ contact_last_seen_at: new Date() });
  }

  /** Accepted for Chatwoot clients, as the agents' own typing status is: the dashboard shows no typing indicator. */
  async typing(inboxIdentifier: string, sourceId: string, displayId: number, body: unknown): Promise<void> {
    parse(typingParams, body);
    await this.conversation(inboxIdentifier, sourceId, displayId);
  }

  /** The conversation's chat as its contact sees it: incoming and outgoing messages, never private notes or activity lines. */
  async messages(conversation: Conversation): Promise<MessageView[]> {
    return (await this.messagesOf([conversation])).get(conversation.id) ?? [];
  }

  /** The messages of several conversations of one contact in a fixed number of queries, by conversation id. */
  async messagesOf(conversations: Conversation[]): Promise<Map<number, MessageView[]>> {
    if (!conversations.length) return new Map();
    const rows = await Message.findAll({
      where: { conversation_id: { [Op.in]: conversations.map((c) => c.id) }, private: false, message_type: { [Op.in]: ['incoming', 'outgoing'] } },
      order: [['created_at', 'ASC'], ['id', 'ASC']],
    });
    const views = await hydrateMessages(conversations[0]!.account_id, rows, new Map(conversations.map((c) => [c.id, c.display_id])));
    const byConversation = new Map<number, MessageView[]>();
    for (const view of views) byConversation.set(view.message.conversation_id, [...(byConversation.get(view.message.conversation_id) ?? []), view]);
    return byConversation;
  }

  /** The contact writes: an incoming message, with the Application API's effects (reopen, wait, events). */
  async createMessage(inboxIdentifier: string, sourceId: string, displayId: number, body: unknown): Promise<MessageView> {
    const { content, echo_id } = parse(messageParams, body);
    const { conversation } = await this.conversation(inboxIdentifier, sourceId, displayId);
    const { message, changes } = await this.deps.sequelize.transaction((transaction) =>
      insertMessage(
        conversation,
        { message_type: 'incoming', content, private: false, content_attributes: echo_id ? { echo_id } : {}, sender: { type: 'Contact', id: conversation.contact_id } },
        transaction,
      ),
    );
    await announceMessage(this.deps.events, conversation, message, changes);
    const [view] = await hydrateMessages(conversation.account_id, [message], new Map([[conversation.id, conversation.display_id]]));
    return view;
  }

  /** Chatwoot's matching order for an identified end user: identifier, then email, then phone number. */
  private async matchingContact(accountId: number, attrs: { identifier?: string; email?: string; phone_number?: string }): Promise<Contact | null> {
    if (attrs.identifier) {
      const found = await Contact.findOne({ where: { account_id: accountId, identifier: attrs.identifier } });
      if (found) return found;
    }
    if (attrs.email) {
      const found = await Contact.findOne({ where: { account_id: accountId, [Op.and]: [matches(fn('lower', col('email')), attrs.email.toLowerCase())] } });
      if (found) return found;
    }
    if (attrs.phone_number) return Contact.findOne({ where: { account_id: accountId, phone_number: attrs.phone_number } });
    return null;
  }
}

/** `identifier_hash` is the hex HMAC-SHA256 of the identifier with the inbox's HMAC token (Chatwoot's identity validation). */
function hashMatches(token: string, identifier: string, hash: string): boolean {
  return constantTimeEqual(hash.toLowerCase(), hmacSha256(token, identifier).toString('hex'));
}

