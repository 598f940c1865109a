/**
 * Keeps a loaded conversation list right as live events arrive, without a reload: a conversation
 * that now matches the filters joins (newest activity first), one that no longer does leaves, a new
 * message moves its conversation up and becomes its preview.
 */
import type { Conversation, Message } from '../../api/types.js';
import type { ConversationFilters } from '../../api/conversations.js';

/**
 * Can the client decide membership for these filters? A text search matches message content on the
 * server, so with a query the list is refetched instead.
 */
export function decidableLocally(f: ConversationFilters): boolean {
  return !f.q;
}

export function matchesFilters(c: Conversation, f: ConversationFilters, meId: number): boolean {
  if (f.status !== 'all' && c.status !== f.status) return false;
  if (f.inbox_id && c.inbox_id !== f.inbox_id) return false;
  if (f.team_id && c.meta.team?.id !== f.team_id) return false;
  if (f.labels?.some((l) => !c.labels.includes(l))) return false;
  const assignee = c.meta.assignee?.id ?? null;
  if (f.assignee_type === 'me' && assignee !== meId) return false;
  if (f.assignee_type === 'unassigned' && assignee !== null) return false;
  if (f.assignee_type === 'assigned' && assignee === null) return false;
  return true;
}

const byActivity = (a: Conversation, b: Conversation) => b.last_activity_at - a.last_activity_at || b.id - a.id;

export function applyConversation(list: Conversation[], c: Conversation, f: ConversationFilters, meId: number): Conversation[] {
  const rest = list.filter((x) => x.id !== c.id);
  if (!matchesFilters(c, f, meId)) return rest;
  const previous = list.find((x) => x.id === c.id);
  // A conversation payload carries its last message and preview; keep the newer ones if events crossed.
  const newer = (a?: Message | null, b?: Message | null) => [a, b].filter((m): m is Message => !!m).sort((x, y) => y.id - x.id)[0];
  const last = newer(c.messages[0], previous?.messages[0]);
  const said = newer(c.last_non_activity_message, previous?.last_non_activity_message);
  return [...rest, { ...c, messages: last ? [last] : [], last_non_activity_message: said ?? null }].sort(byActivity);
}

/**
 * A message of a listed conversation becomes its last message and, unless it is an activity line, its
 * preview (private notes too, as Chatwoot shows them) and moves it up. An activity line leaves the
 * preview and the order as a reload gives them: the server's list does not move for one either.
 */
export function applyMessage(list: Conversation[], m: Message): Conversation[] {
  const target = list.find((c) => c.id === m.conversation_id);
  if (!target) return list;
  const preview = target.messages[0];
  if (preview && preview.id > m.id) return list;
  if (m.message_type === 2) return list.map((c) => (c.id === m.conversation_id ? { ...target, messages: [m] } : c));
  const updated: Conversation = {
    ...target,
    messages: [m],
    last_non_activity_message: m,
    last_activity_at: Math.max(target.last_activity_at, m.created_at ?? 0),
    unread_count: m.message_type === 0 && (!preview || preview.id !== m.id) ? target.unread_count + 1 : target.unread_count,
  };
  return list.map((c) => (c.id === m.conversation_id ? updated : c)).sort(byActivity);
}

/** A message thread: a new message is appended, a changed one (delivery status) replaced in place. */
export function upsertMessage(thread: Message[], m: Message): Message[] {
  return thread.some((x) => x.id === m.id) ? thread.map((x) => (x.id === m.id ? (isStale(x, m) ? x : m) : x)) : [...thread, m].sort((a, b) => a.id - b.id);
}

/** Gone out already: a reply never goes back to sending from these (only a failed one is retried). */
const OUT = new Set<Message['status']>(['sent', 'delivered', 'read']);

/**
 * The send request's answer (still `sending`) can arrive after the live update that says the reply
 * went out, when its channel sends at once (an API inbox): it must not take the reply back.
 */
const isStale = (current: Message, incoming: Message) => OUT.has(current.status) && incoming.status === 'sending';

export type StatusCounts = Partial<Record<Conversation['status'], number>>;

/**
 * The tab counts after a conversation changed from `before` to `after` (null `before`: it was not
 * counted, e.g. just created): it leaves its old status's count and joins its new one, each only if it
 * matches the other filters (inbox, assignee). The server's recount follows and has the last word.
 */
export function moveCounts(counts: StatusCounts, before: Conversation | null, after: Conversation, f: ConversationFilters, meId: number): StatusCounts {
  const anyStatus = { ...f, status: 'all' as const };
  const next = { ...counts };
  const shift = (c: Conversation, by: number) => {
    if (matchesFilters(c, anyStatus, meId) && next[c.status] !== undefined) next[c.status] = Math.max(0, next[c.status]! + by);
  };
  if (before) shift(before, -1);
  shift(after, +1);
  return next;
}
