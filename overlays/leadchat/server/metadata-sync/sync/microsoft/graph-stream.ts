import type { SyncSource, SyncState } from '../../metadata-sync.model.js';
import type { SyncRun } from '../kinds.js';
import type { PageWrite } from '../types.js';
import { isSyncStateGone } from '../../../microsoft/graph-errors.js';
import type { GraphPage, GraphReader } from './graph-api.client.js';

type Round = 'backfill' | 'incremental';

interface Progress {
  processed: number;
  removed: number;
  round: Round;
  total?: number;
}

/** One Graph delta query (a mail folder, the calendar view) as one stream of the mailbox. */
export interface DeltaStream<T> {
  source: SyncSource;
  /** The first request of a full round (window, `$select`, `$filter`); later rounds start from the saved deltaLink. */
  initialUrl: string;
  /** Sent with every page, nextLinks included (`Prefer: odata.maxpagesize=…`, `outlook.timezone`). */
  headers: Record<string, string>;
  /** A page's items as the events to write; `removed` counts `@removed` entries. */
  toPage(items: T[]): Omit<PageWrite, 'state'> & { removed: number };
  /** How many items a full round will list, for the progress bar. */
  total?(): Promise<number | undefined>;
  /** Shown as the stream's error once the round ends (a subscriber without access to a shared mailbox). */
  note?: string | null;
}

/**
 * Runs the stream's round to its end, page by page. Each page's events are written in one
 * transaction with the page's nextLink (`page_cursor`) — a run that stops anywhere resumes from the
 * last saved page, and upserts make a repeated page harmless. The deltaLink becomes `cursor` only
 * with the round's last page. An expired state (410 / syncStateNotFound, for a deltaLink or a stale
 * nextLink) clears both and starts a full round once.
 */
export async function syncDeltaStream<T extends { id: string }>(reader: GraphReader, run: SyncRun, stream: DeltaStream<T>): Promise<number> {
  const state = await run.state(stream.source);
  try {
    return await round(reader, run, stream, state);
  } catch (err) {
    if (!isSyncStateGone(err)) throw err;
    run.logger.info({ source: stream.source }, 'graph delta state expired: full resync');
    await state.update({ cursor: null, page_cursor: null, progress: {} });
    return round(reader, run, stream, state);
  }
}

async function round<T extends { id: string }>(reader: GraphReader, run: SyncRun, stream: DeltaStream<T>, state: SyncState): Promise<number> {
  const saved = state.progress as Partial<Progress>;
  const resuming = Boolean(state.page_cursor);
  const roundType: Round = resuming && saved.round ? saved.round : state.cursor ? 'incremental' : 'backfill';
  const progress: Progress = resuming
    ? { processed: Number(saved.processed ?? 0), removed: Number(saved.removed ?? 0), round: roundType, ...(saved.total !== undefined ? { total: saved.total } : {}) }
    : { processed: 0, removed: 0, round: roundType };
  if (!resuming && roundType === 'backfill' && stream.total) {
    const total = await stream.total();
    if (total !== undefined) progress.total = total;
  }
  const target = { ...run.target, source: stream.source };
  let url = state.page_cursor ?? state.cursor ?? stream.initialUrl;
  let listed = 0;
  for (;;) {
    if (run.cancelled()) return listed;
    const page = await reader.get<GraphPage<T>>(url, stream.headers);
    const items = page.value ?? [];
    const { removed, ...write } = stream.toPage(items);
    listed += items.length;
    progress.processed += items.length;
    progress.removed += removed;
    const next = page['@odata.nextLink'];
    const delta = page['@odata.deltaLink'];
    if (!next && !delta) throw new Error('Graph delta page has neither @odata.nextLink nor @odata.deltaLink');
    const now = new Date();
    const columns: PageWrite['state'] = next
      ? { page_cursor: next, progress: { ...progress } }
      : {
        cursor: delta!, page_cursor: null, progress: { ...progress }, status: 'idle', error: stream.note ?? null, retry_at: null,
        last_synced_at: now, backfill_completed_at: state.backfill_completed_at ?? now,
      };
    await run.writer.writePage({ ...target }, state, { ...write, state: columns });
    if (!next) return listed;
    url = next;
  }
}
