import {
  describeConnectionFailure, IMPLICIT_TLS_PORT, imapClient, smtpTransport, type ExtensionContext, type SmtpTimeouts,
} from '../../../../server/src/extensions/index.js';
import { noMailboxOrFullAccess, serverSettings, smtpAuthDisabled, unreachable, type AccessProblem } from './access-problem.js';
import { IMAP_SETTINGS, imapServer, SMTP_SETTINGS, smtpServer, type MailServerConfig } from './mail-servers.js';

/**
 * The admin waits on this in the wizard: Exchange greets within a second, and a wrong TLS mode shows
 * up only as a missing greeting, so a few seconds decide it.
 */
const TIMEOUTS: SmtpTimeouts = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 20_000 };

type Who = { delegate: string; mailbox: string };

/**
 * imap_*: opens IMAP and authenticates XOAUTH2 with the SHARED mailbox's UPN as user and the
 * delegate's token — Exchange accepts that only when the delegate has Full Access — reads the
 * capabilities and logs out. For imap_smtp it also signs in to SMTP as the delegate, which fails
 * when Authenticated SMTP is disabled for that user or the tenant (Send As is then checked by the
 * round trip, smtp-round-trip.ts).
 * Both use the servers, ports and TLS modes that fetching and sending use.
 */
export class ImapAccessVerifier {
  constructor(private readonly config: MailServerConfig, private readonly logger: ExtensionContext['logger']) {}

  async verify(accessToken: string, who: Who, opts: { smtp: boolean }): Promise<AccessProblem | null> {
    return (await this.imap(accessToken, who)) ?? (opts.smtp ? this.smtp(accessToken, who) : null);
  }

  private async imap(accessToken: string, who: Who): Promise<AccessProblem | null> {
    const server = imapServer(this.config);
    const client = imapClient({ ...server, auth: { user: who.mailbox, accessToken } }, this.logger, { idle: false, timeouts: TIMEOUTS });
    // imapflow also emits socket errors as events; the awaited connect reports them.
    client.on('error', (err: Error) => this.logger.debug({ err: { message: err.message } }, 'IMAP access check connection error'));
    try {
      await client.connect();
      if (!client.capabilities.has('IMAP4rev1')) return unreachable(who.mailbox, 'the IMAP server did not list IMAP4rev1 after sign-in');
      await client.logout();
      return null;
    } catch (err) {
      client.close();
      const e = err as { authenticationFailed?: boolean; tlsFailed?: boolean; message?: string };
      if (e.authenticationFailed) return noMailboxOrFullAccess(who.delegate, who.mailbox);
      const connection = describeConnectionFailure(err, { ...server, tlsPort: IMPLICIT_TLS_PORT.imap, settings: IMAP_SETTINGS });
      if (connection) return serverSettings(who.mailbox, connection.message);
      if (e.tlsFailed) {
        return serverSettings(who.mailbox, `${server.host}:${server.port} does not offer STARTTLS, and LeadChat never signs in unencrypted — set ${IMAP_SETTINGS.tls}=implicit with the implicit-TLS port`);
      }
      return unreachable(who.mailbox, e.message ?? String(err));
    }
  }

  private async smtp(accessToken: string, who: Who): Promise<AccessProblem | null> {
    const server = smtpServer(this.config);
    const transport = smtpTransport({ ...server, auth: { user: who.delegate, accessToken } }, TIMEOUTS);
    try {
      await transport.verify();
      return null;
    } catch (err) {
      const e = err as { code?: string; message?: string; response?: string };
      if (e.code === 'EAUTH' && /5\.7\.139/.test(e.response ?? '')) return smtpAuthDisabled(who.delegate);
      if (e.code === 'EAUTH') {
        return { code: 'smtp_auth_refused', message: `Microsoft refused SMTP sign-in for ${who.delegate}: enable Authenticated SMTP for this user (Exchange admin), then connect again.` };
      }
      const connection = describeConnectionFailure(err, { ...server, tlsPort: IMPLICIT_TLS_PORT.smtp, settings: SMTP_SETTINGS });
      if (connection) return serverSettings(who.mailbox, connection.message);
      if (e.code === 'ETLS') return serverSettings(who.mailbox, `STARTTLS failed on ${server.host}:${server.port} (${e.message}) — set ${SMTP_SETTINGS.tls}=implicit with the implicit-TLS port`);
      return unreachable(who.mailbox, e.message ?? String(err));
    } finally {
      transport.close();
    }
  }
}
