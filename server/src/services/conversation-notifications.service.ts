import { Op } from 'sequelize';
import type { EventBus, LifecycleEvents } from '../extensions/events.js';
import { AccountUser, Conversation, Inbox, InboxMember, Message, TeamMember } from '../models/index.js';
import type { ConversationNotificationType, NotificationService } from './notifications.service.js';

/** Chatwoot's mention link in a note's content: `[@Name](mention://user/<id>/<name>)`, or a team's `mention://team/<id>/<name>`. */
const MENTION = /mention:\/\/(user|team)\/(\d+)\//g;
const EXCERPT_LENGTH = 280;

/** The users and teams a note mentions, in order of first mention. */
export function parseMentions(content: string | null | undefined): { userIds: number[]; teamIds: number[] } {
  const userIds = new Set<number>();
  const teamIds = new Set<number>();
  for (const [, kind, id] of (content ?? '').matchAll(MENTION)) (kind === 'user' ? userIds : teamIds).add(Number(id));
  return { userIds: [...userIds], teamIds: [...teamIds] };
}

/** A note's text for a notification: mention links read as the plain `@Name` they show. */
export function plainExcerpt(content: string | null | undefined): string {
  const text = (content ?? '').replace(/\[(@[^\]]*)\]\(mention:\/\/[^)]*\)/g, '$1').trim();
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH - 1)}…` : text;
}

/**
 * Chatwoot's conversation notifications, raised from lifecycle events wherever they are emitted:
 * a new conversation to the inbox's members, an assignment to the new assignee, a customer's message
 * to the conversation's assignee, a private note's mentions to the agents (and teams' agents) it
 * names. Nobody is notified of their own doing, nor about a conversation they may not see.
 */
export class ConversationNotifier {
  constructor(private readonly deps: { events: EventBus; notifications: Pick<NotificationService, 'notifyUsers'> }) {}

  register(): void {
    const { events } = this.deps;
    events.on('conversation.created', async (ids) => {
      const conversation = await this.load(ids.conversationId);
      if (!conversation) return;
      const members = (await InboxMember.findAll({ where: { inbox_id: ids.inboxId }, attributes: ['user_id'] })).map((m) => Number(m.user_id));
      await this.notify(conversation, 'conversation_creation', members, ids.actorUserId);
      // Only the assignee it was created with: an automatic assignment announces itself as an update.
      if (ids.assigneeId) await this.notify(conversation, 'conversation_assignment', [ids.assigneeId], ids.actorUserId);
    });
    events.on('conversation.updated', async (ids) => {
      if (!ids.changes.includes('assignee_id')) return;
      const conversation = await this.load(ids.conversationId);
      const assignee = conversation?.conversation.assignee_id;
      if (conversation && assignee) await this.notify(conversation, 'conversation_assignment', [Number(assignee)], ids.actorUserId);
    });
    events.on('message.created', (ids) => this.onMessage(ids));
  }

  private async onMessage(ids: LifecycleEvents['message.created']): Promise<void> {
    const customerReply = ids.messageType === 'incoming' && !ids.private;
    const note = ids.messageType === 'outgoing' && ids.private;
    if (!customerReply && !note) return;
    const [conversation, message] = await Promise.all([this.load(ids.conversationId), Message.findByPk(ids.messageId, { attributes: ['id', 'content', 'sender_type', 'sender_id'] })]);
    if (!conversation || !message) return;
    const excerpt = plainExcerpt(message.content);
    if (customerReply) {
      const assignee = conversation.conversation.assignee_id;
      if (assignee) await this.notify(conversation, 'assigned_conversation_new_message', [Number(assignee)], undefined, excerpt);
      return;
    }
    const { userIds, teamIds } = parseMentions(message.content);
    const teamMembers = teamIds.length ? (await TeamMember.findAll({ where: { team_id: { [Op.in]: teamIds } }, attributes: ['user_id', 'team_id'] })).map((m) => Number(m.user_id)) : [];
    const author = message.sender_type === 'User' && message.sender_id ? Number(message.sender_id) : undefined;
    await this.notify(conversation, 'conversation_mention', [...userIds, ...teamMembers], author, excerpt);
  }

  private async load(conversationId: number): Promise<{ conversation: Conversation; inbox: Inbox } | null> {
    const conversation = await Conversation.findByPk(conversationId, { attributes: ['id', 'display_id', 'account_id', 'inbox_id', 'assignee_id'] });
    const inbox = conversation ? await Inbox.findByPk(conversation.inbox_id, { attributes: ['id', 'name'] }) : null;
    return conversation && inbox ? { conversation, inbox } : null;
  }

  private async notify({ conversation, inbox }: { conversation: Conversation; inbox: Inbox }, type: ConversationNotificationType, userIds: number[], actorUserId?: number, excerpt?: string): Promise<void> {
    const candidates = [...new Set(userIds)].filter((id) => id !== actorUserId);
    if (!candidates.length) return;
    const accountId = Number(conversation.account_id);
    // Agents of this account (not invitations) who can open the conversation: administrators, inbox members.
    const [memberships, inboxMembers] = await Promise.all([
      AccountUser.findAll({ where: { account_id: accountId, user_id: { [Op.in]: candidates }, invitation_pending: false }, attributes: ['user_id', 'role'] }),
      InboxMember.findAll({ where: { inbox_id: inbox.id, user_id: { [Op.in]: candidates } }, attributes: ['user_id'] }),
    ]);
    const members = new Set(inboxMembers.map((m) => Number(m.user_id)));
    const recipients = memberships.filter((m) => m.role === 'administrator' || members.has(Number(m.user_id))).map((m) => Number(m.user_id));
    await this.deps.notifications.notifyUsers(accountId, recipients, type, {
      conversation_id: conversation.display_id,
      inbox_id: inbox.id,
      inbox_name: inbox.name,
      ...(excerpt ? { excerpt } : {}),
    });
  }
}
