import type { Client } from '@microsoft/microsoft-graph-client';
import { QueryTypes } from 'sequelize';
import { MailboxError, type EmailChannel, type ExtensionContext } from '../../../../../server/src/extensions/index.js';
import type { SharedInboxConfig } from '../shared-inbox.types.js';
import type { DelegateTokens } from '../delegate-tokens.js';
import { graphStatus } from '../../microsoft/graph-errors.js';
import type { MicrosoftGraphClients } from '../../microsoft/graph-clients.js';
import type { AccessProblem } from '../access-problem.js';
import { verifyGraphAccess } from '../graph-access.check.js';
import { ROUND_TRIP_WAIT_MS, type GraphRoundTrip } from '../graph-round-trip.js';
import { GraphReceiveState } from '../graph/graph-state.model.js';
import { adminConsentUrl } from '../graph/graph-status.router.js';
import type { ImapAccessVerifier } from '../imap-access.check.js';
import { imapServer } from '../mail-servers.js';
import type { SmtpRoundTrip } from '../smtp-round-trip.js';
import { transportOf, type Transport } from '../transports.js';
import { failed, ok, runCheck, skipped, warning, when, type CheckId, type CheckOutcome, type CheckResult } from './doctor-check.js';
import { BACKLOG_WINDOW_MS, graphInboxMessageIds, imapInboxMessageIds, missingFromInbox } from './mailbox-backlog.js';

/** Each check's deadline; the round trip waits for its message as long as the wizard does, plus the send. */
const CHECK_TIMEOUT_MS = 30_000;
const ROUND_TRIP_TIMEOUT_MS = ROUND_TRIP_WAIT_MS + 15_000;

/** How long without a sweep, notification or fetch before the inbox looks stalled (a few missed runs of its schedule). */
const STALE_AFTER_MS = { polling: 10 * 60_000, push: 45 * 60_000, imap: 10 * 60_000 };

export interface DoctorReport {
  checks: CheckResult[];
  checked_at: string;
}

export interface ConnectionDoctorDeps {
  ctx: Pick<ExtensionContext, 'config' | 'logger' | 'sequelize'>;
  tokens: Pick<DelegateTokens, 'refreshNow'>;
  graph: Pick<MicrosoftGraphClients, 'forToken' | 'appOnly'>;
  imap: Pick<ImapAccessVerifier, 'verify'>;
  roundTrip: { graph: Pick<GraphRoundTrip, 'check'>; smtp: Pick<SmtpRoundTrip, 'check'> };
}

/** The inbox being checked, as the checks need it. */
interface Subject {
  channel: EmailChannel;
  inbox: { id: number; name: string; account_id: number; created_at: Date };
  transport: Transport;
  who: { delegate: string; mailbox: string };
  tenantId: string;
}

/**
 * "Check connection" for a Microsoft 365 shared inbox: every way such an inbox silently stops, each
 * checked against Microsoft as it is now (a forced token refresh, the access verifiers and Send As
 * round trips the connect wizard uses, app-only consent, the Graph subscription, receive activity and
 * mail waiting in the mailbox) and answered as a checklist with a fix in plain words for each problem.
 * The token goes first (every other check signs in with it); the rest run side by side.
 */
export class ConnectionDoctor {
  constructor(private readonly deps: ConnectionDoctorDeps) {}

  async examine(channel: EmailChannel, inbox: Subject['inbox']): Promise<DoctorReport> {
    const config = channel.provider_config as unknown as SharedInboxConfig;
    const s: Subject = { channel, inbox, transport: transportOf(channel), who: { delegate: config.delegate_upn, mailbox: channel.email }, tenantId: config.tenant_id };
    const signIn: { accessToken?: string } = {};
    const token = await runCheck('token', CHECK_TIMEOUT_MS, async () => {
      try {
        signIn.accessToken = await this.deps.tokens.refreshNow(channel);
        return ok(`${s.who.delegate}'s sign-in was refreshed just now.`);
      } catch (err) {
        return this.tokenFailure(s, err);
      }
    });
    const checks = signIn.accessToken ? await this.withToken(s, signIn.accessToken) : this.withoutToken(s);
    const report = { checks: [token, ...checks], checked_at: new Date().toISOString() };
    this.deps.ctx.logger.info({ channelId: channel.id, inboxId: inbox.id, transport: s.transport, failing: report.checks.filter((c) => c.status !== 'ok' && c.status !== 'skipped').map((c) => c.id) }, 'microsoft_shared connection checked');
    return report;
  }

