import { z } from 'zod';
import { DEFAULT_GMAIL_UNITS_PER_MINUTE } from './metadata-sync/sync/google/gmail-quota.js';

/**
 * The overlay's own settings, declared through `ctx.register.config` so a bad value is reported at boot
 * with the core's problems. The names are the ones deployments already set.
 */
export const leadchatSettings = z.object({
  MICROSOFT_GRAPH_BASE_URL: z.url().default('https://graph.microsoft.com'),
  /** Public base URL Graph posts change notifications to; defaults to FRONTEND_URL. Microsoft requires https. */
  MICROSOFT_SHARED_WEBHOOK_BASE_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  GOOGLE_CALENDAR_BASE_URL: z.url().default('https://www.googleapis.com/calendar/v3'),
  /** The project's Gmail quota per user (a project whose quota Google raised sets it). */
  GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE: z.coerce.number({ message: 'must be a positive whole number of units' }).int().positive().default(DEFAULT_GMAIL_UNITS_PER_MINUTE),
});

export type LeadchatSettings = z.infer<typeof leadchatSettings>;
