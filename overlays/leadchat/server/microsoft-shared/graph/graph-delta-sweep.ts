import type { Client } from '@microsoft/microsoft-graph-client';
import type { IngestResult } from '../../../../../server/src/extensions/index.js';
import type { GraphMessageFetcher } from './graph-message-fetcher.js';
import type { GraphReceiveDeps, GraphTarget } from './graph-target.js';
import { isSyncStateGone } from '../../microsoft/graph-errors.js';
import { loadTarget, mailboxPath, readerFor } from './graph-target.js';

const PAGE_SIZE = 50;
const DAY_MS = 24 * 3600 * 1000;
/** Graph's receivedDateTime has whole seconds and Exchange's clock is not ours: mail from just before creation counts. */
const CLOCK_SLACK_MS = 60_000;

export type SweepCounts = Record<IngestResult['status'] | 'gone', number>;
export interface SweepOutcome {
  status: 'swept' | 'skipped';
  resynced?: boolean;
  counts: SweepCounts;
}

interface DeltaPage {
  value?: { id: string; receivedDateTime?: string; '@removed'?: unknown }[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** An expired delta token: Graph answers 410 (code syncStateNotFound or similar) and wants a full round. */

/**
 * The catch-up sweep under push and the only receive path while polling: a Graph message delta round
 * on the shared Inbox. Notifications are hints; this guarantees completeness. The delta link is saved
 * only after a round completes, so an interrupted round is repeated (ingestion dedupes).
 */
export class GraphDeltaSweep {
  constructor(private readonly deps: GraphReceiveDeps, private readonly fetcher: GraphMessageFetcher) {}

  async sweep(channelId: number): Promise<SweepOutcome> {
    const counts: SweepCounts = { created: 0, duplicate: 0, rejected: 0, failed: 0, filed: 0, gone: 0 };
    const target = await loadTarget(this.deps, channelId);
    if (!target) return { status: 'skipped', counts };
    // The delegate's token is dead until an administrator reconnects; push channels read app-only.
    if (target.channel.reauthorization_required_at && target.state.receive_mode === 'polling') return { status: 'skipped', counts };
    const startedAt = new Date();
    let resynced = false;
    try {
      const client = await readerFor(this.deps, target);
      try {
        await this.round(target, client, target.state.delta_link, counts);
      } catch (err) {
        if (!target.state.delta_link || !isSyncStateGone(err)) throw err;
        this.deps.logger.info({ channelId }, 'graph delta state expired: full resync');
        resynced = true;
        await this.round(target, client, null, counts);
      }
      // Emails whose ingestion failed in an earlier sweep get their next try from the kept MIME.
      for (const r of await this.deps.ingestion.retryFailed(target.channel, target.inbox, startedAt)) counts[r.status]++;
      await target.state.update({ last_sweep_at: new Date(), last_sweep_error: null });
      return { status: 'swept', resynced, counts };
    } catch (err) {
      await target.state.update({ last_sweep_error: (err as Error).message.slice(0, 1000) });
      throw err;
    }
  }

  /**
   * A full round (no delta link) lists the whole Inbox, later rounds also re-list messages whose flags
   * changed: only mail received since the channel was created, minus the backfill the administrator
   * picked, is new to the helpdesk.
   */
  private async round(target: GraphTarget, client: Client, deltaLink: string | null, counts: SweepCounts): Promise<void> {
    const cutoff = target.channel.created_at.getTime() - backfillDays(target) * DAY_MS - CLOCK_SLACK_MS;
    let url = deltaLink ?? `${mailboxPath(target.state.mailbox)}/mailFolders/inbox/messages/delta?$select=id,receivedDateTime`;
    for (;;) {
      const page = (await client.api(url).header('Prefer', `odata.maxpagesize=${PAGE_SIZE}`).get()) as DeltaPage;
      for (const item of page.value ?? []) {
        if (item['@removed']) continue;
        if (item.receivedDateTime && Date.parse(item.receivedDateTime) < cutoff) continue;
        const result = await this.fetcher.fetch(target, client, item.id);
        counts[result?.status ?? 'gone']++;
      }
      if (page['@odata.nextLink']) {
        url = page['@odata.nextLink'];
      } else if (page['@odata.deltaLink']) {
        await target.state.update({ delta_link: page['@odata.deltaLink'] });
        return;
      } else {
        throw new Error('Graph delta page has neither @odata.nextLink nor @odata.deltaLink');
      }
    }
  }
}

function backfillDays(target: GraphTarget): number {
  const days = Number(target.channel.provider_config.backfill_days ?? 0);
  return [0, 1, 7, 30].includes(days) ? days : 0;
}
