// The parts of Gmail API responses the metadata sync reads (users.getProfile, messages.list,
// messages.get with format=metadata, history.list).

export interface GmailProfile {
  emailAddress: string;
  messagesTotal?: number;
  historyId: string;
}

export interface GmailMessageRef {
  id: string;
  threadId?: string;
}

export interface GmailMessageList {
  messages?: GmailMessageRef[];
  nextPageToken?: string;
  resultSizeEstimate?: number;
}

export interface GmailMessage {
  id: string;
  threadId?: string;
  labelIds?: string[];
  historyId?: string;
  /** Epoch milliseconds (UTC), as a string. */
  internalDate?: string;
  payload?: { headers?: { name: string; value: string }[] };
}

export interface GmailHistoryRecord {
  id: string;
  messagesAdded?: { message: GmailMessageRef & { labelIds?: string[] } }[];
}

export interface GmailHistoryList {
  history?: GmailHistoryRecord[];
  nextPageToken?: string;
  historyId: string;
}
