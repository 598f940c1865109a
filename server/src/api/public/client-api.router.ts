import express, { Router } from 'express';
import type { PublicInboxService } from '../../channels/api/public-inbox.service.js';
import { idParam } from '../../lib/validation.js';
import { serializeClientContactInbox, serializeClientInbox, serializeClientConversation, serializeClientMessage } from '../../serializers/client-api.serializer.js';

/**
 * Chatwoot's public client API for API inboxes (`/public/api/v1/inboxes/:inbox_identifier/...`): no
 * agent token; the inbox identifier and the contact's source id name what is reached.
 */
const conversationId = (value: string) => idParam(value, 'Conversation');

export function clientApiRouter(service: PublicInboxService): Router {
  const router = Router();
  const base = '/public/api/v1/inboxes/:inbox_identifier';
  const contactPath = `${base}/contacts/:contact_identifier`;
  const conversationPath = `${contactPath}/conversations/:conversation_id`;
  // Public routes come before the app's body parsers: these parse their own (JSON, or Rails-style forms).
  router.use('/public/api/v1/inboxes', express.json({ limit: '1mb' }), express.urlencoded({ extended: true, limit: '1mb', parameterLimit: 1000 }));

  router.get(base, async (req, res) => {
    const { inbox, channel } = await service.inbox(req.params.inbox_identifier);
    res.json(serializeClientInbox(inbox, channel));
  });

  router.post(`${base}/contacts`, async (req, res) => {
    const { contactInbox, contact } = await service.createContact(req.params.inbox_identifier, req.body);
    res.json(serializeClientContactInbox(contactInbox, contact));
  });

  router.get(contactPath, async (req, res) => {
    const { contactInbox, contact } = await service.contact(req.params.inbox_identifier, req.params.contact_identifier);
    res.json(serializeClientContactInbox(contactInbox, contact));
  });

  router.patch(contactPath, async (req, res) => {
    const { contactInbox, contact } = await service.updateContact(req.params.inbox_identifier, req.params.contact_identifier, req.body);
    res.json(serializeClientContactInbox(contactInbox, contact));
  });

  router.get(`${contactPath}/conversations`, async (req, res) => {
    const { who, conversations } = await service.conversations(req.params.inbox_identifier, req.params.contact_identifier);
    const messages = await service.messagesOf(conversations);
    res.json(conversations.map((c) => serializeClientConversation(c, who.contact, messages.get(c.id) ?? [])));
  });

  router.post(`${contactPath}/conversations`, async (req, res) => {
    const { who, conversation } = await service.createConversation(req.params.inbox_identifier, req.params.contact_identifier, req.body);
    res.json(serializeClientConversation(conversation, who.contact, []));
  });

  router.get(conversationPath, async (req, res) => {
    const { who, conversation } = await service.conversation(req.params.inbox_identifier, req.params.contact_identifier, conversationId(req.params.conversation_id));
    res.json(serializeClientConversation(conversation, who.contact, await service.messages(conversation)));
  });

  router.post(`${conversationPath}/toggle_status`, async (req, res) => {
    const { who, conversation } = await service.resolve(req.params.inbox_identifier, req.params.contact_identifier, conversationId(req.params.conversation_id));
    res.json(serializeClientConversation(conversation, who.contact, await service.messages(conversation)));
  });

  router.post(`${conversationPath}/toggle_typing`, async (req, res) => {
    await service.typing(req.params.inbox_identifier, req.params.contact_identifier, conversationId(req.params.conversation_id), { ...req.query, ...req.body });
    res.status(200).end();
  });

  router.post(`${conversationPath}/update_last_seen`, async (req, res) => {
    await service.markSeen(req.params.inbox_identifier, req.params.contact_identifier, conversationId(req.params.conversation_id));
    res.status(200).end();
  });

  router.get(`${conversationPath}/messages`, async (req, res) => {
    const { conversation } = await service.conversation(req.params.inbox_identifier, req.params.contact_identifier, conversationId(req.params.conversation_id));
    res.json((await service.messages(conversation)).map(serializeClientMessage));
  });

  router.post(`${conversationPath}/messages`, async (req, res) => {
    const view = await service.createMessage(req.params.inbox_identifier, req.params.contact_identifier, conversationId(req.params.conversation_id), req.body);
    res.json(serializeClientMessage(view));
  });

  return router;
}
