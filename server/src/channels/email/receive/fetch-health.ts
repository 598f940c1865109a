import type { FailureKind } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import type { ChannelEmail } from '../../../models/index.js';
import type { ChannelReauthorization } from '../reauthorization.js';
import { EmailFetchState } from './receive.model.js';

/** Waits after the 1st, 2nd and 3rd consecutive refused login; the 3rd also asks for re-authorization. */
export const AUTH_BACKOFF_MINUTES = [5, 15, 60] as const;
export const REAUTH_AFTER_AUTH_FAILURES = AUTH_BACKOFF_MINUTES.length;
const MAX_NETWORK_BACKOFF_MINUTES = 30;

/**
 * A channel's fetch outcome over time: backoff after failures; the third refused login in a row asks
 * for re-authorization and a fetch that works again clears it (one notification per change of state).
 */
export class FetchHealth {
  constructor(private readonly deps: { reauthorization: ChannelReauthorization; logger: Logger }) {}

  /** Whether the channel's backoff allows a fetch now. */
  async due(channelId: number, now = new Date()): Promise<boolean> {
    const state = await EmailFetchState.findOne({ where: { channel_id: channelId } });
    return !state?.next_attempt_at || state.next_attempt_at <= now;
  }

  async recordSuccess(channel: ChannelEmail): Promise<void> {
    const state = await EmailFetchState.forChannel(channel.id);
    await state.update({ consecutive_failures: 0, auth_failures: 0, next_attempt_at: null, last_error: null, last_error_kind: null, last_fetched_at: new Date() });
    if (await this.deps.reauthorization.clear(channel.id)) channel.reauthorization_required_at = null;
  }

  async recordFailure(channel: ChannelEmail, kind: FailureKind, message: string): Promise<void> {
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
    if (await this.deps.reauthorization.require(channel.id, message)) channel.reauthorization_required_at = new Date();
  }
}
