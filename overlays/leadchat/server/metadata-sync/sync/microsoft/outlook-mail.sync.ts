import { emailEvents } from '../rules.js';
import type { SyncRun } from '../kinds.js';
import type { DeltaStream } from './graph-stream.js';
import { messageMetadata, type GraphMessage } from './graph-item.mapper.js';
import type { GraphReader } from './graph-api.client.js';

/**
 * Messages per delta page. Graph allows up to 1000; 100 keeps a page's headers well under a megabyte
 * while costing 0.01 requests per message (the goal is ≤ 0.02), and under a mailbox's request-rate
 * limit it is the rate limit, not the page size, that bounds the backfill.
 */
export const MAIL_PAGE_SIZE = 100;

/** Header-only projection: never a body. */
const SELECT = 'id,internetMessageId,conversationId,from,toRecipients,ccRecipients,bccRecipients,sentDateTime,receivedDateTime,subject,internetMessageHeaders';

export const MAIL_FOLDERS = [
  { folder: 'inbox', source: 'mail:inbox', kind: 'inbox' },
  { folder: 'sentitems', source: 'mail:sentitems', kind: 'sent' },
] as const;

/** Graph's `$filter` literal: seconds precision, UTC. */
const filterInstant = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

/** One well-known mail folder's delta as a stream: its messages since the backfill window began. */
export function mailFolderStream(reader: GraphReader, run: SyncRun, f: (typeof MAIL_FOLDERS)[number], note: string | null): DeltaStream<GraphMessage> {
  const filter = encodeURIComponent(`receivedDateTime ge ${filterInstant(run.rules.backfillFrom)}`);
  return {
    source: f.source,
    initialUrl: `${reader.root}/mailFolders/${f.folder}/messages/delta?$select=${SELECT}&$filter=${filter}`,
    headers: { Prefer: `odata.maxpagesize=${MAIL_PAGE_SIZE}` },
    note,
    async total() {
      const folder = await reader.get<{ totalItemCount?: number }>(`${reader.root}/mailFolders/${f.folder}?$select=totalItemCount`);
      return typeof folder.totalItemCount === 'number' ? folder.totalItemCount : undefined;
    },
    toPage(items) {
      let removed = 0;
      const drafts = [];
      for (const item of items) {
        // Graph reports a message moved out of the folder as `@removed` too (a reply filed away, a
        // message archived): the interaction happened all the same, so its events are kept.
        if (item['@removed']) {
          removed++;
          continue;
        }
        // A partial update (only flags changed) has no sender or recipients and gives no drafts:
        // the events already stored stay as they are.
        drafts.push(...emailEvents(messageMetadata(item, f.kind), run.rules));
      }
      return { drafts, removed };
    },
  };
}
