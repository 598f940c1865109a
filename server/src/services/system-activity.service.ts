import type { EventBus, LifecycleEvents } from '../extensions/events.js';
import { Conversation, User } from '../models/index.js';
import { announceMessage, insertActivityLines } from './messages.service.js';

export interface SystemActivityDeps {
  events: EventBus;
}

/**
 * The thread's activity lines for changes no agent made: a customer's message reopening the
 * conversation, a snooze running out, the inbox's round-robin picking an agent. Without them an agent
 * finds a conversation open again, or theirs, and the thread does not say why.
 */
export class SystemActivityService {
  constructor(private readonly deps: SystemActivityDeps) {}

  register(): void {
    this.deps.events.on('conversation.updated', (event) => this.record(event));
  }

  private async record(event: LifecycleEvents['conversation.updated']): Promise<void> {
    if (!event.cause || event.actorUserId !== undefined) return;
    const conversation = await Conversation.findByPk(event.conversationId, { attributes: ['id', 'account_id', 'inbox_id', 'status', 'assignee_id'] });
    if (!conversation) return;
    const content = await this.line(event, conversation);
    if (!content) return;
    const [line] = await insertActivityLines(conversation, [content]);
    await announceMessage(this.deps.events, conversation, line, []);
  }

  private async line(event: LifecycleEvents['conversation.updated'], conversation: Conversation): Promise<string | null> {
    switch (event.cause) {
      case 'incoming_message':
        // Open again, or pending when the inbox's agent bot takes it back first.
        return event.changes.includes('status') && (conversation.status === 'open' || conversation.status === 'pending') ? 'System reopened the conversation due to a new incoming message' : null;
      case 'snooze_ended':
        return conversation.status === 'open' ? 'System reopened the conversation: its snooze ended' : null;
      case 'auto_assignment': {
        if (!event.changes.includes('assignee_id')) return null;
        if (conversation.assignee_id === null) return 'Conversation unassigned by automatic assignment: its agent no longer works this inbox';
        const agent = await User.findByPk(conversation.assignee_id, { attributes: ['id', 'name', 'display_name'] });
        return `Assigned to ${agent?.availableName ?? `#${conversation.assignee_id}`} by automatic assignment`;
      }
      default:
        return null;
    }
  }
}
