import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { ExtensionContext } from '../../../../server/src/extensions/index.js';
import { noFullAccess, unreachable, type AccessProblem } from './access-problem.js';

type ServerConfig = Pick<ExtensionContext['config'], 'MICROSOFT_IMAP_HOST' | 'MICROSOFT_IMAP_PORT' | 'MICROSOFT_SMTP_HOST' | 'MICROSOFT_SMTP_PORT'>;

const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 };

/**
 * imap_*: opens IMAP and authenticates XOAUTH2 with the SHARED mailbox's UPN as user and the
 * delegate's token — Exchange accepts that only when the delegate has Full Access — reads the
 * capabilities and logs out. For imap_smtp it also signs in to SMTP as the delegate, which fails
 * when Authenticated SMTP is disabled for that user (Send As itself is only checked at send time).
 */
export class ImapAccessVerifier {
  constructor(private readonly config: ServerConfig) {}

  async verify(accessToken: string, who: { delegate: string; mailbox: string }, opts: { smtp: boolean }): Promise<AccessProblem | null> {
    return (await this.imap(accessToken, who)) ?? (opts.smtp ? this.smtp(accessToken, who) : null);
  }

  private async imap(accessToken: string, who: { delegate: string; mailbox: string }): Promise<AccessProblem | null> {
    const port = this.config.MICROSOFT_IMAP_PORT;
    const client = new ImapFlow({
      host: this.config.MICROSOFT_IMAP_HOST, port, secure: port === 993, auth: { user: who.mailbox, accessToken },
      logger: false, disableAutoIdle: true, connectionTimeout: TIMEOUTS.connectionTimeout, greetingTimeout: TIMEOUTS.greetingTimeout, socketTimeout: TIMEOUTS.socketTimeout,
    });
    try {
      await client.connect();
      if (!client.capabilities.has('IMAP4rev1')) return unreachable(who.mailbox, 'the IMAP server did not list IMAP4rev1 after sign-in');
      await client.logout();
      return null;
    } catch (err) {
      client.close();
      if ((err as { authenticationFailed?: boolean }).authenticationFailed) return noFullAccess(who.delegate, who.mailbox);
      return unreachable(who.mailbox, (err as Error).message);
    }
  }

  private async smtp(accessToken: string, who: { delegate: string; mailbox: string }): Promise<AccessProblem | null> {
    const port = this.config.MICROSOFT_SMTP_PORT;
    const transport = nodemailer.createTransport({
      host: this.config.MICROSOFT_SMTP_HOST, port, secure: port === 465, requireTLS: port !== 465, ...TIMEOUTS,
      auth: { type: 'OAuth2', user: who.delegate, accessToken },
    });
    try {
      await transport.verify();
      return null;
    } catch (err) {
      if ((err as { code?: string }).code === 'EAUTH') {
        return { code: 'smtp_auth_refused', message: `Microsoft refused SMTP sign-in for ${who.delegate}: enable Authenticated SMTP for this user (Exchange admin), then connect again.` };
      }
      return unreachable(who.mailbox, (err as Error).message);
    } finally {
      transport.close();
    }
  }
}
