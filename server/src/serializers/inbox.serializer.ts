import type { ChannelEmail, Inbox } from '../models/index.js';
import { unix } from './user.serializer.js';

/**
 * Chatwoot's inbox payload. An email inbox's passwords and tokens are never returned; the
 * `*_password_set` flags tell a settings form whether one is stored. Another channel kind's fields
 * (an API inbox's `webhook_url`, `inbox_identifier`, ...) come from its kind, as `channel_details`.
 */
export function serializeInbox(inbox: Inbox, channel: ChannelEmail | undefined) {
  return {
    id: inbox.id,
    account_id: inbox.account_id,
    name: inbox.name,
    avatar_url: '',
    channel_id: inbox.channel_id,
    channel_type: inbox.channel_type,
    greeting_enabled: inbox.greeting_enabled,
    greeting_message: inbox.greeting_message,
    enable_auto_assignment: inbox.enable_auto_assignment,
    auto_assignment_config: inbox.auto_assignment_config ?? {},
    allow_messages_after_resolved: inbox.allow_messages_after_resolved,
    lock_to_single_conversation: inbox.lock_to_single_conversation,
    sender_name_type: inbox.sender_name_type,
    business_name: inbox.business_name,
    email_signature: inbox.email_signature ?? null,
    quote_history: inbox.quote_history ?? true,
    timezone: inbox.timezone,
    working_hours_enabled: false,
    enable_email_collect: true,
    csat_survey_enabled: false,
    ...(channel ? serializeEmailChannel(channel) : {}),
    ...inbox.channel_details,
  };
}

function serializeEmailChannel(c: ChannelEmail) {
  return {
    email: c.email,
    forward_to_email: c.forward_to_email,
    provider: c.provider,
    provider_config: c.provider_config,
    imap_enabled: c.imap_enabled,
    imap_address: c.imap_address,
    imap_port: c.imap_port,
    imap_login: c.imap_login,
    imap_enable_ssl: c.imap_enable_ssl,
    imap_password_set: !!c.imap_password_ciphertext,
    smtp_enabled: c.smtp_enabled,
    smtp_address: c.smtp_address,
    smtp_port: c.smtp_port,
    smtp_login: c.smtp_login,
    smtp_domain: c.smtp_domain,
    smtp_enable_starttls_auto: c.smtp_enable_starttls_auto,
    smtp_enable_ssl_tls: c.smtp_enable_ssl_tls,
    smtp_authentication: c.smtp_authentication,
    smtp_openssl_verify_mode: c.smtp_openssl_verify_mode,
    smtp_password_set: !!c.smtp_password_ciphertext,
    reauthorization_required: !!c.reauthorization_required_at,
    health: channelHealth(c),
  };
}

/** The receive path's fetch state, loaded with the channel as `fetch_state` (absent before the first fetch). */
function channelHealth(c: ChannelEmail) {
  const s = c.get('fetch_state') as
    | { last_fetched_at: Date | null; last_error: string | null; consecutive_failures: number; next_attempt_at: Date | null; backfill_total: number; backfill_done: number }
    | null
    | undefined;
  return {
    last_fetched_at: unix(s?.last_fetched_at),
    last_error: s?.last_error ?? null,
    consecutive_failures: s?.consecutive_failures ?? 0,
    next_attempt_at: unix(s?.next_attempt_at),
    backfill: { total: s?.backfill_total ?? 0, done: s?.backfill_done ?? 0 },
  };
}
