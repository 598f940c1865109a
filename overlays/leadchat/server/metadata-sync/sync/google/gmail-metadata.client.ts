import type { ExtensionContext } from '../../../../../../server/src/extensions/index.js';
import type { GoogleAccount } from '../../metadata-sync.model.js';
import type { GoogleApiClient } from './google-api.client.js';
import { GoogleApiError, HistoryExpired } from './google-errors.js';
import type { GmailHistoryList, GmailMessage, GmailMessageList, GmailProfile } from './gmail-api.types.js';
import { GMAIL_METADATA_HEADERS } from './gmail-message.mapper.js';
import type { GmailMethod, GmailQuota } from './gmail-quota.js';
import { waitingOutShortThrottles } from './throttle-wait.js';

/** Gmail's largest page for messages.list and history.list. */
export const GMAIL_PAGE_SIZE = 500;

/**
 * The Gmail calls of the metadata sync (gmail.metadata scope: no `q`, headers only). Each call first
 * takes its units from the user's quota bucket; a throttled call holds every call of that user for
 * Retry-After (Google's view of the quota wins) and is sent again when the wait is short.
 */
export class GmailMetadataClient {
  constructor(private readonly deps: { api: GoogleApiClient; quota: GmailQuota; logger: ExtensionContext['logger'] }) {}

  profile(connection: GoogleAccount): Promise<GmailProfile> {
    return this.call(connection, 'users.getProfile', '/users/me/profile');
  }

  /** One page of a label's messages, newest first (Gmail ANDs several labelIds, so one label per listing). */
  listMessages(connection: GoogleAccount, labelId: string, pageToken?: string): Promise<GmailMessageList> {
    return this.call(connection, 'users.messages.list', '/users/me/messages', { labelIds: [labelId], maxResults: GMAIL_PAGE_SIZE, pageToken });
  }

  /** A message's labels, internalDate and the metadata headers; null when it was deleted since it was listed. */
  async message(connection: GoogleAccount, id: string): Promise<GmailMessage | null> {
    try {
      return await this.call<GmailMessage>(connection, 'users.messages.get', `/users/me/messages/${encodeURIComponent(id)}`, {
        format: 'metadata', metadataHeaders: GMAIL_METADATA_HEADERS,
      });
    } catch (err) {
      if (err instanceof GoogleApiError && err.httpStatus === 404) return null;
      throw err;
    }
  }

  /** Messages added since `startHistoryId`; HistoryExpired (404) when Gmail no longer has that far back. */
  history(connection: GoogleAccount, startHistoryId: string, pageToken?: string): Promise<GmailHistoryList> {
    return this.call(connection, 'users.history.list', '/users/me/history', {
      startHistoryId, historyTypes: ['messageAdded'], maxResults: GMAIL_PAGE_SIZE, pageToken,
    }, { status: 404, as: HistoryExpired });
  }

  private call<T>(connection: GoogleAccount, method: GmailMethod, path: string, query?: Record<string, string | number | readonly string[] | undefined>, expiry?: { status: number; as: typeof HistoryExpired }): Promise<T> {
    const user = connection.google_uid;
    return waitingOutShortThrottles(
      async () => {
        await this.deps.quota.take(user, method);
        return this.deps.api.get<T>(connection, { api: 'gmail', method, path, query, expiry });
      },
      (err) => {
        this.deps.quota.exhausted(user, err.retryAfterMs);
        this.deps.logger.warn({ connectionId: connection.id, method, retryAfterMs: err.retryAfterMs, reason: err.reason }, 'Gmail throttled the user');
      },
    );
  }
}
