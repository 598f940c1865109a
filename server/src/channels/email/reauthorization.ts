import { Op } from 'sequelize';
import type { Logger } from '../../lib/logger.js';
import { ChannelEmail, Inbox } from '../../models/index.js';
import type { NotificationService } from '../../services/notifications.service.js';

export const NOTIFY_REAUTHORIZATION_REQUIRED = 'email_channel_reauthorization_required';
export const NOTIFY_RECOVERED = 'email_channel_recovered';

/**
 * The `reauthorization_required` mark of an email channel, whoever detects the problem (IMAP logins
 * refused, an OAuth refresh answered `invalid_grant`, Graph refusing the delegate) and whoever fixes
 * it (a reconnect, a corrected password, a fetch that works again). The mark is set and cleared by
 * conditional updates, so the account's administrators get exactly one notification per change of
 * state however many workers notice at once.
 */
export class ChannelReauthorization {
  private readonly clearedHandlers: ((channelId: number) => Promise<unknown>)[] = [];

  constructor(private readonly deps: { notifications: NotificationService; logger: Logger }) {}

  /** Runs after each clear that removed the mark (the reply outbox sends the replies it held). */
  onCleared(handler: (channelId: number) => Promise<unknown>): void {
    this.clearedHandlers.push(handler);
  }

  /** Marks the channel; true (and administrators notified) only when it was not marked yet. */
  async require(channelId: number, reason: string): Promise<boolean> {
    const [marked] = await ChannelEmail.update({ reauthorization_required_at: new Date() }, { where: { id: channelId, reauthorization_required_at: null } });
    if (marked) {
      this.deps.logger.warn({ channelId, reason: reason.slice(0, 500) }, 'email channel needs reauthorization');
      await this.notify(channelId, NOTIFY_REAUTHORIZATION_REQUIRED, { error: reason.slice(0, 500) });
    }
    return marked > 0;
  }

  /** Clears the mark; true (and administrators told it recovered) only when it was marked. */
  async clear(channelId: number): Promise<boolean> {
    const [cleared] = await ChannelEmail.update({ reauthorization_required_at: null }, { where: { id: channelId, reauthorization_required_at: { [Op.ne]: null } } });
    if (!cleared) return false;
    await this.notify(channelId, NOTIFY_RECOVERED, {});
    for (const handler of this.clearedHandlers) {
      await handler(channelId).catch((err) => this.deps.logger.error({ err, channelId }, 'after-reconnect handler failed'));
    }
    return true;
  }

  private async notify(channelId: number, type: string, extra: Record<string, unknown>): Promise<void> {
    const channel = await ChannelEmail.findByPk(channelId, { attributes: ['id', 'email', 'account_id'] });
    const inbox = await Inbox.findOne({ where: { channel_id: channelId, channel_type: 'Channel::Email' }, attributes: ['id', 'name'] });
    if (!channel || !inbox) return;
    await this.deps.notifications.notifyAdministrators(channel.account_id, type, { inbox_id: inbox.id, inbox_name: inbox.name, email: channel.email, ...extra });
  }
}
