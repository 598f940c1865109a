import { accountUrl, request } from './client';

export const WEBHOOK_EVENTS = [
  'conversation_created',
  'conversation_status_changed',
  'conversation_updated',
  'message_created',
  'message_updated',
  'contact_created',
  'contact_updated',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface Webhook {
  id: number;
  url: string;
  name: string | null;
  subscriptions: WebhookEvent[];
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: number | null;
  secret: string;
}

export interface WebhookDelivery {
  id: number;
  event: WebhookEvent;
  delivery_id: string;
  status: 'queued' | 'retrying' | 'delivered' | 'failed';
  attempts: number;
  response_status: number | null;
  latency_ms: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

type WebhookInput = Partial<Pick<Webhook, 'url' | 'subscriptions' | 'enabled'>>;

export const webhooksApi = {
  list: async (accountId: number) => (await request<{ payload: { webhooks: Webhook[] } }>('GET', accountUrl(accountId, '/webhooks'))).payload.webhooks,
  create: async (accountId: number, body: WebhookInput) => (await request<{ payload: { webhook: Webhook } }>('POST', accountUrl(accountId, '/webhooks'), { webhook: body })).payload.webhook,
  update: async (accountId: number, id: number, body: WebhookInput) => (await request<{ payload: { webhook: Webhook } }>('PATCH', accountUrl(accountId, `/webhooks/${id}`), { webhook: body })).payload.webhook,
  remove: (accountId: number, id: number) => request('DELETE', accountUrl(accountId, `/webhooks/${id}`)),
  deliveries: (accountId: number, id: number) => request<{ meta: { count: number }; payload: WebhookDelivery[] }>('GET', accountUrl(accountId, `/webhooks/${id}/deliveries`)),
  resend: (accountId: number, id: number, deliveryId: number) => request<WebhookDelivery>('POST', accountUrl(accountId, `/webhooks/${id}/deliveries/${deliveryId}/resend`)),
};
