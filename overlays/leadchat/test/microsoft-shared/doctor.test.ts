// "Check connection" for shared inboxes against the sandbox: a healthy inbox of each transport, then
// every line made to fail the way Microsoft makes it fail (a revoked sign-in, Full Access or Send As
// removed, SMTP AUTH off, no admin consent, no subscription, mail the sweep has not brought in), each
// answered with its fix; agents may not run it. Daily: a newly failing check notifies administrators
// once, not again while it stays failed.
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { createAgent } from '../../../../test/support/factories.js';
import { imapConnect } from '../../../../test/sandbox/helpers.js';
import { DOCTOR_DUE_JOB, DOCTOR_INBOX_JOB, lastReportKey, NOTIFY_CONNECTION_CHECK_FAILED } from '../../server/microsoft-shared/doctor/daily-doctor.job.js';
import { controlFetch, eventually, overlayEnabled, startSharedTestbed, SUPPORT, type SharedTestbed } from './shared-testbed.js';

interface Check { id: string; status: 'ok' | 'failed' | 'warning' | 'skipped'; detail: string; fix?: string; link?: string }
interface Report { checks: Check[]; checked_at: string }

const ALICE = 'alice@contoso.test';
const FULL_ACCESS_FIX = `Ask your Exchange admin to grant ${ALICE} Full Access on ${SUPPORT} (Exchange admin center → Mailboxes → ${SUPPORT} → Delegation), then check again.`;
const SEND_AS_FIX = `Ask your Exchange admin to grant ${ALICE} Send As on ${SUPPORT} (Exchange admin center → Mailboxes → ${SUPPORT} → Delegation), then check again.`;

