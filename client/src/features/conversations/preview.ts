/**
 * A list item's preview line: who wrote the last message ("You:" only for the signed-in agent, another
 * agent's first name otherwise, "Note:" for private notes) and its text — or, for an email without
 * text, its subject, so a conversation with a message never reads as empty.
 */
import type { Conversation } from '../../api/types.js';

export type PreviewPrefix = { kind: 'note' } | { kind: 'you' } | { kind: 'agent'; name: string } | null;

export interface Preview {
  prefix: PreviewPrefix;
  /** Empty only when the conversation has no message at all. */
  text: string;
}

const oneLine = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

/** A note's mention links (Chatwoot's `[@Name](mention://user/<id>/<Name>)`) read as the `@Name` they stand for. */
export const mentionsAsText = (s: string) => s.replace(/\[(@[^\]]*)\]\(mention:\/\/(?:user|team)\/\d+\/[^)]*\)/g, '$1');

export function previewOf(c: Conversation, meId: number): Preview {
  const last = c.last_non_activity_message ?? c.messages.find((m) => m.message_type !== 2);
  if (!last) return { prefix: null, text: '' };
  const text =
    oneLine(mentionsAsText(last.content ?? '')) ||
    oneLine(last.content_attributes.email?.subject) ||
    oneLine(c.additional_attributes.mail_subject) ||
    oneLine(last.attachments[0]?.filename);
  return { prefix: prefixOf(last, meId), text };
}

function prefixOf(m: Conversation['messages'][number], meId: number): PreviewPrefix {
  if (m.private) return { kind: 'note' };
  if (m.message_type !== 1 || m.sender?.type !== 'user') return null;
  if (m.sender.id === meId) return { kind: 'you' };
  const name = oneLine(m.sender.available_name || m.sender.name).split(' ')[0];
  return name ? { kind: 'agent', name } : null;
}