  private tokenFailure(s: Subject, err: unknown): CheckOutcome {
    if (err instanceof MailboxError && err.kind === 'reauth') {
      return failed(`Microsoft no longer accepts ${s.who.delegate}'s sign-in (it was revoked, the password changed or it expired), so nothing is fetched or sent.`, this.reconnectFix(s));
    }
    return failed(`Refreshing ${s.who.delegate}'s sign-in failed (${(err as Error).message}).`, 'Try again in a few minutes; if it keeps failing, Reconnect the inbox.');
  }

  private reconnectFix(s: Subject): string {
    return `Reconnect: Settings → Inboxes → ${s.inbox.name} → Microsoft 365 → Reconnect, and sign in as ${s.who.delegate} (or another user with Full Access and Send As on ${s.who.mailbox}).`;
  }

  private withoutToken(s: Subject): CheckResult[] {
    const ids = this.checkIds(s.transport).filter((id) => id !== 'token');
    return ids.map((id) => ({ id, ...skipped('Needs a working sign-in (see the first line).') }));
  }

  private checkIds(transport: Transport): CheckId[] {
    if (transport === 'graph_full') return ['token', 'graph', 'full_access', 'send_as', 'push', 'subscription', 'last_activity', 'backlog'];
    if (transport === 'imap_smtp') return ['token', 'imap', 'full_access', 'smtp_auth', 'send_as', 'last_activity', 'backlog'];
    return ['token', 'imap', 'full_access', 'send_as', 'last_activity', 'backlog'];
  }

  private async withToken(s: Subject, accessToken: string): Promise<CheckResult[]> {
    const run = (id: CheckId, check: () => Promise<CheckOutcome>, timeoutMs = CHECK_TIMEOUT_MS) => runCheck(id, timeoutMs, check);
    if (s.transport === 'graph_full') {
      const client = this.deps.graph.forToken(accessToken);
      const app = this.appClient(s);
      return Promise.all([
        run('graph', () => this.graphReachable(client)),
        run('full_access', () => this.graphFullAccess(client, s)),
        run('send_as', () => this.graphSendAs(client, s), ROUND_TRIP_TIMEOUT_MS),
        run('push', () => this.push(app, s)),
        run('subscription', () => this.subscription(app, s)),
        run('last_activity', () => this.graphActivity(s)),
        run('backlog', async () => this.backlog(s, await graphInboxMessageIds(client, s.who.mailbox, this.since(s)))),
      ]);
    }
    const smtp = s.transport === 'imap_smtp';
    const access = this.deps.imap.verify(accessToken, s.who, { smtp });
    return Promise.all([
      run('imap', async () => this.imapLogin(await access, s)),
      run('full_access', async () => this.imapFullAccess(await access, s)),
      ...(smtp ? [run('smtp_auth', async () => this.smtpAuth(await access, s))] : []),
      run('send_as', () => this.smtpSendAs(accessToken, s), ROUND_TRIP_TIMEOUT_MS),
      run('last_activity', () => this.imapActivity(s)),
      run('backlog', async () => this.backlog(s, await imapInboxMessageIds({ ...imapServer(this.deps.ctx.config), auth: { user: s.who.mailbox, accessToken } }, this.deps.ctx.logger, this.since(s)))),
    ]);
  }

  private async graphReachable(client: Client): Promise<CheckOutcome> {
    try {
      await client.api('/me').select('id').get();
      return ok('Microsoft Graph answered.');
    } catch (err) {
      return failed(`Microsoft Graph did not answer (${graphStatus(err) ?? (err as Error).message}).`, 'Check that this server can reach graph.microsoft.com over https (firewall, proxy), and the Microsoft 365 service health page; then check again.');
    }
  }

  private async graphFullAccess(client: Client, s: Subject): Promise<CheckOutcome> {
    const problem = await verifyGraphAccess(client, s.who);
    return problem ? this.accessFailure(problem, s) : ok(`${s.who.delegate} can open ${s.who.mailbox}.`);
  }

  private async graphSendAs(client: Client, s: Subject): Promise<CheckOutcome> {
    const problem = await this.deps.roundTrip.graph.check(client, s.who);
    return problem ? this.accessFailure(problem, s) : ok(`A test message sent as ${s.who.mailbox} arrived (and was deleted).`);
  }

