import type { Client } from '@microsoft/microsoft-graph-client';
import { QueryTypes, type Sequelize } from 'sequelize';
import { imapClient, type ExtensionContext, type ImapAccess } from '../../../../../server/src/extensions/index.js';

/** How far back the doctor looks for mail LeadChat should have: a week, or since the inbox was connected. */
export const BACKLOG_WINDOW_MS = 7 * 24 * 60 * 60_000;
/** Enough to say "mail is waiting"; the exact figure beyond it does not change the fix. */
const MAX_LISTED = 200;
/** The connect and doctor round trips' own messages: deleted as soon as they arrive, never ingested. */
const CONNECTION_CHECK = /^<connection-check-/;

/** The Message-IDs in the shared mailbox's Inbox received at or after `since` (Graph). */
export async function graphInboxMessageIds(client: Client, mailbox: string, since: Date): Promise<string[]> {
  const page = (await client.api(`/users/${encodeURIComponent(mailbox)}/mailFolders/inbox/messages`)
    .filter(`receivedDateTime ge ${since.toISOString()}`).select('internetMessageId').top(MAX_LISTED).get()) as { value: { internetMessageId?: string }[] };
  return page.value.map((m) => m.internetMessageId ?? '').filter(Boolean);
}

/** The same over IMAP, signed in as the shared mailbox: SEARCH SINCE is by day, so arrival times narrow it. */
export async function imapInboxMessageIds(access: ImapAccess, logger: ExtensionContext['logger'], since: Date): Promise<string[]> {
  const client = imapClient(access, logger, { idle: false });
  client.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, 'doctor backlog IMAP connection error'));
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const uids = ((await client.search({ since }, { uid: true })) || []).slice(-MAX_LISTED);
      if (!uids.length) return [];
      const ids: string[] = [];
      for await (const m of client.fetch(uids, { envelope: true, internalDate: true }, { uid: true })) {
        const arrived = m.internalDate ? new Date(m.internalDate) : null;
        if (arrived && arrived >= since && m.envelope?.messageId) ids.push(m.envelope.messageId);
      }
      return ids;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/**
 * Of `messageIds`, those LeadChat has no trace of for the inbox: neither a message nor an inbound
 * record (mail ingestion turned away, e.g. the mailbox writing to itself, counts as handled).
 */
export async function missingFromInbox(sequelize: Sequelize, inboxId: number, messageIds: string[]): Promise<string[]> {
  const candidates = [...new Set(messageIds.filter((id) => !CONNECTION_CHECK.test(id)))];
  if (!candidates.length) return [];
  const rows = await sequelize.query<{ id: string }>(
    `SELECT source_id AS id FROM messages WHERE inbox_id = :inboxId AND source_id IN (:ids)
     UNION SELECT message_id_header AS id FROM inbound_emails WHERE inbox_id = :inboxId AND message_id_header IN (:ids)`,
    { replacements: { inboxId, ids: candidates }, type: QueryTypes.SELECT },
  );
  const known = new Set(rows.map((r) => r.id));
  return candidates.filter((id) => !known.has(id));
}
