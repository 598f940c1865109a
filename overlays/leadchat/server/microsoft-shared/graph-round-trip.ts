import { randomUUID } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import { graphCode, graphStatus } from '../microsoft/graph-errors.js';
import { noSendAs, nothingArrived, unreachable, type AccessProblem } from './access-problem.js';

/** Marks the check message for anyone who sees it in a message trace. */
const CONNECTION_CHECK_HEADER = 'X-LeadChat-Connection-Check';
/** How long the wizard waits for the check message before saying nothing arrived. */
export const ROUND_TRIP_WAIT_MS = 60_000;
export const ROUND_TRIP_POLL_MS = 1_000;

/** The short message a shared mailbox sends itself to prove LeadChat can send as it. */
export function connectionCheckMessage(mailbox: string): { messageId: string; raw: string } {
  const messageId = `<connection-check-${randomUUID()}@${mailbox.split('@')[1]}>`;
  const raw = [
    `From: ${mailbox}`, `To: ${mailbox}`, 'Subject: LeadChat connection check', `Message-ID: ${messageId}`,
    `Date: ${new Date().toUTCString()}`, `${CONNECTION_CHECK_HEADER}: 1`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '',
    'LeadChat sent this message to check that it can send as this mailbox; it deletes it as soon as it arrives.', '',
  ].join('\r\n');
  return { messageId, raw };
}

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * graph_full's round trip before the inbox is created: the shared mailbox sends itself a short message
 * through sendMail with the delegate's token — the one way to learn whether Send As was granted, since
 * Graph has no read-only probe for it — then the inbox is polled for it. Once it is there, both copies
 * (Inbox and Sent Items) are deleted, so the new inbox's first sweep never sees it. A reconnect's live
 * subscription may still notify it; ingestion treats mail from the inbox's own address to itself as
 * staff mail with no customer, so it makes no conversation either.
 */
export class GraphRoundTrip {
  constructor(private readonly waitMs = ROUND_TRIP_WAIT_MS) {}

  async check(client: Client, who: { delegate: string; mailbox: string }): Promise<AccessProblem | null> {
    const mailbox = encodeURIComponent(who.mailbox);
    const { messageId, raw } = connectionCheckMessage(who.mailbox);
    try {
      await client.api(`/users/${mailbox}/sendMail`).header('Content-Type', 'text/plain').post(Buffer.from(raw).toString('base64'));
    } catch (err) {
      if (graphCode(err) === 'ErrorSendAsDenied') return noSendAs(who.delegate, who.mailbox);
      return unreachable(who.mailbox, `sending the check message failed: ${graphStatus(err) ?? ''} ${(err as Error).message}`.trim());
    }
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const arrived = await this.find(client, mailbox, 'inbox', messageId);
      if (arrived.length) {
        await this.remove(client, mailbox, [...arrived, ...(await this.find(client, mailbox, 'sentitems', messageId))]);
        return null;
      }
      if (Date.now() >= deadline) return nothingArrived(who.mailbox, this.waitMs);
      await pause(ROUND_TRIP_POLL_MS);
    }
  }

  private async find(client: Client, mailbox: string, folder: string, messageId: string): Promise<string[]> {
    const page = (await client.api(`/users/${mailbox}/mailFolders/${folder}/messages`)
      .filter(`internetMessageId eq '${messageId}'`).select('id').get()) as { value: { id: string }[] };
    return page.value.map((m) => m.id);
  }

  private async remove(client: Client, mailbox: string, ids: string[]): Promise<void> {
    for (const id of ids) await client.api(`/users/${mailbox}/messages/${encodeURIComponent(id)}`).delete();
  }
}
