import type { Webhook, WebhookDelivery } from '../models/webhook.model.js';
import { unix } from './user.serializer.js';

/**
 * Chatwoot's webhook partial (`id`, `url`, `account_id`, `subscriptions`, `inbox`, `name`) plus what
 * the settings page shows: whether it is enabled (and why not), since when it fails, and the signing
 * secret (these routes are for administrators only).
 */
export function serializeWebhook(webhook: Webhook, secret: string) {
  return {
    id: webhook.id,
    url: webhook.url,
    name: webhook.name,
    account_id: webhook.account_id,
    subscriptions: webhook.subscriptions,
    inbox: null,
    enabled: webhook.enabled,
    disabled_reason: webhook.disabled_reason,
    failing_since: unix(webhook.failing_since),
    secret,
  };
}

export function serializeDelivery(d: WebhookDelivery) {
  return {
    id: d.id,
    event: d.event,
    delivery_id: d.delivery_uuid,
    status: d.status,
    attempts: d.attempts,
    response_status: d.response_status,
    latency_ms: d.latency_ms,
    last_error: d.last_error,
    created_at: unix(d.created_at),
    delivered_at: unix(d.delivered_at),
    payload: d.payload,
  };
}
