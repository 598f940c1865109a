import type { Router } from 'express';
import type { Job, JobOptions } from 'bull';
import type { Transaction } from 'sequelize';
import type { FieldError } from '../lib/errors.js';
import type { ChannelEmail } from '../models/channel-email.model.js';
import type { Message } from '../models/message.model.js';

/** The parts of an email channel a provider needs to decide and validate; the model satisfies it. */
export interface EmailChannelFields {
  email: string;
  provider: string;
  provider_config: Record<string, unknown>;
}

/**
 * How an email channel connects to its mailbox. The core's `imap`, `microsoft` and `google` register
 * through the same call an overlay uses. `channel_email.provider` holds the id.
 */
export interface EmailProvider {
  id: string;
  /** Shown to administrators, e.g. in the inbox list. */
  label: string;
  /** Is this channel served by this provider? Defaults to `channel.provider === id`. */
  matches?(channel: EmailChannelFields): boolean;
  /**
   * Checks the provider-specific part of `channel` in inbox create/update params. Returns the problems
   * with paths relative to `channel` (e.g. `imap_port`); an empty list means valid.
   */
  validateChannelParams?(params: Record<string, unknown>, mode: 'create' | 'update'): FieldError[];
  /** Whether the inbox API may create this provider directly (OAuth providers are created by their callback). */
  creatableViaApi: boolean;
  /**
   * How to reach the channel's mailbox over IMAP (fresh credentials: an OAuth provider refreshes its
   * token here). `null` when the channel does not receive over IMAP (e.g. a webhook-driven transport).
   */
  imapAccess?(channel: EmailChannel): Promise<ImapAccess | null>;
  /** Which delivery method sends the channel's replies, with its settings; `null` when it cannot send. */
  outbound?(channel: EmailChannel): Promise<OutboundRoute | null>;
}

/** The full channel row (Chatwoot's `channel_email` columns) as providers and deliveries see it. */
export type EmailChannel = ChannelEmail;

export interface ImapAccess {
  host: string;
  port: number;
  /** TLS from the first byte (the `implicit` TLS mode); otherwise STARTTLS is required. */
  secure: boolean;
  auth: { user: string; pass: string } | { user: string; accessToken: string };
  /** Mailbox to fetch; INBOX by default. */
  mailbox?: string;
}

export interface OutboundRoute {
  /** Id of a registered DeliveryMethod. */
  method: string;
  /** Method-specific settings, e.g. SMTP host/port/auth; never logged. */
  settings: Record<string, unknown>;
}

export interface DeliveryInput {
  channel: EmailChannel;
  /** The RFC 5322 message, built once by the reply mailer. */
  raw: Buffer;
  envelope: { from: string; to: string[] };
  /** Threading and addressing of `raw`, for APIs that take fields rather than MIME (LeadMail). */
  headers: { messageId: string; inReplyTo?: string; references?: string[]; subject: string; from: string; to: string[]; cc: string[]; bcc: string[] };
  settings: Record<string, unknown>;
}

/** Sends a built RFC 5322 message for a channel (smtp, leadmail, an overlay's Graph sendMail, ...). */
export interface DeliveryMethod {
  id: string;
  /**
   * True when it sends with the installation's own credentials (LeadMail's API key), not the mailbox's
   * sign-in: an inbox that needs reconnecting still sends through it.
   */
  sendsWithoutMailboxSignIn?: boolean;
  /** The largest message (encoded attachments included) it accepts, when known: the composer says so before sending. */
  maxMessageBytes?: number;
  /** Throws DeliveryError to say whether a retry can help. */
  deliver(input: DeliveryInput): Promise<{ providerMessageId?: string }>;
}

/**
 * A kind of channel other than email (the core's `api`, Chatwoot's Channel::Api): how its inboxes are
 * created, edited, shown and removed, and how an agent's reply in them leaves. The inbox API finds it
 * by the `channel.type` of a create and by the inbox's `channel_type` afterwards; email channels keep
 * their own provider registry.
 */
export interface ChannelKind {
  /** The `channel.type` an inbox create names, e.g. `api`. */
  id: string;
  /** Chatwoot's `channel_type` of its inboxes, e.g. `Channel::Api`. */
  channelType: string;
  /** Stores a new channel from the create params (inside the inbox's transaction); a ValidationError's paths start with `channel.`. */
  create(accountId: number, params: Record<string, unknown>, transaction: Transaction): Promise<{ id: number }>;
  /** Applies an update's `channel` params; false when nothing changed. */
  update(channelId: number, params: Record<string, unknown>, transaction: Transaction): Promise<boolean>;
  destroy(channelId: number, transaction: Transaction): Promise<void>;
  /** The channel's fields of the inbox payload, by channel id; secrets only for administrators. */
  payloads(channelIds: number[], viewer: { administrator: boolean }): Promise<Map<number, Record<string, unknown>>>;
  /**
   * Sends an agent's public reply, stored as `sending`: the kind moves it to `sent` or `failed` (with
   * the reason) and announces `message.updated`. Without it, replies are stored as sent and go nowhere.
   */
  sendReply?(message: Message): Promise<void>;
}

/**
 * `account` routers are mounted under `/api/v1/accounts/:account_id` behind authentication and the
 * account-membership check (`account_v2`: the same under `/api/v2/accounts/:account_id`, Chatwoot's
 * reports); `public` ones at the root with no authentication (OAuth callbacks,
 * webhooks); `platform` ones under `/platform/api/v1` behind the platform token.
 */
export interface RouteRegistration {
  id: string;
  mount: 'account' | 'account_v2' | 'public' | 'platform';
  router: Router;
}

export interface JobDefinition<D = unknown> {
  /** The bull queue name. */
  id: string;
  concurrency?: number;
  defaults?: JobOptions;
  process(data: D, job: Job<D>): Promise<unknown>;
}

/** A repeatable job, registered in one place and reconciled with Redis at boot. */
export interface ScheduleDefinition {
  id: string;
  job: string;
  /** Milliseconds between runs. */
  every: number;
  data?: unknown;
}

/**
 * A long-running service of the worker role (IMAP IDLE connections, ...): started after the job
 * workers, stopped before the queues close on shutdown.
 */
export interface BackgroundWorker {
  id: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
