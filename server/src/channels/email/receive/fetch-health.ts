import { Op } from 'sequelize';
import type { FailureKind } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import { ChannelEmail, type Inbox } from '../../../models/index.js';
import type { NotificationService } from '../../../services/notifications.js';
import { EmailFetchState } from './receive.models.js';

/** Waits after the 1st, 2nd and 3rd consecutive refused login; the 3rd also asks for re-authorization. */
export const AUTH_BACKOFF_MINUTES = [5, 15, 60] as const;
export const REAUTH_AFTER_AUTH_FAILURES = AUTH_BACKOFF_MINUTES.length;
const MAX_NETWORK_BACKOFF_MINUTES = 30;

export const NOTIFY_REAUTHORIZATION_REQUIRED = 'email_channel_reauthorization_required';
export const NOTIFY_RECOVERED = 'email_channel_recovered';

/**
 * A channel's fetch outcome over time: backoff after failures, and the `reauthorization_required`
 * mark with exactly one notification to the account's administrators per change of state (the mark
 * is set and cleared by conditional updates, so concurrent workers cannot both notify).
 */
export class FetchHealth {
  constructor(private readonly deps: { notifications: NotificationService; logger: Logger }) {}

  /** Whether the channel's backoff allows a fetch now. */
  async due(channelId: number, now = new Date()): Promise<boolean> {
    const state = await EmailFetchState.findOne({ where: { channel_id: channelId } });
    return !state?.next_attempt_at || state.next_attempt_at <= now;
  }

  async recordSuccess(channel: ChannelEmail, inbox: Inbox): Promise<void> {
    const state = await EmailFetchState.forChannel(channel.id);
    await state.update({ consecutive_failures: 0, auth_failures: 0, next_attempt_at: null, last_error: null, last_error_kind: null, last_fetched_at: new Date() });
    const [cleared] = await ChannelEmail.update({ reauthorization_required_at: null }, { where: { id: channel.id, reauthorization_required_at: { [Op.ne]: null } } });
    if (cleared) {
      channel.reauthorization_required_at = null;
      await this.notify(inbox, channel, NOTIFY_RECOVERED, {});
    }
  }

  async recordFailure(channel: ChannelEmail, inbox: Inbox, kind: FailureKind, message: string): Promise<void> {
    const state = await EmailFetchState.forChannel(channel.id);
    const failures = state.consecutive_failures + 1;
    // Network trouble neither counts towards nor resets the run of refused logins.
    const authFailures = kind === 'reauth' ? state.auth_failures + 1 : state.auth_failures;
    const minutes = kind === 'reauth'
      ? AUTH_BACKOFF_MINUTES[Math.min(authFailures, AUTH_BACKOFF_MINUTES.length) - 1]
      : Math.min(2 ** (failures - 1), MAX_NETWORK_BACKOFF_MINUTES);
    await state.update({
      consecutive_failures: failures,
      auth_failures: authFailures,
      next_attempt_at: new Date(Date.now() + minutes * 60_000),
      last_error: message.slice(0, 2_000),
      last_error_kind: kind,
    });
    this.deps.logger.warn({ channelId: channel.id, kind, failures, authFailures, retryInMinutes: minutes, err: { message } }, 'email fetch failed');
    if (kind !== 'reauth' || authFailures < REAUTH_AFTER_AUTH_FAILURES) return;
    const at = new Date();
    const [marked] = await ChannelEmail.update({ reauthorization_required_at: at }, { where: { id: channel.id, reauthorization_required_at: null } });
    if (marked) {
      channel.reauthorization_required_at = at;
      await this.notify(inbox, channel, NOTIFY_REAUTHORIZATION_REQUIRED, { error: message.slice(0, 500) });
    }
  }

  private async notify(inbox: Inbox, channel: ChannelEmail, type: string, extra: Record<string, unknown>): Promise<void> {
    await this.deps.notifications.notifyAdministrators(inbox.account_id, type, { inbox_id: inbox.id, inbox_name: inbox.name, email: channel.email, ...extra });
  }
}
