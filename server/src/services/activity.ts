import { Team, User, type Conversation } from '../models/index.js';
import { isBotScope, type ActingScope } from './account-scope.js';

/** `2026-12-08 09:00 UTC`: activity lines are stored text, so they carry an unambiguous time. */
const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const snoozed = (actor: string, until: Date | null | undefined) => `${actor} has snoozed this conversation ${until ? `until ${utc(until)}` : 'until the next reply'}`;

/**
 * The thread's activity lines (Chatwoot's `message_type: activity` messages) for an agent's change to
 * a conversation, worded as Chatwoot words them. Called before the change is applied: it compares the
 * conversation's current values with the update.
 */
export async function activityLines(scope: ActingScope, conversation: Conversation, update: Record<string, unknown>): Promise<string[]> {
  const actor = isBotScope(scope) ? scope.bot.name : scope.user.availableName;
  const lines: string[] = [];
  const changed = (key: keyof Conversation) => key in update && update[key] !== undefined && JSON.stringify(update[key] ?? null) !== JSON.stringify(conversation.get(key) ?? null);

  if (changed('status')) {
    const status = update.status as string;
    const until = update.snoozed_until as Date | null | undefined;
    if (status === 'resolved') lines.push(`Conversation was marked resolved by ${actor}`);
    else if (status === 'open') lines.push(`Conversation was reopened by ${actor}`);
    else if (status === 'snoozed') lines.push(snoozed(actor, until));
    else lines.push(`Conversation was marked ${status} by ${actor}`);
  } else if (changed('snoozed_until') && conversation.status === 'snoozed') {
    lines.push(snoozed(actor, update.snoozed_until as Date | null));
  }
  if (changed('muted')) lines.push(update.muted ? `${actor} has muted the conversation` : `${actor} has unmuted the conversation`);
  if (changed('assignee_id')) {
    const id = update.assignee_id as number | null;
    if (id === null) lines.push(`Conversation unassigned by ${actor}`);
    else if (!isBotScope(scope) && id === scope.user.id) lines.push(`${actor} self-assigned this conversation`);
    else lines.push(`Assigned to ${(await User.findByPk(id))?.availableName ?? `#${id}`} by ${actor}`);
  }
  if (changed('team_id')) {
    const id = update.team_id as number | null;
    const team = await Team.findByPk(id ?? conversation.team_id!);
    lines.push(id === null ? `Unassigned from ${team?.name ?? 'the team'} by ${actor}` : `Assigned to ${team?.name ?? `team #${id}`} by ${actor}`);
  }
  if (changed('priority')) {
    const priority = update.priority as string | null;
    lines.push(priority ? `${actor} set the priority to ${priority}` : `${actor} removed the priority`);
  }
  if (changed('label_list')) {
    const before = new Set(conversation.label_list);
    const after = new Set(update.label_list as string[]);
    const added = [...after].filter((t) => !before.has(t));
    const removed = [...before].filter((t) => !after.has(t));
    if (added.length) lines.push(`${actor} added ${added.join(', ')}`);
    if (removed.length) lines.push(`${actor} removed ${removed.join(', ')}`);
  }
  return lines;
}
