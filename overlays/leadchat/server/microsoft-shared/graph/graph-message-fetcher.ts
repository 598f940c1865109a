import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import type { IngestResult } from '../../../../../server/src/extensions/index.js';
import type { GraphReceiveDeps, GraphTarget } from './graph-target.js';
import { graphStatus } from '../../microsoft/graph-errors.js';
import { mailboxPath } from './graph-target.js';

/** One Graph message as raw MIME (`$value`) into the core's ingestion, which dedupes and threads. */
export class GraphMessageFetcher {
  constructor(private readonly deps: Pick<GraphReceiveDeps, 'ingestion'>) {}

  /** `null` when the message is gone (deleted or moved before we got to it): nothing to ingest. */
  async fetch(target: GraphTarget, client: Client, messageId: string): Promise<IngestResult | null> {
    let mime: ArrayBuffer;
    try {
      mime = (await client
        .api(`${mailboxPath(target.state.mailbox)}/messages/${encodeURIComponent(messageId)}/$value`)
        .responseType(ResponseType.ARRAYBUFFER)
        .get()) as ArrayBuffer;
    } catch (err) {
      if (graphStatus(err) === 404) return null;
      throw err;
    }
    return this.deps.ingestion.ingest({
      channel: target.channel, inbox: target.inbox, raw: Buffer.from(mime), source: { kind: 'graph', ref: messageId },
    });
  }
}
