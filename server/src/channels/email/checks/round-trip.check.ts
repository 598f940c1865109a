import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImapAccess } from '../../../extensions/types.js';
import { ValidationError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import type { SmtpSettings } from '../send/smtp.delivery.js';
import { withImapSession } from './imap.check.js';
import { sendTestMessage } from './smtp.check.js';

/** Header that marks the wizard's round-trip test message. */
export const CONNECTION_CHECK_HEADER = 'X-LeadChat-Connection-Check';

export const ROUND_TRIP_MAX_SECONDS = 20;
const POLL_INTERVAL_MS = 250;

export interface RoundTripInput {
  email: string;
  imap: ImapAccess;
  smtp: SmtpSettings;
  timeoutSeconds: number;
  logger: Logger;
}

/**
 * The `round_trip` leg: a message from the address to itself over SMTP, looked for in the IMAP mailbox
 * by the token in its subject, then removed (\Deleted + UID EXPUNGE) so the fetch does not ingest it.
 * The IMAP session opens first, so a broken IMAP leg fails before anything is sent; only mail that
 * arrives after the send (UIDs from UIDNEXT on) is searched, which keeps each poll cheap on a big mailbox.
 */
export async function checkRoundTrip({ email, imap, smtp, timeoutSeconds, logger }: RoundTripInput): Promise<{ seconds: number }> {
  return withImapSession(imap, logger, async (client) => {
    const lock = await client.getMailboxLock(imap.mailbox ?? 'INBOX');
    try {
      const firstNewUid = client.mailbox ? client.mailbox.uidNext : 1;
      const token = randomUUID();
      const started = Date.now();
      await sendTestMessage(smtp, {
        from: email,
        to: email,
        subject: `LeadChat connection test ${token}`,
        text: 'LeadChat sent this message to check that mail sent over SMTP arrives in this mailbox over IMAP. It deletes it once found; if you can read it, the check gave up waiting.',
        // Machine-sent (RFC 3834), and marked as our own test so ingestion records it as such instead of
        // opening a conversation when a fetch gets to it before the check deletes it.
        headers: { 'Auto-Submitted': 'auto-generated', [CONNECTION_CHECK_HEADER]: token },
      });
      const deadline = started + timeoutSeconds * 1000;
      for (;;) {
        await client.noop(); // lets the server report mail that arrived since the last poll
        const uids = await client.search({ uid: `${firstNewUid}:*`, subject: token }, { uid: true });
        if (uids && uids.length) {
          const seconds = Math.round((Date.now() - started) / 100) / 10;
          await client.messageDelete(uids, { uid: true });
          return { seconds };
        }
        if (Date.now() >= deadline) {
          throw ValidationError.field(
            'channel.email',
            `The test message was sent, but it did not arrive in the IMAP inbox within ${timeoutSeconds} s — check that ${email} receives mail in this mailbox`,
          );
        }
        await sleep(POLL_INTERVAL_MS);
      }
    } finally {
      lock.release();
    }
  });
}
