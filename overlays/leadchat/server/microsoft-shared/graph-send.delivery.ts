import { DeliveryError, type DeliveryMethod } from '../../../../server/src/extensions/index.js';
import type { GraphClients, SharedInboxConfig } from '../microsoft/contracts.js';
import { classifyGraphError } from '../microsoft/graph-errors.js';

export const GRAPH_SEND_DELIVERY = 'microsoft_shared';

/**
 * `microsoft_shared` (graph_full): POSTs the reply mailer's MIME, base64-encoded as `text/plain`, to
 * `/users/{shared mailbox}/sendMail`. Sending through the shared mailbox's own URL (not `/me`) is what
 * puts the copy in the SHARED mailbox's Sent Items; Graph keeps the MIME's From, Message-ID and
 * threading headers. A delegate without Send As gets ErrorSendAsDenied: there is no read-only way to
 * check that right with delegated permissions, so the first reply is where it shows, as a permanent
 * failure that names the missing permission.
 */
export function createGraphSendDelivery(graph: Pick<GraphClients, 'forChannel'>): DeliveryMethod {
  return {
    id: GRAPH_SEND_DELIVERY,
    async deliver({ channel, raw }) {
      const who = { delegate: (channel.provider_config as unknown as SharedInboxConfig).delegate_upn, mailbox: channel.email };
      try {
        const client = await graph.forChannel(channel);
        await client.api(`/users/${encodeURIComponent(channel.email)}/sendMail`).header('Content-Type', 'text/plain').post(raw.toString('base64'));
        return {};
      } catch (err) {
        const failure = classifyGraphError(err, who);
        throw new DeliveryError(failure.message, failure.kind, { cause: err, retryAfterMs: failure.retryAfterMs });
      }
    },
  };
}
