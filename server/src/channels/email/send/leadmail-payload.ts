import addressparser from 'nodemailer/lib/addressparser';

/**
 * LeadChat-owned (LEADCHAT.md §C). What we hand LeadMail's `POST /v1/messages`. The overlay's
 * `imap_leadmail` transport extends this builder to forward the threading headers; the core does not
 * forward them yet, and tests pin today's payload for the transactional emails exactly.
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
  /** Threading of a reply: known here so the overlay can forward it; not sent today. */
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
  };
}