describe('microsoft_shared connection doctor (sandbox)', function () {
  this.timeout(60_000);
  let bed: SharedTestbed;
  before(async function () {
    if (!overlayEnabled()) return this.skip();
    bed = await startSharedTestbed();
  });
  after(async () => bed?.close());
  afterEach(async () => {
    if (!bed) return;
    await bed.disconnect();
    await controlFetch(bed.sb, 'DELETE', '/faults');
    await controlFetch(bed.sb, 'POST', '/exchange/smtp-auth', { disabled: false });
    for (const right of ['FullAccess', 'SendAs']) await controlFetch(bed.sb, 'POST', '/permissions', { mailbox: SUPPORT, user: ALICE, right, grant: true });
    await controlFetch(bed.sb, 'POST', '/permissions', { clientId: bed.sb.world.microsoft.apps[0]!.clientId, appRole: 'Mail.Read', grant: false });
  });

  const connect = async (transport: string): Promise<number> => {
    const back = await bed.connect(ALICE, { email: SUPPORT, transport, name: 'Support' });
    return Number(/\/inboxes\/(\d+)\/agents$/.exec(back.pathname)![1]);
  };
  const doctor = async (inboxId: number, token = bed.account.admin.token): Promise<Report> => {
    const res = await bed.rt.http().post(`/api/v1/accounts/${bed.account.id}/microsoft_shared/inboxes/${inboxId}/doctor`).set('api_access_token', token);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as Report;
  };
  /** Mail a test delivered, taken out again so that the next inbox on support@ starts with none waiting. */
  const removeFromSupportInbox = async (subject: string) => {
    const { json } = await controlFetch(bed.sb, 'POST', '/tokens/issue', { user: ALICE, scopes: ['IMAP.AccessAsUser.All'] });
    const client = await imapConnect(bed.sb, { user: SUPPORT, accessToken: (json as { access_token: string }).access_token });
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const uids = (await client.search({ subject }, { uid: true })) || [];
        if (uids.length) await client.messageDelete(uids, { uid: true });
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  };
  const statuses = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
  const line = (r: Report, id: string) => r.checks.find((c) => c.id === id)!;

  it('graph_full, healthy (no admin consent): every line ok, push a warning with the admin-consent link, the subscription skipped', async () => {
    const report = await doctor(await connect('graph_full'));
    expect(statuses(report), JSON.stringify(report.checks)).to.deep.equal({
      token: 'ok', graph: 'ok', full_access: 'ok', send_as: 'ok', push: 'warning', subscription: 'skipped', last_activity: 'ok', backlog: 'ok',
    });
    expect(line(report, 'push').fix).to.equal('Ask a Microsoft Entra admin to grant admin consent with the link below.');
    expect(line(report, 'push').link).to.match(/^https:\/\/.+\/v2\.0\/adminconsent\?client_id=/);
    expect(Date.parse(report.checked_at)).to.be.a('number').and.not.NaN;
  });

  it('imap_smtp, healthy: every line ok', async () => {
    const report = await doctor(await connect('imap_smtp'));
    expect(statuses(report), JSON.stringify(report.checks)).to.deep.equal({
      token: 'ok', imap: 'ok', full_access: 'ok', smtp_auth: 'ok', send_as: 'ok', last_activity: 'ok', backlog: 'ok',
    });
    expect(report.checks.every((c) => c.fix === undefined)).to.equal(true);
  });

  it('imap_leadmail, healthy: every line ok, Send As skipped because LeadMail sends', async () => {
    const report = await doctor(await connect('imap_leadmail'));
    expect(statuses(report), JSON.stringify(report.checks)).to.deep.equal({
      token: 'ok', imap: 'ok', full_access: 'ok', send_as: 'skipped', last_activity: 'ok', backlog: 'ok',
    });
    expect(line(report, 'send_as').detail).to.contain('LeadMail');
  });

  it('a revoked sign-in: the token line fails with Reconnect, the rest is skipped', async () => {
    const inboxId = await connect('imap_leadmail');
    await controlFetch(bed.sb, 'POST', '/tokens/revoke', { user: ALICE });
    const report = await doctor(inboxId);
    expect(line(report, 'token')).to.include({ status: 'failed' });
    expect(line(report, 'token').fix).to.equal(`Reconnect: Settings → Inboxes → Support → Microsoft 365 → Reconnect, and sign in as ${ALICE} (or another user with Full Access and Send As on ${SUPPORT}).`);
    expect(report.checks.filter((c) => c.id !== 'token').map((c) => c.status)).to.deep.equal(['skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
  });

  for (const transport of ['graph_full', 'imap_smtp'] as const) {
    it(`${transport}: Full Access removed — the full_access line fails with the Exchange admin fix`, async () => {
      const inboxId = await connect(transport);
      await controlFetch(bed.sb, 'POST', '/permissions', { mailbox: SUPPORT, user: ALICE, right: 'FullAccess', grant: false });
      const report = await doctor(inboxId);
      expect(line(report, 'full_access'), JSON.stringify(report.checks)).to.include({ status: 'failed', fix: FULL_ACCESS_FIX });
    });

    it(`${transport}: Send As removed — the send_as line fails with the Exchange admin fix`, async () => {
      const inboxId = await connect(transport);
      await controlFetch(bed.sb, 'POST', '/permissions', { mailbox: SUPPORT, user: ALICE, right: 'SendAs', grant: false });
      const report = await doctor(inboxId);
      expect(line(report, 'send_as'), JSON.stringify(report.checks)).to.include({ status: 'failed', fix: SEND_AS_FIX });
      expect(line(report, 'full_access').status).to.equal('ok');
    });
  }

  it('imap_smtp: SMTP AUTH off — the smtp_auth line fails saying how to turn it on or switch to LeadMail', async () => {
    const inboxId = await connect('imap_smtp');
    await controlFetch(bed.sb, 'POST', '/exchange/smtp-auth', { disabled: true });
    const report = await doctor(inboxId);
    expect(line(report, 'smtp_auth'), JSON.stringify(report.checks)).to.include({ status: 'failed' });
    expect(line(report, 'smtp_auth').fix).to.contain(`turn on Authenticated SMTP for ${ALICE}`).and.contain('IMAP and LeadMail');
    expect(line(report, 'send_as').status).to.equal('skipped');
    expect(line(report, 'imap').status).to.equal('ok');
  });

  it('graph_full with admin consent but no live subscription: push ok, the subscription line fails', async () => {
    const inboxId = await connect('graph_full');
    await controlFetch(bed.sb, 'POST', '/permissions', { clientId: bed.sb.world.microsoft.apps[0]!.clientId, appRole: 'Mail.Read', grant: true });
    const subscriptions = (await controlFetch(bed.sb, 'GET', '/graph/subscriptions')).json as { id: string; mailbox: string }[];
    for (const s of subscriptions.filter((x) => x.mailbox === SUPPORT)) await controlFetch(bed.sb, 'POST', `/graph/subscriptions/${s.id}/lifecycle`, { event: 'subscriptionRemoved' });
    const report = await doctor(inboxId);
    expect(line(report, 'push').status).to.equal('ok');
    expect(line(report, 'subscription'), JSON.stringify(report.checks)).to.include({ status: 'failed' });
    expect(line(report, 'subscription').fix).to.contain('webhook URL is reachable');
  });

  it('graph_full: mail delivered while the sweep fails is counted as backlog', async () => {
    const inboxId = await connect('graph_full');
    await controlFetch(bed.sb, 'POST', '/faults', { path: '/\\/delta/', status: 503 });
    await controlFetch(bed.sb, 'POST', '/mail/deliver', { to: SUPPORT, from: 'jane@example.test', subject: 'Waiting one', text: 'hello' });
    await controlFetch(bed.sb, 'POST', '/mail/deliver', { to: SUPPORT, from: 'jane@example.test', subject: 'Waiting two', text: 'hello' });
    const report = await doctor(inboxId);
    expect(line(report, 'backlog'), JSON.stringify(report.checks)).to.include({ status: 'failed', detail: `2 messages in ${SUPPORT}'s Inbox are not in LeadChat yet.` });
    expect(line(report, 'backlog').fix).to.be.a('string');
    await removeFromSupportInbox('Waiting');
  });

  it('agents get 403', async () => {
    const inboxId = await connect('imap_leadmail');
    const agent = await createAgent(bed.account);
    const res = await bed.rt.http().post(`/api/v1/accounts/${bed.account.id}/microsoft_shared/inboxes/${inboxId}/doctor`).set('api_access_token', agent.token);
    expect(res.status).to.equal(403);
  });

  describe('daily check', () => {
    const notifications = async () => bed.rt.sequelize.query<{ payload: { checks: string[]; error: string; inbox_name: string } }>(
      'SELECT payload FROM notifications WHERE account_id = :accountId AND notification_type = :type ORDER BY id',
      { replacements: { accountId: bed.account.id, type: NOTIFY_CONNECTION_CHECK_FAILED }, type: QueryTypes.SELECT },
    );
    /** The stored report of a run that started after `previous` (its checked_at differs): the run is over. */
    const storedAfter = async (channelId: number, previous: Report | null) => eventually(async () => {
      const stored = await bed.rt.redis.get(lastReportKey(bed.rt.config.REDIS_PREFIX, channelId));
      const report = stored ? (JSON.parse(stored) as Report) : null;
      return report && report.checked_at !== previous?.checked_at ? report : undefined;
    }, 30_000);
    const runFor = async (channelId: number, previous: Report | null) => {
      await bed.rt.queues.enqueue(DOCTOR_INBOX_JOB, { channelId });
      return storedAfter(channelId, previous);
    };

    it('a newly failing check notifies the administrators once; not again while it stays failed; again once it recovered and failed anew', async () => {
      await connect('imap_leadmail');
      const channelId = (await bed.channel())!.id;
      await bed.rt.queues.enqueue(DOCTOR_DUE_JOB, {});
      let report = await storedAfter(channelId, null);
      expect(report.checks.filter((c) => c.status === 'failed'), 'healthy').to.deep.equal([]);
      expect(await notifications()).to.deep.equal([]);

      await controlFetch(bed.sb, 'POST', '/permissions', { mailbox: SUPPORT, user: ALICE, right: 'FullAccess', grant: false });
      report = await runFor(channelId, report);
      const [first, ...more] = await notifications();
      expect(more).to.deep.equal([]);
      expect(first!.payload).to.include({ inbox_name: 'Support' });
      expect(first!.payload.checks).to.include('full_access');
      expect(first!.payload.error).to.contain(FULL_ACCESS_FIX);
      // The bell shows it by its title, in words.
      const listed = await bed.rt.http().get(`/api/v1/accounts/${bed.account.id}/notifications`).set('api_access_token', bed.account.admin.token).expect(200);
      const titles = (listed.body.data.payload as { push_message_title: string }[]).map((n) => n.push_message_title);
      expect(titles).to.include('Support: the daily connection check failed');

      report = await runFor(channelId, report);
      expect(line(report, 'full_access').status, 'still failing').to.equal('failed');
      expect(await notifications()).to.have.length(1);

      await controlFetch(bed.sb, 'POST', '/permissions', { mailbox: SUPPORT, user: ALICE, right: 'FullAccess', grant: true });
      report = await runFor(channelId, report);
      expect(line(report, 'full_access').status, 'recovered').to.equal('ok');
      await controlFetch(bed.sb, 'POST', '/permissions', { mailbox: SUPPORT, user: ALICE, right: 'FullAccess', grant: false });
      await runFor(channelId, report);
      expect(await notifications()).to.have.length(2);
    });
  });
});
