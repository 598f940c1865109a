import { accountUrl, request } from './client.js';
import type { Agent, EmailProviderInfo, Inbox } from './types.js';

/**
 * Whether an inbox is an email inbox: only those have addresses, Cc/Bcc, subjects, signatures, quoting
 * and a mailbox's health. One place decides it, by Chatwoot's `channel_type`; while the inbox list is
 * still loading, by the channel a conversation's payload names (`meta.channel`), so an API inbox's
 * conversation opened by link never shows email parts first.
 */
export const isEmailInbox = (inbox: Pick<Inbox, 'channel_type'> | null | undefined, conversationChannel?: string): boolean =>
  (inbox?.channel_type ?? conversationChannel ?? 'Channel::Email') === 'Channel::Email';

export type EmailCheckLeg = 'imap' | 'smtp' | 'round_trip';

export const inboxesApi = {
  list: (accountId: number) => request<{ payload: Inbox[] }>('GET', accountUrl(accountId, '/inboxes')),
  show: (accountId: number, id: number) => request<Inbox>('GET', accountUrl(accountId, `/inboxes/${id}`)),
  create: (accountId: number, body: { name: string; channel: Record<string, unknown> }) => request<Inbox>('POST', accountUrl(accountId, '/inboxes'), body),
  update: (accountId: number, id: number, body: Record<string, unknown>) => request<Inbox>('PATCH', accountUrl(accountId, `/inboxes/${id}`), body),
  remove: (accountId: number, id: number) => request('DELETE', accountUrl(accountId, `/inboxes/${id}`)),
  members: (accountId: number, id: number) => request<{ payload: Agent[] }>('GET', accountUrl(accountId, `/inbox_members/${id}`)),
  setMembers: (accountId: number, id: number, userIds: number[]) =>
    request<{ payload: Agent[] }>('PATCH', accountUrl(accountId, '/inbox_members'), { inbox_id: id, user_ids: userIds }),
  /** Checks one leg of an IMAP/SMTP channel before it is created; a 422 names the failing field. */
  check: (accountId: number, leg: EmailCheckLeg, channel: Record<string, unknown>) =>
    request<{ ok: boolean; leg: EmailCheckLeg; details?: unknown }>('POST', accountUrl(accountId, '/inboxes/email_checks'), { leg, channel }),
  providers: (accountId: number) => request<EmailProviderInfo[]>('GET', accountUrl(accountId, '/email_providers')),
  /** Starts an OAuth mailbox connection (`microsoft`, `google`); the browser goes to the returned URL. */
  authorize: (accountId: number, provider: string, body: { email?: string; name?: string }) =>
    request<{ url: string }>('POST', accountUrl(accountId, `/${provider}/authorization`), body),
};
