import { col, fn, where } from 'sequelize';
import { ValidationError, type AccountScope, type ExtensionContext } from '../../../../server/src/extensions/index.js';

/**
 * Refuses, at the wizard form, a new shared inbox for an address that is already connected, before
 * the administrator is sent through the Microsoft sign-in that would be refused at its end (the
 * connector still decides a race). A reconnect (`inbox_id`) names its own inbox and is not checked here.
 */
export async function refuseConnectedMailbox(models: ExtensionContext['models'], scope: AccountScope, body: unknown): Promise<void> {
  const { email, inbox_id: inboxId } = (body ?? {}) as { email?: unknown; inbox_id?: unknown };
  if (inboxId !== undefined && inboxId !== null && inboxId !== '') return;
  if (typeof email !== 'string' || !email.trim()) return;
  const channel = await models.ChannelEmail.findOne({ where: where(fn('lower', col('email')), email.trim().toLowerCase()), attributes: ['id', 'account_id'] });
  if (!channel) return;
  const inbox = Number(channel.account_id) === scope.account.id
    ? await models.Inbox.findOne({ where: { channel_id: channel.id, channel_type: 'Channel::Email' }, attributes: ['name'] })
    : null;
  throw ValidationError.field('email', inbox
    ? `is already connected as the inbox "${inbox.name}" — open that inbox's settings to reconnect it`
    : 'is already connected to an inbox');
}
