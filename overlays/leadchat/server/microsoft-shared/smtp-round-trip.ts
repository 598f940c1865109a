import {
  imapClient, smtpTransport, type ExtensionContext, type SmtpTimeouts,
} from '../../../../server/src/extensions/index.js';
import { noSendAs, nothingArrived, smtpAuthDisabled, unreachable, type AccessProblem } from './access-problem.js';
import { connectionCheckMessage, pause, ROUND_TRIP_POLL_MS, ROUND_TRIP_WAIT_MS } from './graph-round-trip.js';
import { imapServer, smtpServer, type MailServerConfig } from './mail-servers.js';

const TIMEOUTS: SmtpTimeouts = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 20_000 };
const CHECK_FOLDERS = ['INBOX', 'Sent Items'];

type Who = { delegate: string; mailbox: string };

/**
 * imap_smtp's round trip before the inbox is created, over the very legs the inbox will use: the
 * delegate submits a message From the shared mailbox to itself over SMTP XOAUTH2 (Exchange refuses it
 * without Send As, 5.7.60, or with SMTP AUTH off, 5.7.139), then IMAP — signed in as the shared
 * mailbox with the delegate's token — waits for it in the Inbox. Once it is there, it is deleted from
 * the Inbox and from Sent Items (the MessageCopyForSentAsEnabled copy), so the first fetch never sees it.
 */
export class SmtpRoundTrip {
  constructor(
    private readonly config: MailServerConfig,
    private readonly logger: ExtensionContext['logger'],
    private readonly waitMs = ROUND_TRIP_WAIT_MS,
  ) {}

  async check(accessToken: string, who: Who): Promise<AccessProblem | null> {
    const { messageId, raw } = connectionCheckMessage(who.mailbox);
    const transport = smtpTransport({ ...smtpServer(this.config), auth: { user: who.delegate, accessToken } }, TIMEOUTS);
    try {
      await transport.sendMail({ envelope: { from: who.mailbox, to: [who.mailbox] }, raw });
    } catch (err) {
      const response = String((err as { response?: string }).response ?? (err as Error).message);
      if (/SendAsDenied|5\.7\.60/.test(response)) return noSendAs(who.delegate, who.mailbox);
      if (/5\.7\.139/.test(response)) return smtpAuthDisabled(who.delegate);
      return unreachable(who.mailbox, `sending the check message failed: ${response}`);
    } finally {
      transport.close();
    }
    return this.awaitAndDelete(accessToken, who, messageId);
  }

  private async awaitAndDelete(accessToken: string, who: Who, messageId: string): Promise<AccessProblem | null> {
    const client = imapClient({ ...imapServer(this.config), auth: { user: who.mailbox, accessToken } }, this.logger, { idle: false, timeouts: TIMEOUTS });
    client.on('error', (err: Error) => this.logger.debug({ err: { message: err.message } }, 'round trip IMAP connection error'));
    try {
      await client.connect();
      const deadline = Date.now() + this.waitMs;
      const lock = await client.getMailboxLock('INBOX');
      try {
        for (;;) {
          const found = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
          if (found.length) break;
          if (Date.now() >= deadline) return nothingArrived(who.mailbox, this.waitMs);
          await pause(ROUND_TRIP_POLL_MS);
          await client.noop();
        }
      } finally {
        lock.release();
      }
      for (const folder of CHECK_FOLDERS) {
        const folderLock = await client.getMailboxLock(folder);
        try {
          const uids = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
          if (uids.length) await client.messageDelete(uids, { uid: true });
        } finally {
          folderLock.release();
        }
      }
      await client.logout();
      return null;
    } catch (err) {
      client.close();
      return unreachable(who.mailbox, `waiting for the check message failed: ${(err as Error).message}`);
    }
  }
}
