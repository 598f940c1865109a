import addressparser from 'nodemailer/lib/addressparser';

/**
 * LeadChat-owned (LEADCHAT.md §C). What we hand LeadMail's `POST /v1/messages`. A conversation reply
 * (the overlay's `imap_leadmail` transport) carries its threading headers so the customer's client
 * threads it; transactional emails have none, and tests pin their payload exactly as it always was.
 */
export interface LeadmailEmail {
  /** RFC 5322 address, with or without a display name (`LeadChat <notify@example.test>`). */
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  text?: string;
  html?: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
  /** Threading of a reply; forwarded only when present. */
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
}

export type LeadmailAddress = string | { email: string; name: string };

export interface LeadmailPayload {
  from: LeadmailAddress;
  to: LeadmailAddress[];
  cc: LeadmailAddress[];
  bcc: LeadmailAddress[];
  subject: string;
  text?: string;
  html?: string;
  attachments: { filename: string; content: string; content_type: string }[];
  message_id?: string;
  in_reply_to?: string;
  references?: string[];
}

/** LeadMail takes a bare address, or `{ email, name }` when there is a display name. */
function leadmailAddresses(value: string): LeadmailAddress[] {
  return addressparser(value, { flatten: true })
    .filter((a) => a.address)
    .map((a) => (a.name ? { email: a.address.toLowerCase(), name: a.name } : a.address.toLowerCase()));
}

export function buildLeadmailPayload(email: LeadmailEmail): LeadmailPayload {
  const list = (values: string[] | undefined) => (values ?? []).flatMap(leadmailAddresses);
  const [from] = leadmailAddresses(email.from);
  return {
    from,
    to: list(email.to),
    cc: list(email.cc),
    bcc: list(email.bcc),
    subject: email.subject,
    ...(email.text !== undefined ? { text: email.text } : {}),
    ...(email.html !== undefined ? { html: email.html } : {}),
    attachments: (email.attachments ?? []).map((a) => ({ filename: a.filename, content: a.content.toString('base64'), content_type: a.contentType })),
    ...(email.messageId ? { message_id: email.messageId } : {}),
    ...(email.inReplyTo ? { in_reply_to: email.inReplyTo } : {}),
    ...(email.references?.length ? { references: email.references } : {}),
  };
}
