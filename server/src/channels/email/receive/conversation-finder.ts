import type { Transaction } from 'sequelize';
import { Conversation } from '../../../models/index.js';
import type { ParsedEmail } from './parsed-email.js';

export type ThreadRule = 'reply_address' | 'in_reply_to' | 'references' | 'message_id_shape';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** The Message-ID the reply mailer gives our outgoing mail. */
const OUR_MESSAGE_ID = new RegExp(`^<conversation/(${UUID})/messages/\\d+@[^>]+>$`, 'i');

/**
 * The conversation an email continues, in this order: the `reply+<uuid>@<inbound domain>` address it
 * was sent to, the message it answers (In-Reply-To), any message of its chain (References, newest
 * first), then our own Message-ID shape in either header (our reply was not stored with that id, e.g.
 * sent before a restore). Only conversations of the same inbox match.
 */
export async function findConversation(inboxId: number, email: ParsedEmail, inboundDomain: string, transaction?: Transaction): Promise<{ conversation: Conversation; rule: ThreadRule } | null> {
  const keys = threadKeys(email, inboundDomain);
  for (const uuid of keys.replyUuids) {
    const conversation = await Conversation.findOne({ where: { inbox_id: inboxId, uuid }, transaction });
    if (conversation) return { conversation, rule: 'reply_address' };
  }

  for (const [rule, ids] of [['in_reply_to', keys.inReplyTo], ['references', keys.references]] as const) {
    const conversation = await byMessageIds(inboxId, ids, transaction);
    if (conversation) return { conversation, rule };
  }

  for (const uuid of keys.shapedUuids) {
    const conversation = await Conversation.findOne({ where: { inbox_id: inboxId, uuid }, transaction });
    if (conversation) return { conversation, rule: 'message_id_shape' };
  }
  return null;
}

/**
 * What `findConversation` looks up, in its order: conversation uuids of reply addresses, In-Reply-To,
 * References newest first, and conversation uuids of our Message-ID shape (uuids lowercased). A batch
 * looks them up for all its emails at once and applies the same order.
 */
export function threadKeys(email: ParsedEmail, inboundDomain: string): { replyUuids: string[]; inReplyTo: string[]; references: string[]; shapedUuids: string[] } {
  const replyAddress = new RegExp(`^reply\\+(${UUID})@${inboundDomain.replace(/\./g, '\\.')}$`, 'i');
  const replyUuids = [...email.to, ...email.cc].map((a) => a.address).concat(email.deliveredTo).map((a) => replyAddress.exec(a)?.[1]?.toLowerCase()).filter((u): u is string => !!u);
  const references = [...email.references].reverse();
  const shapedUuids = [...email.inReplyTo, ...references].map((id) => OUR_MESSAGE_ID.exec(id)?.[1]?.toLowerCase()).filter((u): u is string => !!u);
  return { replyUuids, inReplyTo: email.inReplyTo, references, shapedUuids };
}

/** The conversation of the first id (in the given order) that is a message of the inbox: one statement. */
async function byMessageIds(inboxId: number, ids: string[], transaction?: Transaction): Promise<Conversation | null> {
  if (!ids.length) return null;
  const [conversation] = await Conversation.sequelize!.query(
    `SELECT c.* FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.inbox_id = $1 AND m.source_id = ANY($2::text[])
     ORDER BY array_position($2::text[], m.source_id::text) LIMIT 1`,
    { bind: [inboxId, ids], model: Conversation, mapToModel: true, transaction },
  );
  return conversation ?? null;
}
