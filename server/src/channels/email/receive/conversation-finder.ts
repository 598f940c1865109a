import { Op } from 'sequelize';
import { Conversation, Message } from '../../../models/index.js';
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
export async function findConversation(inboxId: number, email: ParsedEmail, inboundDomain: string): Promise<{ conversation: Conversation; rule: ThreadRule } | null> {
  const replyAddress = new RegExp(`^reply\\+(${UUID})@${inboundDomain.replace(/\./g, '\\.')}$`, 'i');
  const uuids = [...email.to, ...email.cc].map((a) => a.address).concat(email.deliveredTo).map((a) => replyAddress.exec(a)?.[1]).filter((u): u is string => !!u);
  for (const uuid of uuids) {
    const conversation = await Conversation.findOne({ where: { inbox_id: inboxId, uuid: uuid.toLowerCase() } });
    if (conversation) return { conversation, rule: 'reply_address' };
  }

  for (const [rule, ids] of [['in_reply_to', email.inReplyTo], ['references', [...email.references].reverse()]] as const) {
    const conversation = await byMessageIds(inboxId, ids);
    if (conversation) return { conversation, rule };
  }

  const shaped = [...email.inReplyTo, ...[...email.references].reverse()].map((id) => OUR_MESSAGE_ID.exec(id)?.[1]).filter((u): u is string => !!u);
  for (const uuid of shaped) {
    const conversation = await Conversation.findOne({ where: { inbox_id: inboxId, uuid: uuid.toLowerCase() } });
    if (conversation) return { conversation, rule: 'message_id_shape' };
  }
  return null;
}

/** The conversation of the first id (in the given order) that is a message of the inbox. */
async function byMessageIds(inboxId: number, ids: string[]): Promise<Conversation | null> {
  if (!ids.length) return null;
  const messages = await Message.findAll({ where: { inbox_id: inboxId, source_id: { [Op.in]: ids } }, attributes: ['source_id', 'conversation_id'] });
  const first = ids.map((id) => messages.find((m) => m.source_id === id)).find(Boolean);
  return first ? Conversation.findByPk(first.conversation_id) : null;
}
