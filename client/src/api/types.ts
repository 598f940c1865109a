/** Chatwoot payloads as the server sends them (see openapi/openapi.yaml). */
export type Role = 'administrator' | 'agent';
export type ConversationStatus = 'open' | 'pending' | 'resolved' | 'snoozed';
export type MessageStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface Agent {
  id: number;
  name: string;
  available_name: string;
  email: string;
  role: Role | null;
  confirmed: boolean;
  availability_status: string;
  /** LeadChat's: the invitation email's delivery (null when none was sent) and the provider's reason for a failure. */
  invitation_status?: 'pending' | 'sent' | 'failed' | null;
  invitation_error?: string | null;
}

export interface Attachment {
  id: number;
  message_id: number;
  file_type: string;
  extension: string | null;
  data_url: string;
  file_size: number;
  filename: string;
  content_id?: string | null;
  inline?: boolean;
}

export interface EmailParts {
  full: string | null;
  reply: string | null;
  quoted: string | null;
}

export interface EmailAttributes {
  from?: string[];
  to?: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  html_content?: EmailParts;
  text_content?: EmailParts;
  auto_reply?: boolean;
  bounce?: boolean;
  reply_to?: string[];
  /** human, auto_reply, bounce, delivery_delay, read_receipt, complaint, report, list */
  mail_class?: string;
  participants?: { from: NamedAddress[]; reply_to: NamedAddress[]; to: NamedAddress[]; cc: NamedAddress[] };
  /** The From display name shows an address other than the real one. */
  sender_warning?: { kind: 'display_name_address'; claimed: string; actual: string };
  /** From named no usable address: where the sender was taken from instead. */
  sender_fallback?: { source: 'sender' | 'reply_to' | 'return_path' | 'unknown'; address: string | null; from_header: string };
  embedded_emails?: EmbeddedEmail[];
  /** `forward`: the email is only a forward (shown below); `raw`: its text read from the raw MIME. */
  text_source?: 'forward' | 'raw';
}

/** A forwarded email (message/rfc822) as the server read it for inline display. */
export interface EmbeddedEmail {
  from: NamedAddress[];
  to: NamedAddress[];
  cc: NamedAddress[];
  subject: string;
  date: string | null;
  text: string;
  attachments: { filename: string; content_type: string; byte_size: number }[];
  embedded: EmbeddedEmail[];
}

export interface NamedAddress {
  name: string;
  address: string;
}

export interface Sender {
  id: number;
  name: string | null;
  email?: string | null;
  available_name?: string;
  type: 'user' | 'contact' | 'agent_bot';
}

export interface Message {
  id: number;
  content: string | null;
  conversation_id: number;
  message_type: 0 | 1 | 2 | 3;
  content_type: string;
  content_attributes: { email?: EmailAttributes; cc_emails?: string[]; bcc_emails?: string[] } & Record<string, unknown>;
  status: MessageStatus;
  private: boolean;
  external_error: string | null;
  created_at: number | null;
  sender: Sender | null;
  attachments: Attachment[];
}

export interface Contact {
  id: number;
  name: string | null;
  email: string | null;
  phone_number: string | null;
  created_at: number | null;
  last_activity_at: number | null;
  custom_attributes?: Record<string, unknown>;
  contact_inboxes?: { source_id: string; inbox: { id: number; name: string } | null }[];
}

export interface Conversation {
  id: number;
  uuid: string;
  inbox_id: number;
  status: ConversationStatus;
  unread_count: number;
  last_activity_at: number;
  additional_attributes: { mail_subject?: string } & Record<string, unknown>;
  priority: Priority | null;
  snoozed_until: string | null;
  custom_attributes?: Record<string, unknown>;
  /** Titles of the conversation's labels. */
  labels: string[];
  /** `channel`: the inbox's Chatwoot channel type (`Channel::Email`, `Channel::Api`). */
  meta: { sender: Contact | null; assignee: Agent | null; team?: { id: number; name: string }; channel?: string };
  /** Only on search results: where the search matched, as escaped text with `<mark>` around the matched words. */
  search_highlight?: { field: 'subject' | 'message' | 'contact'; html: string } | null;
  /** The last message, an activity line too (Chatwoot's `messages`). */
  messages: Message[];
  /** The last message that is not an activity line: what the list previews. */
  last_non_activity_message?: Message | null;
}

export const PRIORITIES = ['urgent', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Label {
  id: number;
  title: string;
  description: string | null;
  color: string;
  show_on_sidebar: boolean;
}

export interface Team {
  id: number;
  name: string;
  description: string | null;
  allow_auto_assign: boolean;
  is_member: boolean;
}

export interface ConversationCounts {
  mine_count: number;
  unassigned_count: number;
  all_count: number;
  assigned_count?: number;
}

export interface InboxHealth {
  last_fetched_at: number | null;
  last_error: string | null;
  consecutive_failures: number;
  next_attempt_at: number | null;
  backfill: { total: number; done: number };
}

export interface Inbox {
  id: number;
  name: string;
  /** Chatwoot's `Channel::Email`, `Channel::Api`, ... */
  channel_type: string;
  email: string;
  provider: string;
  provider_config: Record<string, unknown>;
  imap_enabled: boolean;
  imap_address: string | null;
  imap_port: number | null;
  imap_login: string | null;
  imap_enable_ssl: boolean;
  imap_password_set: boolean;
  smtp_enabled: boolean;
  smtp_address: string | null;
  smtp_port: number | null;
  smtp_login: string | null;
  smtp_enable_starttls_auto: boolean;
  smtp_enable_ssl_tls: boolean;
  smtp_password_set: boolean;
  reauthorization_required: boolean;
  health?: InboxHealth;
  /** Added under the agent's signature in email replies; `{{agent.name}}` is filled in. */
  email_signature: string | null;
  /** Whether replies quote the previous message by default. */
  quote_history: boolean;
  /** New and reopened conversations go round-robin to the inbox's online, available members. */
  enable_auto_assignment: boolean;
  auto_assignment_config: { max_assignment_limit?: number | null };
  forward_to_email?: string;
  /** API inboxes: where agents' replies are POSTed (null: the integration reads them through the API). */
  webhook_url?: string | null;
  /** API inboxes: the inbox's name in the public client API. */
  inbox_identifier?: string;
  /** API inboxes, administrators only: checks contacts' identities in the public client API, and signs the webhook posts. */
  hmac_token?: string;
  secret?: string;
  hmac_mandatory?: boolean;
}

export interface EmailProviderInfo {
  id: string;
  label: string;
  creatable_via_api: boolean;
}
