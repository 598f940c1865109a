import type { EventBus } from '../../../extensions/events.js';
import { Message } from '../../../models/index.js';

/** `content_attributes` flag of a reply failed because its inbox needs reconnecting; the reconnect sends it. */
export const AWAITING_RECONNECT = 'awaiting_reconnect';

export const reconnectMessage = (inboxName: string) => `${inboxName} needs reconnecting — an administrator has been told`;

/**
 * Replies written while their inbox needs reconnecting. Retrying them for minutes cannot help (only an
 * administrator's reconnect can), so they fail at once with words the agent understands, stay in the
 * conversation, and go back to the send queue by themselves when the inbox's mark is cleared.
 */
export class HeldReplies {
  constructor(private readonly deps: { events: EventBus; enqueue: (messageId: number) => Promise<void> }) {}

  /** Fails a `sending` reply with the reconnect reason; true when it was still sending. */
  async hold(message: Message, reason: string): Promise<boolean> {
    const [held] = await Message.update(
      { status: 'failed', external_error: reason, content_attributes: { ...message.content_attributes, [AWAITING_RECONNECT]: true } },
      { where: { id: message.id, status: 'sending' } },
    );
    if (held) await this.announce(message, 'failed');
    return held > 0;
  }

  /** Sends again every reply held for the inbox: back to `sending`, flag and error cleared, queued. */
  async release(inboxId: number): Promise<number> {
    const held = await Message.findAll({
      where: { inbox_id: inboxId, status: 'failed', content_attributes: { [AWAITING_RECONNECT]: true } },
      order: [['id', 'ASC']],
    });
    let released = 0;
    for (const message of held) {
      const { [AWAITING_RECONNECT]: _flag, ...attrs } = message.content_attributes;
      const [changed] = await Message.update(
        { status: 'sending', external_error: null, content_attributes: attrs },
        { where: { id: message.id, status: 'failed' } },
      );
      if (!changed) continue;
      released += 1;
      await this.deps.enqueue(message.id);
      await this.announce(message, 'sending');
    }
    return released;
  }

  private async announce(message: Message, status: string): Promise<void> {
    await this.deps.events.emit('message.updated', {
      accountId: message.account_id, inboxId: message.inbox_id, conversationId: message.conversation_id, messageId: message.id, changes: [`status:${status}`],
    });
  }
}
