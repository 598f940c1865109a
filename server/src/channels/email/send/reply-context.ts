import type { Attachment, ChannelEmail, Contact, Conversation, Inbox, Message } from '../../../models/index.js';

/** Everything a reply's MIME depends on, loaded by the send job. */
export interface ReplyContext {
  message: Message & { attachments: Attachment[] };
  conversation: Conversation;
  contact: Contact;
  inbox: Inbox;
  channel: ChannelEmail;
  /** The agent who wrote the reply, for the friendly sender name. */
  agentName: string | null;
  /** The agent's address and signature, for the signature and its placeholders. */
  agent?: { email: string; signature: string | null } | null;
  /** The latest incoming message with a Message-ID: what this reply answers. */
  lastIncoming: Message | null;
  /** The message a forward carries (its files were copied onto the forward); a forward starts a new thread. */
  forwarded?: Message | null;
}