  private async smtpSendAs(accessToken: string, s: Subject): Promise<CheckOutcome> {
    if (s.transport === 'imap_leadmail') return skipped(`Replies go out through LeadMail, not as ${s.who.delegate}, so Send As is not needed.`);
    const problem = await this.deps.roundTrip.smtp.check(accessToken, s.who);
    if (problem?.code === 'smtp_auth_refused') return skipped('Needs SMTP AUTH (see the SMTP AUTH line).');
    return problem ? this.accessFailure(problem, s) : ok(`A test message sent as ${s.who.mailbox} over SMTP arrived (and was deleted).`);
  }

  /** The IMAP verifier's one answer, split into its lines: an IMAP server that answered but refused the mailbox is a Full Access problem. */
  private imapLogin(problem: AccessProblem | null, s: Subject): CheckOutcome {
    if (!problem || problem.code === 'mailbox_not_found_or_no_full_access' || problem.code === 'smtp_auth_refused') return ok('Exchange Online IMAP answered.');
    return this.accessFailure(problem, s);
  }

  private imapFullAccess(problem: AccessProblem | null, s: Subject): CheckOutcome {
    if (!problem || problem.code === 'smtp_auth_refused') return ok(`${s.who.delegate} can open ${s.who.mailbox} over IMAP.`);
    if (problem.code === 'mailbox_not_found_or_no_full_access') return this.accessFailure(problem, s);
    return skipped('Needs IMAP (see the IMAP line).');
  }

  private smtpAuth(problem: AccessProblem | null, s: Subject): CheckOutcome {
    if (!problem) return ok(`${s.who.delegate} may sign in to SMTP.`);
    if (problem.code === 'smtp_auth_refused') return this.accessFailure(problem, s);
    return skipped('Checked after IMAP (see the IMAP line).');
  }

  /** What an access verifier or round trip found, as a line with what to do about it. */
  private accessFailure(problem: AccessProblem, s: Subject): CheckOutcome {
    const { delegate, mailbox } = s.who;
    switch (problem.code) {
      case 'no_full_access':
      case 'mailbox_not_found_or_no_full_access':
        return failed(`${delegate} cannot open ${mailbox}, so no mail is fetched.`, `Ask your Exchange admin to grant ${delegate} Full Access on ${mailbox} (Exchange admin center → Mailboxes → ${mailbox} → Delegation), then check again.`);
      case 'no_send_as':
        return failed(`Microsoft refused to send as ${mailbox}, so replies cannot leave.`, `Ask your Exchange admin to grant ${delegate} Send As on ${mailbox} (Exchange admin center → Mailboxes → ${mailbox} → Delegation), then check again.`);
      case 'smtp_auth_refused':
        return failed(`Microsoft refused SMTP sign-in for ${delegate} (SMTP AUTH is off for the user or the tenant), so replies cannot leave.`, `Ask your Exchange admin to turn on Authenticated SMTP for ${delegate} (Microsoft 365 admin center → Users → ${delegate} → Mail → Manage email apps), or Reconnect the inbox choosing "IMAP and LeadMail".`);
      case 'round_trip_timeout':
        return failed(problem.message, `Check ${mailbox}'s mail flow rules and quota in the Exchange admin center, then check again.`);
      case 'mailbox_not_found':
        return failed(problem.message, `Check that ${mailbox} still exists in the Microsoft 365 admin center; if it was renamed, connect a new inbox for its new address.`);
      default:
        return failed(problem.message, 'Try again in a few minutes; if it keeps failing, check this server\'s network access to Microsoft 365.');
    }
  }

  /** The app-only client push needs, asked once for both push lines; null without admin consent. */
  private appClient(s: Subject): Promise<Client | null> {
    const client = this.deps.graph.appOnly(s.tenantId, { fresh: true });
    client.catch(() => undefined); // each line awaits it and reports its own failure
    return client;
  }

  private async push(app: Promise<Client | null>, s: Subject): Promise<CheckOutcome> {
    if (await app) return ok('LeadChat may read the mailbox app-only, so Microsoft tells it about new mail at once.');
    const url = adminConsentUrl(this.deps.ctx.config, s.tenantId, { accountId: s.inbox.account_id, inboxId: s.inbox.id });
    return url
      ? warning('Without the app-only Mail.Read permission LeadChat checks for new mail every 2 minutes instead of at once.', 'Ask a Microsoft Entra admin to grant admin consent with the link below.', url)
      : warning('Without the app-only Mail.Read permission LeadChat checks for new mail every 2 minutes instead of at once.', 'Ask a Microsoft Entra admin to grant admin consent (the "Grant push notifications" button on this tab).');
  }

