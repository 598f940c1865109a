
import { z } from 'zod';
import type { EventBus } from '../extensions/events.js';
import { ValidationError } from '../lib/errors.js';
import { Message, type Conversation } from '../models/index.js';
import { PRIORITIES } from '../models/conversation.model.js';
import type { AccountScope, ActingScope } from './account-scope.js';
import type { ConversationView } from '../serializers/conversation.serializer.js';
import { attributesHash, parse } from '../lib/validation.js';
import type { ConversationService } from './conversations.service.js';
import { conversationChanges } from './messages.service.js';

// Chatwoot's "none" clears the priority.
const priority = z.enum([...PRIORITIES, 'none'], { message: `must be one of ${[...PRIORITIES, 'none'].join(', ')}` }).nullable().transform((p) => (p === 'none' ? null : p));
const updateParams = z.object({ priority: priority.optional(), custom_attributes: attributesHash.optional() });
const customAttributesParams = z.object({ custom_attributes: attributesHash });
const typingParams = z.object({ typing_status: z.enum(['on', 'off', 'recording'], { message: 'must be on, off or recording' }).optional() });

/**
 * Chatwoot's smaller conversation operations: PATCH (priority, custom attributes), custom
 * attributes, unread, mute / unmute and typing status, each announced like any other change.
 */
export class ConversationActions {
  constructor(private readonly deps: { conversations: ConversationService; events: EventBus }) {}

  async update(scope: ActingScope, displayId: number, body: unknown): Promise<ConversationView> {
    const attrs = parse(updateParams, body);
    const conversation = await this.deps.conversations.find(scope, displayId);
    await this.save(conversation, {
      ...(attrs.priority !== undefined ? { priority: attrs.priority } : {}),
      ...(attrs.custom_attributes ? { custom_attributes: { ...conversation.custom_attributes, ...attrs.custom_attributes } } : {}),
    });
    return this.view(scope, conversation);
  }

  /** Replaces the custom attributes, as Chatwoot's `custom_attributes` action does. */
  async setCustomAttributes(scope: ActingScope, displayId: number, body: unknown): Promise<Record<string, unknown>> {
    const { custom_attributes } = parse(customAttributesParams, body);
    const conversation = await this.deps.conversations.find(scope, displayId);
    await this.save(conversation, { custom_attributes });
    return conversation.custom_attributes;
  }

  /** Marks the conversation unread again from its last incoming message on. */
  async markUnread(scope: AccountScope, displayId: number): Promise<ConversationView> {
    const conversation = await this.deps.conversations.find(scope, displayId);
    const last = await Message.findOne({ where: { conversation_id: conversation.id, message_type: 'incoming' }, order: [['created_at', 'DESC']], attributes: ['created_at'] });
    if (!last) throw ValidationError.field('conversation', 'has no incoming message to mark unread');
    await this.save(conversation, { agent_last_seen_at: new Date(last.created_at.getTime() - 1) });
    return this.view(scope, conversation);
  }

  /**
   * Chatwoot's mute: the conversation is resolved and the customer's next emails leave it resolved.
   * Saved as an agent's change, with its activity lines (muted, resolved, by whom).
   */
  async setMuted(scope: AccountScope, displayId: number, muted: boolean): Promise<ConversationView> {
    const conversation = await this.deps.conversations.find(scope, displayId);
    await this.deps.conversations.save(scope, conversation, muted ? { muted: true, status: 'resolved', snoozed_until: null } : { muted: false });
    return this.view(scope, conversation);
  }

  /** Accepted for Chatwoot clients; email has no typing indicator, so nothing is announced. */
  async typing(scope: AccountScope, displayId: number, body: unknown): Promise<void> {
    parse(typingParams, body);
    await this.deps.conversations.find(scope, displayId);
  }

  private async view(scope: ActingScope, conversation: Conversation): Promise<ConversationView> {
    return this.deps.conversations.show(scope, conversation.display_id);
  }

  private async save(conversation: Conversation, update: Record<string, unknown>): Promise<void> {
    const changes = conversationChanges(conversation, update);
    if (!changes.length) return;
    await conversation.update(update as Partial<Conversation>);
    await this.deps.events.emit('conversation.updated', { accountId: conversation.account_id, inboxId: conversation.inbox_id, conversationId: conversation.id, changes });
  }
}

