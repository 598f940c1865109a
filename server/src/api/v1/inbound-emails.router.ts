import { Router } from 'express';
import { pipeline } from 'node:stream/promises';
import type { InboundReview } from '../../channels/email/receive/inbound-review.service.js';
import type { InboundEmail } from '../../channels/email/receive/receive.model.js';
import type { IngestResult } from '../../channels/email/receive/inbound-email.repository.js';
import { Conversation } from '../../models/index.js';
import { requireAdministrator } from '../auth.js';
import { accountScope } from '../request-context.js';
import { idParam } from '../../lib/validation.js';

const serialize = (r: InboundEmail) => ({
  id: r.id,
  status: r.status,
  reason: r.error_reason,
  sender: r.sender,
  subject: r.subject,
  message_id: r.message_id_header,
  byte_size: Number(r.byte_size),
  attempts: r.attempts,
  source: r.source_kind,
  received_at: r.created_at,
  updated_at: r.updated_at,
});

/** `conversation_id` is the conversation's id in the account (its display id), as every Chatwoot path uses it. */
async function outcome(r: IngestResult) {
  const conversation = r.conversationId ? await Conversation.findByPk(r.conversationId, { attributes: ['display_id'] }) : null;
  return { status: r.status, reason: r.reason ?? null, message_id: r.messageId ?? null, conversation_id: conversation?.display_id ?? null };
}

/**
 * `/inboxes/:id/inbound_emails`: the emails of an inbox that became no message (rejected, failed,
 * filed), their raw .eml, and "Retry" / "Import anyway". Administrators only: a rejected email may
 * be anyone's, not yet a conversation an agent was given.
 */
export function inboundEmailsRouter(review: InboundReview): Router {
  const router = Router();
  const ids = (params: Record<string, unknown>) => [idParam(params.id, 'Inbox'), idParam(params.email_id, 'Inbound email')] as const;

  router.get('/inboxes/:id/inbound_emails', requireAdministrator, async (req, res) => {
    const { rows, count, counts, page } = await review.list(accountScope(req), idParam(req.params.id, 'Inbox'), req.query);
    res.json({ meta: { count, counts, current_page: page }, payload: rows.map(serialize) });
  });

  router.get('/inboxes/:id/inbound_emails/:email_id/raw', requireAdministrator, async (req, res) => {
    const { row, open } = await review.raw(accountScope(req), ...ids(req.params));
    res.attachment(`inbound-email-${row.id}.eml`);
    res.type('message/rfc822');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    await pipeline(open(), res);
  });

  router.post('/inboxes/:id/inbound_emails/:email_id/retry', requireAdministrator, async (req, res) => {
    res.json(await outcome(await review.reprocess(accountScope(req), ...ids(req.params), false)));
  });

  router.post('/inboxes/:id/inbound_emails/:email_id/import', requireAdministrator, async (req, res) => {
    res.json(await outcome(await review.reprocess(accountScope(req), ...ids(req.params), true)));
  });

  return router;
}
