import { DeliveryError, type DeliveryMethod } from '../../../../server/src/extensions/index.js';
import type { GraphClients } from '../microsoft/contracts.js';
import type { SharedInboxConfig } from './shared-inbox.types.js';
import { classifyGraphError } from '../microsoft/graph-errors.js';
import { fitsSendMail, sendThroughDraft } from './graph-draft-sender.js';

export const GRAPH_SEND_DELIVERY = 'microsoft_shared';
/** Exchange Online's default maximum message size (35 MB, as Exchange counts it: 35,840 KB), encoded attachments included. */
export const MAX_MESSAGE_BYTES = 35 * 1024 * 1024;

const megabytes = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/**
 * `microsoft_shared` (graph_full): POSTs the reply mailer's MIME, base64-encoded as `text/plain`, to
 * `/users/{shared mailbox}/sendMail`. Sending through the shared mailbox's own URL (not `/me`) is what
 * puts the copy in the SHARED mailbox's Sent Items; Graph keeps the MIME's From, Message-ID and
 * threading headers. A delegate without Send As gets ErrorSendAsDenied: there is no read-only way to
 * check that right with delegated permissions, so the first reply is where it shows, as a permanent
 * failure that names the missing permission.
 *
 * sendMail takes at most 4 MB per request, so a larger reply goes through a draft and upload sessions
 * (graph-draft.sender.ts). A reply over Exchange's default message size is refused before any call:
 * Microsoft would refuse it anyway, only later and in vaguer words.
 */
export function createGraphSendDelivery(graph: Pick<GraphClients, 'forChannel'>): DeliveryMethod {
  return {
    id: GRAPH_SEND_DELIVERY,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    async deliver({ channel, raw: built, headers }) {
      const raw = withBcc(built, headers.bcc ?? []);
      const who = { delegate: (channel.provider_config as unknown as SharedInboxConfig).delegate_upn, mailbox: channel.email };
      if (raw.length > MAX_MESSAGE_BYTES) {
        throw new DeliveryError(
          `This reply is ${megabytes(raw.length)} MB with its attachments encoded; Microsoft 365 accepts messages up to ${megabytes(MAX_MESSAGE_BYTES)} MB by default. Remove an attachment or share a link to it instead`,
          'permanent',
        );
      }
      try {
        const client = await graph.forChannel(channel);
        if (fitsSendMail(raw)) {
          await client.api(`/users/${encodeURIComponent(channel.email)}/sendMail`).header('Content-Type', 'text/plain').post(raw.toString('base64'));
        } else {
          await sendThroughDraft(client, channel.email, { raw, headers });
        }
        return {};
      } catch (err) {
        const failure = classifyGraphError(err, who);
        throw new DeliveryError(failure.message, failure.kind, { cause: err, retryAfterMs: failure.retryAfterMs });
      }
    },
  };
}

/**
 * Graph takes a MIME message's recipients from its To, Cc and Bcc headers (Exchange removes Bcc from
 * the copies it delivers and keeps it in Sent Items). The reply is built without a Bcc header, as SMTP
 * needs, so it goes back in here — or the agent's Bcc recipients would silently get nothing.
 */
function withBcc(raw: Buffer, bcc: string[]): Buffer {
  if (!bcc.length) return raw;
  return Buffer.concat([Buffer.from(`Bcc: ${bcc.join(',\r\n ')}\r\n`), raw]);
}
