import { z } from 'zod';
import type { AccountScope } from '../../../services/account-scope.js';
import { attributesHash, parse, recordId, optionalRecordId } from '../../../lib/validation.js';
import type { EmailChannel, EmailProvider, ImapAccess } from '../../../extensions/types.js';
import { ValidationError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import { emailChannelParams, type InboxService } from '../../../services/inboxes.service.js';
import type { SmtpSettings } from '../send/smtp.delivery.js';
import { checkImap, type ImapCheckDetails } from './imap.check.js';
import { ROUND_TRIP_MAX_SECONDS, checkRoundTrip } from './round-trip.check.js';
import { checkSmtp } from './smtp.check.js';

const checkRequest = z.object({
  leg: z.enum(['imap', 'smtp', 'round_trip'], { message: 'must be one of imap, smtp, round_trip' }),
  channel: attributesHash.pipe(emailChannelParams),
  /** An inbox being edited: its stored settings (and passwords) fill what the request leaves out. */
  inbox_id: optionalRecordId,
  /** How long the round trip waits for its message; tests shorten it. */
  timeout_seconds: z.coerce.number().int().min(1, `must be between 1 and ${ROUND_TRIP_MAX_SECONDS}`).max(ROUND_TRIP_MAX_SECONDS, `must be between 1 and ${ROUND_TRIP_MAX_SECONDS}`).optional(),
});

export type EmailCheckResult =
  | { ok: true; leg: 'imap'; details: ImapCheckDetails }
  | { ok: true; leg: 'smtp'; details: { authenticated: boolean } }
  | { ok: true; leg: 'round_trip'; details: { seconds: number } };

export interface EmailCheckDeps {
  inboxes: InboxService;
  logger: Logger;
}

/**
 * The inbox wizard's connection checks (Zammad's order: inbound, outbound, then a round trip), run
 * before an inbox is created or its settings saved. Each leg uses the connection settings the
 * channel's provider gives the fetch and the reply delivery, so a check that passes means they will
 * connect too. Failures are 422s naming the field the administrator has to fix.
 */
export class EmailCheckService {
  private readonly log: Logger;

  constructor(private readonly deps: EmailCheckDeps) {
    this.log = deps.logger.child({ component: 'email.checks' });
  }

  async run(scope: AccountScope, body: unknown): Promise<EmailCheckResult> {
    const request = parse(checkRequest, body);
    const { leg } = request;
    try {
      const { channel, provider } = await this.deps.inboxes.draftChannel(scope, request.channel, {
        inboxId: request.inbox_id,
        imap: leg !== 'smtp',
        smtp: leg !== 'imap',
      });
      const result = await this.check(leg, channel, provider, request.timeout_seconds ?? ROUND_TRIP_MAX_SECONDS);
      this.log.info({ leg, accountId: scope.account.id, inboxId: request.inbox_id }, 'email connection check passed');
      return result;
    } catch (err) {
      if (err instanceof ValidationError) {
        this.log.info({ leg, accountId: scope.account.id, inboxId: request.inbox_id, fields: err.fields.map((f) => f.path) }, 'email connection check failed');
      }
      throw err;
    }
  }

  private async check(leg: 'imap' | 'smtp' | 'round_trip', channel: EmailChannel, provider: EmailProvider, timeoutSeconds: number): Promise<EmailCheckResult> {
    switch (leg) {
      case 'imap':
        return { ok: true, leg, details: await checkImap(await this.imapAccess(provider, channel), this.log) };
      case 'smtp':
        return { ok: true, leg, details: await checkSmtp(await this.smtpSettings(provider, channel)) };
      case 'round_trip': {
        const [imap, smtp] = [await this.imapAccess(provider, channel), await this.smtpSettings(provider, channel)];
        return { ok: true, leg, details: await checkRoundTrip({ email: channel.email, imap, smtp, timeoutSeconds, logger: this.log }) };
      }
    }
  }

  private async imapAccess(provider: EmailProvider, channel: EmailChannel): Promise<ImapAccess> {
    const access = await provider.imapAccess?.(channel);
    if (!access) throw ValidationError.field('channel.provider', `${provider.label} mailboxes are not read over IMAP`);
    return access;
  }

  /** Only the `smtp` delivery has a connection these checks can try; HTTP-API deliveries have no SMTP leg. */
  private async smtpSettings(provider: EmailProvider, channel: EmailChannel): Promise<SmtpSettings> {
    const route = await provider.outbound?.(channel);
    if (route?.method !== 'smtp') throw ValidationError.field('channel.provider', `${provider.label} mailboxes do not send over SMTP`);
    return route.settings as unknown as SmtpSettings;
  }
}
