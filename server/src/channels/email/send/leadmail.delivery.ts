import { simpleParser } from 'mailparser';
import { DeliveryError } from '../../../lib/errors.js';
import type { DeliveryMethod } from '../../../extensions/types.js';
import { buildLeadmailPayload, type LeadmailEmail } from './leadmail-payload.js';
import { postLeadmailMessage, type LeadmailSettings } from './leadmail.client.js';

/**
 * LeadChat-owned (LEADCHAT.md §C). `leadmail`: LeadMail's API takes fields, not MIME, so the message
 * the reply mailer built is read back (mailparser) — bodies and attachments are the very ones an SMTP
 * delivery would send.
 */
export function createLeadmailDelivery(settings: LeadmailSettings | undefined): DeliveryMethod {
  return {
    id: 'leadmail',
    sendsWithoutMailboxSignIn: true,
    async deliver({ raw, headers }) {
      if (!settings) throw new DeliveryError('LeadMail is not configured (set LEADMAIL_BASE_URL and LEADMAIL_API_KEY)', 'permanent');
      const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
      const email: LeadmailEmail = {
        from: headers.from,
        to: headers.to,
        cc: headers.cc,
        bcc: headers.bcc,
        subject: headers.subject,
        text: parsed.text,
        html: parsed.html || undefined,
        attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? 'attachment', content: a.content, contentType: a.contentType })),
        messageId: headers.messageId,
        inReplyTo: headers.inReplyTo,
        references: headers.references,
      };
      const { id } = await postLeadmailMessage(settings, buildLeadmailPayload(email));
      return { providerMessageId: id };
    },
  };
}

export function leadmailSettings(config: { LEADMAIL_BASE_URL?: string; LEADMAIL_API_KEY?: string }): LeadmailSettings | undefined {
  return config.LEADMAIL_BASE_URL && config.LEADMAIL_API_KEY ? { baseUrl: config.LEADMAIL_BASE_URL, apiKey: config.LEADMAIL_API_KEY } : undefined;
}
