import { accountUrl, query, request } from './client';

export type InboundReviewStatus = 'rejected' | 'failed' | 'filed';

/** An inbound email that became no message, as the Health tab lists it. */
export interface InboundEmailRow {
  id: number;
  status: InboundReviewStatus;
  reason: string | null;
  sender: string | null;
  subject: string | null;
  message_id: string | null;
  byte_size: number;
  attempts: number;
  source: string;
  received_at: string;
  updated_at: string;
}

export interface InboundOutcome {
  status: 'created' | 'duplicate' | 'rejected' | 'failed' | 'filed';
  reason: string | null;
  message_id: number | null;
  conversation_id: number | null;
}

const base = (accountId: number, inboxId: number) => accountUrl(accountId, `/inboxes/${inboxId}/inbound_emails`);

export const inboundEmailsApi = {
  list: (accountId: number, inboxId: number, page = 1) =>
    request<{ meta: { count: number; counts: Record<InboundReviewStatus, number>; current_page: number }; payload: InboundEmailRow[] }>('GET', base(accountId, inboxId) + query({ page })),
  rawUrl: (accountId: number, inboxId: number, id: number) => `${base(accountId, inboxId)}/${id}/raw`,
  retry: (accountId: number, inboxId: number, id: number) => request<InboundOutcome>('POST', `${base(accountId, inboxId)}/${id}/retry`),
  importAnyway: (accountId: number, inboxId: number, id: number) => request<InboundOutcome>('POST', `${base(accountId, inboxId)}/${id}/import`),
};
