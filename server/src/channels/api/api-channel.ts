import { Op, type Transaction } from 'sequelize';
import { z } from 'zod';
import type { ChannelKind } from '../../extensions/types.js';
import { alphanumericToken, type SecretBox } from '../../lib/crypto.js';
import { httpUrl, looseBoolean, parse } from '../../lib/validation.js';
import { ChannelApi, type Message } from '../../models/index.js';
import type { WebhookAddressGuard } from '../../webhooks/address-guard.js';

export const API_CHANNEL_TYPE = 'Channel::Api';

/** Chatwoot's Channel::Api params; an empty `webhook_url` means replies are only read through the API. */
const apiChannelParams = z.object({
  type: z.literal('api', { message: 'cannot be changed; create a new inbox instead' }).optional(),
  webhook_url: z.preprocess((v) => (v === '' ? null : v), httpUrl.nullable()).optional(),
  hmac_mandatory: looseBoolean.optional(),
  additional_attributes: z.record(z.string(), z.unknown(), { message: 'must be an object' }).optional(),
});

export interface ApiChannelDeps {
  secrets: SecretBox;
  guard: WebhookAddressGuard;
  /** Queues the delivery of an agent's reply to the channel's webhook (the reply delivery's job). */
  deliverReply(message: Message): Promise<void>;
  /** The channel's webhook URL changed or it is gone: whatever processes kept about it is forgotten. */
  changed(): Promise<void>;
}

/**
 * The API channel (Chatwoot's Channel::Api): an outside system creates the inbox's contacts,
 * conversations and incoming messages through the API, and receives the agents' replies as
 * `message_created` webhooks at `webhook_url`, signed with the channel's secret.
 */
export function createApiChannelKind(deps: ApiChannelDeps): ChannelKind {
  /** A literal private address is refused when saved; a name is checked again on every connection. */
  const checkAddress = (url: string | null | undefined) => deps.guard.checkField('channel.webhook_url', url);
  return {
    id: 'api',
    channelType: API_CHANNEL_TYPE,

    async create(accountId: number, params: Record<string, unknown>, transaction: Transaction) {
      const p = parse(apiChannelParams, params, 'channel');
      checkAddress(p.webhook_url);
      return ChannelApi.create(
        {
          account_id: accountId,
          webhook_url: p.webhook_url ?? null,
          hmac_mandatory: p.hmac_mandatory ?? false,
          additional_attributes: p.additional_attributes ?? {},
          identifier: alphanumericToken(),
          hmac_token: alphanumericToken(),
          secret_ciphertext: deps.secrets.encrypt(alphanumericToken()),
        },
        { transaction },
      );
    },

    async update(channelId: number, params: Record<string, unknown>, transaction: Transaction) {
      const { type: _type, ...p } = parse(apiChannelParams, params, 'channel');
      checkAddress(p.webhook_url);
      const changes = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
      if (!Object.keys(changes).length) return false;
      await ChannelApi.update(changes, { where: { id: channelId }, transaction });
      transaction.afterCommit(() => deps.changed());
      return true;
    },

    async destroy(channelId: number, transaction: Transaction) {
      await ChannelApi.destroy({ where: { id: channelId }, transaction });
      transaction.afterCommit(() => deps.changed());
    },

    async payloads(channelIds: number[], viewer: { administrator: boolean }) {
      const rows = channelIds.length ? await ChannelApi.findAll({ where: { id: { [Op.in]: channelIds } } }) : [];
      return new Map(
        rows.map((c) => [
          Number(c.id),
          {
            webhook_url: c.webhook_url,
            inbox_identifier: c.identifier,
            hmac_mandatory: c.hmac_mandatory,
            additional_attributes: c.additional_attributes,
            // As Chatwoot: the tokens are shown to administrators only.
            ...(viewer.administrator ? { hmac_token: c.hmac_token, secret: deps.secrets.decrypt(c.secret_ciphertext) } : {}),
          },
        ]),
      );
    },

    sendReply: (message: Message) => deps.deliverReply(message),
  };
}