  private async subscription(app: Promise<Client | null>, s: Subject): Promise<CheckOutcome> {
    const client = await app;
    if (!client) return skipped('Push is off (see the push line); mail is polled instead.');
    const state = await GraphReceiveState.findByPk(s.channel.id);
    const retry = 'LeadChat asks for a new one every hour; make sure this server\'s webhook URL is reachable from the internet over https, then check again.';
    if (!state?.subscription_id) return failed('Microsoft has no subscription telling LeadChat about new mail, so mail only arrives with the 15-minute sweep.', retry);
    try {
      await client.api(`/subscriptions/${encodeURIComponent(state.subscription_id)}`).select('id').get();
    } catch (err) {
      if (graphStatus(err) === 404) return failed('Microsoft removed the subscription telling LeadChat about new mail, so mail only arrives with the 15-minute sweep.', retry);
      throw err;
    }
    const expires = state.subscription_expires_at;
    if (!expires || expires.getTime() <= Date.now()) return failed(`The subscription telling LeadChat about new mail expired${expires ? ` at ${when(expires)}` : ''}.`, retry);
    return ok(`Subscribed to new mail until ${when(expires)} (renewed before then).`);
  }

  private async graphActivity(s: Subject): Promise<CheckOutcome> {
    const state = await GraphReceiveState.findByPk(s.channel.id);
    const mode: 'push' | 'polling' = state?.receive_mode === 'push' ? 'push' : 'polling';
    const latest = [state?.last_sweep_at, state?.last_notification_at].filter((d): d is Date => !!d).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
    const seen = `Last notification: ${state?.last_notification_at ? when(state.last_notification_at) : 'none'}; last sweep: ${state?.last_sweep_at ? when(state.last_sweep_at) : 'none'}.`;
    if (state?.last_sweep_error) return warning(`The last sweep failed: ${state.last_sweep_error}. ${seen}`, 'Check the other lines; LeadChat retries on its own.');
    return this.activity(s, latest, STALE_AFTER_MS[mode], seen);
  }

  private async imapActivity(s: Subject): Promise<CheckOutcome> {
    const [row] = await this.deps.ctx.sequelize.query<{ last_fetched_at: Date | null; last_error: string | null }>(
      'SELECT last_fetched_at, last_error FROM email_fetch_states WHERE channel_id = :id', { replacements: { id: s.channel.id }, type: QueryTypes.SELECT },
    );
    const seen = `Last fetch: ${row?.last_fetched_at ? new Date(row.last_fetched_at).toISOString() : 'none'}.`;
    if (row?.last_error) return warning(`The last fetch failed: ${row.last_error}. ${seen}`, 'Check the other lines; LeadChat retries on its own.');
    return this.activity(s, row?.last_fetched_at ? new Date(row.last_fetched_at) : null, STALE_AFTER_MS.imap, seen);
  }

  private activity(s: Subject, latest: Date | null, staleAfterMs: number, seen: string): CheckOutcome {
    const since = latest ?? s.inbox.created_at;
    if (Date.now() - since.getTime() <= staleAfterMs) return ok(latest ? seen : `${seen} The inbox was connected just now; the first check for mail is due shortly.`);
    return warning(`LeadChat has not checked this mailbox for ${Math.round((Date.now() - since.getTime()) / 60_000)} minutes. ${seen}`, 'Make sure LeadChat\'s background worker is running (it fetches mail); if it is, check the other lines.');
  }

  /**
   * Mail no older than a week, and none from before the inbox was connected (that mail is not imported
   * on purpose). Mailbox arrival times are whole seconds, so the connect time is rounded down to one.
   */
  private since(s: Subject): Date {
    const connected = Math.floor(s.inbox.created_at.getTime() / 1000) * 1000;
    return new Date(Math.max(Date.now() - BACKLOG_WINDOW_MS, connected));
  }

  private async backlog(s: Subject, messageIds: string[]): Promise<CheckOutcome> {
    const missing = await missingFromInbox(this.deps.ctx.sequelize, s.inbox.id, messageIds);
    if (!missing.length) return ok(`Every message in ${s.who.mailbox}'s Inbox since ${this.since(s).toISOString()} is in LeadChat.`);
    return failed(`${missing.length} message${missing.length === 1 ? '' : 's'} in ${s.who.mailbox}'s Inbox ${missing.length === 1 ? 'is' : 'are'} not in LeadChat yet.`, 'If it just arrived, check again in a few minutes; otherwise fix the other failing lines — LeadChat then brings the waiting mail in on its own.');
  }
}
