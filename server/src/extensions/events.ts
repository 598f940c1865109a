import type { Logger } from '../lib/logger.js';

/** Lifecycle events the core emits; overlays subscribe through `ctx.events.on`. */
export interface LifecycleEvents {
  'channel.created': { accountId: number; inboxId: number; channelId: number; provider: string };
  /** Connection settings or credentials changed (edited, reconnected): fetching may resume at once. */
  'channel.updated': { accountId: number; inboxId: number; channelId: number; provider: string };
  'channel.destroyed': { accountId: number; inboxId: number; channelId: number; provider: string };
  /**
   * `actorUserId`: the agent whose request made the change; absent for customers, jobs and automations.
   * `assigneeId`: the agent the conversation was created assigned to, if any.
   * `cause`: why a change nobody made by hand happened (the thread says so in an activity line).
   */
  'conversation.created': { accountId: number; inboxId: number; conversationId: number; actorUserId?: number; assigneeId?: number };
  /** `automationRuleId`: the automation rule whose action made the change (automation rules do not run on it again). */
  'conversation.updated': { accountId: number; inboxId: number; conversationId: number; changes: string[]; actorUserId?: number; cause?: ConversationChangeCause; automationRuleId?: number };
  'message.created': { accountId: number; inboxId: number; conversationId: number; messageId: number; messageType: string; private: boolean; automationRuleId?: number };
  /** Delivery status changed (sending → sent / failed, retried). */
  'message.updated': { accountId: number; inboxId: number; conversationId: number; messageId: number; changes: string[] };
  'contact.created': { accountId: number; contactId: number };
  'contact.updated': { accountId: number; contactId: number; changes: string[] };
  /** An in-app notification for one user (the dashboard's bell). */
  'notification.created': { accountId: number; userId: number; notificationId: number };
}

/** A customer's new message reopened it, its snooze ended, or the inbox's round-robin (re)assigned it. */
export type ConversationChangeCause = 'incoming_message' | 'snooze_ended' | 'auto_assignment';

export type LifecycleEventName = keyof LifecycleEvents;
type Handler<E extends LifecycleEventName> = (payload: LifecycleEvents[E]) => unknown | Promise<unknown>;

/**
 * In-process event bus. `emit` waits for every handler; a failing handler is logged and never breaks
 * the request or job that emitted the event.
 */
export class EventBus {
  private readonly handlers = new Map<LifecycleEventName, { origin: string; fn: Handler<never> }[]>();

  constructor(private readonly logger: Logger) {}

  on<E extends LifecycleEventName>(event: E, handler: Handler<E>, origin = 'core'): void {
    const list = this.handlers.get(event) ?? [];
    list.push({ origin, fn: handler as Handler<never> });
    this.handlers.set(event, list);
  }

  async emit<E extends LifecycleEventName>(event: E, payload: LifecycleEvents[E]): Promise<void> {
    const list = this.handlers.get(event) ?? [];
    const results = await Promise.allSettled(list.map((h) => (h.fn as Handler<E>)(payload)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        this.logger.error({ err: r.reason, event, origin: list[i].origin }, 'lifecycle event handler failed');
      }
    });
  }

  listenerCount(event: LifecycleEventName): number {
    return this.handlers.get(event)?.length ?? 0;
  }
}
