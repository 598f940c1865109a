// graph_full receive against the sandbox: push after admin consent (subscription, webhook, lifecycle,
// renewal), delegated polling without it, the delta catch-up sweep, and cleanup on destroy.
import { expect } from 'chai';
import { Op } from 'sequelize';
import { controlFetch, eventually, startTestSandbox, type TestSandbox } from '../../../../../test/sandbox/helpers.js';
import { createAccount, type TestAccount } from '../../../../../test/support/factories.js';
import { GraphReceiveState } from '../../../server/microsoft-shared/graph/graph-state.model.js';
import { GRAPH_DUE_JOB, GRAPH_NOTIFICATION_JOB, GRAPH_SWEEP_JOB } from '../../../server/microsoft-shared/graph/graph-receive.job.js';
import { MAX_SUBSCRIPTION_MINUTES, WEBHOOK_PATH } from '../../../server/microsoft-shared/graph/graph-subscriptions.js';
import type { SweepOutcome } from '../../../server/microsoft-shared/graph/graph-delta-sweep.js';
import { startGraphHarness, type GraphHarness } from '../../support/graph-harness.js';

interface SandboxSubscription { id: string; mailbox: string; clientState: string; expirationDateTime: string; notificationUrl: string }
interface Delivery { subscriptionId: string; kind: string; status: number | null; body: { value: Record<string, unknown>[] } }

describe('microsoft_shared graph_full receive', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let h: GraphHarness;
  let account: TestAccount;
  let clientId: string;
  const push = { inboxId: 0, channelId: 0 };
  const timings: Record<string, number[]> = { ack: [], notificationToRow: [] };

  const state = async (channelId: number) => (await GraphReceiveState.findByPk(channelId))!;
  const subscriptions = async () => (await controlFetch(sb, 'GET', '/graph/subscriptions')).json as SandboxSubscription[];
  const deliveries = async () => (await controlFetch(sb, 'GET', '/graph/notifications')).json as Delivery[];
  const messageCount = (inboxId: number) => h.rt.models.Message.count({ where: { inbox_id: inboxId } });
  const rowWithSubject = (inboxId: number, subject: string) => h.rt.models.Message.findOne({ where: { inbox_id: inboxId, content: { [Op.like]: `${subject} body%` } } });
  const deliver = (to: string, subject: string) => controlFetch(sb, 'POST', '/mail/deliver', { to, subject, text: `${subject} body` });
  /** Mail arriving while LeadChat's webhook is unreachable: Graph's notification is lost (the sandbox, like Graph after its retries, gives up). */
  const deliverWhileDown = async (to: string, subject: string) => {
    const failedBefore = (await deliveries()).filter((d) => d.status === null).length;
    await h.pauseWebhook();
    await deliver(to, subject);
    await eventually(async () => (await deliveries()).filter((d) => d.status === null).length > failedBefore);
    await h.resumeWebhook();
  };
  const consent = (grant: boolean) => controlFetch(sb, 'POST', '/permissions', { clientId, appRole: 'Mail.Read', grant });
  const notificationJobs = async () => Object.values(await h.queues.queue(GRAPH_NOTIFICATION_JOB).getJobCounts()).reduce((a, b) => a + b, 0);

  before(async () => {
    sb = await startTestSandbox();
    h = await startGraphHarness(sb);
    clientId = sb.world.microsoft.apps[0]!.clientId;
    account = await createAccount();
  });
  after(async () => {
    await h?.close();
    await sb?.close();
    if (timings.ack.length) console.log(`      graph webhook ack ms: ${JSON.stringify(summary(timings.ack))}; notification -> row ms: ${JSON.stringify(summary(timings.notificationToRow))}`);
  });

  it('answers the validationToken handshake as text/plain', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 42';
    const res = await fetch(`${h.baseUrl}${WEBHOOK_PATH}?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '' });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    expect(await res.text()).to.equal(token);
  });

  it('push after admin consent: subscribes with a secret clientState and the expiry Graph answered, baseline without old mail', async () => {
    await consent(true);
    Object.assign(push, await h.createInbox(account, 'support@contoso.test', 'alice@contoso.test'));
    const s = await eventually(async () => { const r = await state(push.channelId); return r.subscription_id && r.delta_link ? r : undefined; });
    const sub = (await subscriptions()).find((x) => x.id === s.subscription_id)!;
    expect(sub.mailbox).to.equal('support@contoso.test');
    expect(sub.notificationUrl).to.equal(`${h.baseUrl}${WEBHOOK_PATH}`);
    expect(s.client_state_ciphertext).to.not.contain(sub.clientState);
    expect(h.rt.secrets.decrypt(s.client_state_ciphertext!)).to.equal(sub.clientState);
    expect(sub.clientState.length).to.be.at.least(40);
    expect(s.subscription_expires_at!.toISOString()).to.equal(sub.expirationDateTime);
    expect(s.subscription_expires_at!.getTime()).to.be.at.most(Date.now() + MAX_SUBSCRIPTION_MINUTES * 60_000);
    // Messages allow 7 days now; the old 4,230-minute cap would renew twice as often for nothing.
    expect(s.subscription_expires_at!.getTime()).to.be.at.least(Date.now() + (MAX_SUBSCRIPTION_MINUTES - 60) * 60_000);
    expect(s.receive_mode).to.equal('push');
    expect((await h.rt.models.ChannelEmail.findByPk(push.channelId))!.provider_config.receive_mode).to.equal('push');
    expect(await messageCount(push.inboxId)).to.equal(0); // the seeded Inbox predates the channel
  });

  it('a delivered mail: notification -> webhook 202 -> message row, quickly', async () => {
    const before = (await deliveries()).length;
    const sentAt = Date.now();
    await deliver('support@contoso.test', 'Push one');
    await eventually(() => rowWithSubject(push.inboxId, 'Push one'), 5_000);
    timings.notificationToRow.push(Date.now() - sentAt);
    const mine = (await deliveries()).slice(before).filter((d) => d.kind === 'change');
    expect(mine.map((d) => d.status)).to.deep.equal([202]);
    expect((await state(push.channelId)).last_notification_at).to.be.instanceOf(Date);
    expect(h.clients.requests).to.include('app');
    expect(Date.now() - sentAt).to.be.below(3_000);
  });

  it('a duplicate notification is acknowledged in milliseconds and ingested once', async () => {
    const original = (await deliveries()).filter((d) => d.kind === 'change').at(-1)!;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await fetch(`${h.baseUrl}${WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(original.body) });
      timings.ack.push(performance.now() - t0);
      expect(res.status).to.equal(202);
    }
    await h.queues.idle(GRAPH_NOTIFICATION_JOB);
    expect(await messageCount(push.inboxId)).to.equal(1);
    expect(Math.max(...timings.ack)).to.be.below(500);
  });

  it('rejects and counts a forged notification (wrong clientState, unknown subscription) without queueing work', async () => {
    const s = await state(push.channelId);
    const jobsBefore = await notificationJobs();
    const unknownBefore = Number(await h.rt.redis.hget(`${h.rt.config.REDIS_PREFIX}:microsoft_shared:graph:rejected`, 'unknown_subscription'));
    const forged = (subscriptionId: string, clientState: string) => fetch(`${h.baseUrl}${WEBHOOK_PATH}`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [{ subscriptionId, clientState, changeType: 'created', resource: 'Users/x/Messages/y', resourceData: { id: 'AAMkADforged' } }] }),
    });
    expect((await forged(s.subscription_id!, 'guessed-secret')).status).to.equal(202);
    expect((await forged('00000000-0000-0000-0000-000000000000', 'whatever')).status).to.equal(202);
    expect(await notificationJobs()).to.equal(jobsBefore);
    expect((await state(push.channelId)).rejected_notifications).to.deep.equal({ client_state_mismatch: 1 });
    expect(Number(await h.rt.redis.hget(`${h.rt.config.REDIS_PREFIX}:microsoft_shared:graph:rejected`, 'unknown_subscription'))).to.equal(unknownBefore + 1);
  });

  it('a forged burst of 1,000 items for one subscription is counted with one row update, not 1,000', async () => {
    const s = await state(push.channelId);
    const before = (s.rejected_notifications as Record<string, number>).client_state_mismatch ?? 0;
    let counterUpdates = 0;
    const hook = (options: object) => {
      const { attributes } = options as { attributes?: Record<string, unknown> };
      if (attributes && 'rejected_notifications' in attributes) counterUpdates++;
    };
    GraphReceiveState.addHook('beforeBulkUpdate', 'count-rejections', hook);
    try {
      const value = Array.from({ length: 1000 }, (_, n) => ({ subscriptionId: s.subscription_id, clientState: `guess-${n}`, changeType: 'created', resource: 'Users/x/Messages/y', resourceData: { id: `AAMkAD${n}` } }));
      const res = await fetch(`${h.baseUrl}${WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
      expect(res.status).to.equal(202);
    } finally {
      GraphReceiveState.removeHook('beforeBulkUpdate', 'count-rejections');
    }
    expect(counterUpdates).to.equal(1);
    expect((await state(push.channelId)).rejected_notifications).to.deep.include({ client_state_mismatch: before + 1000 });
    // The status test below counts from the single forged notification above.
    await GraphReceiveState.update({ rejected_notifications: s.rejected_notifications }, { where: { channel_id: push.channelId } });
  });

  it('lifecycle: reauthorizationRequired renews, subscriptionRemoved re-creates', async () => {
    const s = await state(push.channelId);
    const before = s.subscription_expires_at!.getTime();
    await controlFetch(sb, 'POST', `/graph/subscriptions/${s.subscription_id}/lifecycle`, { event: 'reauthorizationRequired' });
    const renewed = await eventually(async () => { const r = await state(push.channelId); return r.subscription_expires_at!.getTime() > before ? r : undefined; });
    expect(renewed.subscription_id).to.equal(s.subscription_id);
    await controlFetch(sb, 'POST', `/graph/subscriptions/${s.subscription_id}/lifecycle`, { event: 'subscriptionRemoved' });
    const recreated = await eventually(async () => { const r = await state(push.channelId); return r.subscription_id !== s.subscription_id ? r : undefined; });
    expect((await subscriptions()).map((x) => x.id)).to.include(recreated.subscription_id).and.not.include(s.subscription_id);
  });

  it('lifecycle missed: mail whose notification was lost is recovered by the sweep', async () => {
    await deliverWhileDown('support@contoso.test', 'Lost one');
    expect(await rowWithSubject(push.inboxId, 'Lost one')).to.equal(null);
    const s = await state(push.channelId);
    await controlFetch(sb, 'POST', `/graph/subscriptions/${s.subscription_id}/lifecycle`, { event: 'missed' });
    await eventually(() => rowWithSubject(push.inboxId, 'Lost one'), 5_000);
    expect(await messageCount(push.inboxId)).to.equal(2);
  });

  it('delta 410 (syncStateNotFound): full resync picks up new mail without duplicates', async () => {
    await deliverWhileDown('support@contoso.test', 'During resync');
    await controlFetch(sb, 'POST', '/graph/delta/expire');
    const outcome = (await h.run(GRAPH_SWEEP_JOB, { channelId: push.channelId })) as SweepOutcome;
    expect(outcome).to.deep.include({ status: 'swept', resynced: true });
    expect(outcome.counts).to.include({ created: 1, duplicate: 2 });
    expect(await messageCount(push.inboxId)).to.equal(3);
    expect((await state(push.channelId)).last_sweep_error).to.equal(null);
  });

  it('429 with Retry-After is waited out, the mail still arrives', async () => {
    await controlFetch(sb, 'POST', '/faults', { path: '/\\$value$/', status: 429, headers: { 'Retry-After': '1' }, count: 1 });
    const sentAt = Date.now();
    await deliver('support@contoso.test', 'Throttled one');
    await eventually(() => rowWithSubject(push.inboxId, 'Throttled one'), 8_000);
    expect(Date.now() - sentAt).to.be.at.least(1_000);
    expect((await controlFetch(sb, 'GET', '/faults')).json).to.deep.equal([]);
  });

  it('renews a subscription when less than 24 h remain', async () => {
    const s = await state(push.channelId);
    await s.update({ subscription_expires_at: new Date(Date.now() + 3600_000) });
    await h.run(GRAPH_DUE_JOB, { task: 'subscriptions' });
    const renewed = await eventually(async () => { const r = await state(push.channelId); return r.subscription_expires_at!.getTime() > Date.now() + 70 * 3600_000 ? r : undefined; });
    expect(renewed.subscription_id).to.equal(s.subscription_id);
    expect((await subscriptions()).find((x) => x.id === s.subscription_id)!.expirationDateTime).to.equal(renewed.subscription_expires_at!.toISOString());
  });

  it('shows the receive status to administrators and inbox members only', async () => {
    const res = await h.api().get(`/api/v1/accounts/${account.id}/microsoft_shared/inboxes/${push.inboxId}/graph_status`).set('api_access_token', account.admin.token).expect(200);
    expect(res.body).to.include({ receive_mode: 'push', last_sweep_error: null });
    expect(Date.parse(res.body.subscription_expires_at)).to.be.greaterThan(Date.now() + 70 * 3600_000);
    expect(res.body.last_notification_at).to.be.a('string');
    expect(res.body.rejected_notifications).to.include({ client_state_mismatch: 1 });
    expect(res.body.admin_consent_url).to.equal(`${sb.world.microsoft.adminConsentUrl}?client_id=${clientId}&redirect_uri=${encodeURIComponent(`${h.rt.config.FRONTEND_URL}/microsoft_shared/admin_consent`)}&state=${account.id}.${push.inboxId}`);
    const other = await createAccount();
    await h.api().get(`/api/v1/accounts/${other.id}/microsoft_shared/inboxes/${push.inboxId}/graph_status`).set('api_access_token', other.admin.token).expect(404);
  });

  it('a connection check message (a reconnect\'s round trip, support@ to itself) is notified but never becomes a conversation', async () => {
    const before = (await deliveries()).length;
    await controlFetch(sb, 'POST', '/mail/deliver', { to: 'support@contoso.test', from: 'support@contoso.test', subject: 'LeadChat connection check', text: 'LeadChat connection check body', headers: { 'X-LeadChat-Connection-Check': '1' } });
    await deliver('support@contoso.test', 'After the check');
    await eventually(() => rowWithSubject(push.inboxId, 'After the check'), 5_000);
    // Both notifications' jobs run side by side; give the check's a moment to finish too.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await deliveries()).slice(before).filter((d) => d.kind === 'change').map((d) => d.status)).to.deep.equal([202, 202]);
    expect(await rowWithSubject(push.inboxId, 'LeadChat connection check')).to.equal(null);
  });

  it('a notification that arrives while the database is down is answered 202 and its mail is swept in as soon as the database is back', async () => {
    const table = GraphReceiveState.getTableName() as string;
    const offline = `${table}_offline`;
    const sequelize = h.rt.sequelize;
    const before = (await deliveries()).length;
    const jobsBefore = await notificationJobs();
    await sequelize.query(`ALTER TABLE "${table}" RENAME TO "${offline}"`);
    try {
      await deliver('support@contoso.test', 'While the database was down');
      const answered = await eventually(async () => (await deliveries()).slice(before).find((d) => d.status !== null && d.status !== undefined));
      expect(answered.status).to.equal(202);
      // Nothing could be checked against a subscription, so no per-message job was queued.
      expect(await notificationJobs()).to.equal(jobsBefore);
    } finally {
      await sequelize.query(`ALTER TABLE "${offline}" RENAME TO "${table}"`);
    }
    // The catch-up retries every 10 s until the table answers, then sweeps the channel.
    await eventually(() => rowWithSubject(push.inboxId, 'While the database was down'), 20_000);
  });

  it('destroying the inbox deletes its Graph subscription and its receive state', async () => {
    const s = await state(push.channelId);
    await h.api().delete(`/api/v1/accounts/${account.id}/inboxes/${push.inboxId}`).set('api_access_token', account.admin.token).expect(200);
    await eventually(async () => !(await GraphReceiveState.findByPk(push.channelId)));
    expect((await subscriptions()).map((x) => x.id)).to.not.include(s.subscription_id);
  });

  it('polling without admin consent: no subscription, the sweep ingests; consent later switches to push', async () => {
    await consent(false);
    const polling = await h.createInbox(account, 'sales@contoso.test', 'bob@contoso.test');
    const s = await eventually(async () => { const r = await GraphReceiveState.findByPk(polling.channelId); return r?.delta_link ? r : undefined; });
    expect(s).to.include({ receive_mode: 'polling', subscription_id: null });
    expect((await subscriptions()).filter((x) => x.mailbox === 'sales@contoso.test')).to.deep.equal([]);
    expect((await h.rt.models.ChannelEmail.findByPk(polling.channelId))!.provider_config.receive_mode).to.equal('polling');

    await deliver('sales@contoso.test', 'Polled one');
    await h.run(GRAPH_DUE_JOB, { task: 'sweep_polling' });
    await eventually(() => rowWithSubject(polling.inboxId, 'Polled one'), 5_000);
    const status = await h.api().get(`/api/v1/accounts/${account.id}/microsoft_shared/inboxes/${polling.inboxId}/graph_status`).set('api_access_token', account.admin.token).expect(200);
    expect(status.body).to.include({ receive_mode: 'polling', subscription_expires_at: null });

    // The way back names the inbox it started from by a code only; a refusal or a state that is not ids changes nothing.
    const origin = new URL(status.body.admin_consent_url).searchParams.get('state');
    const tab = `${h.rt.config.FRONTEND_URL}/app/accounts/${account.id}/settings/inboxes/${polling.inboxId}?tab=microsoft_shared`;
    const denied = await fetch(`${h.baseUrl}/microsoft_shared/admin_consent?error=access_denied&error_description=<b>no</b>&state=${origin}`, { redirect: 'manual' });
    expect(denied.headers.get('location')).to.equal(`${tab}&admin_consent=denied`);
    const forged = await fetch(`${h.baseUrl}/microsoft_shared/admin_consent?error=access_denied&state=//evil.test/x`, { redirect: 'manual' });
    expect(forged.headers.get('location')).to.equal(`${h.rt.config.FRONTEND_URL}/app`);
    expect((await state(polling.channelId)).receive_mode).to.equal('polling');

    await consent(true);
    const back = await fetch(`${h.baseUrl}/microsoft_shared/admin_consent?admin_consent=True&tenant=${sb.world.microsoft.tenantId}&state=${origin}`, { redirect: 'manual' });
    expect(back.status).to.equal(302);
    expect(back.headers.get('location')).to.equal(`${tab}&admin_consent=granted`);
    await eventually(async () => (await state(polling.channelId)).receive_mode === 'push');
    expect((await subscriptions()).filter((x) => x.mailbox === 'sales@contoso.test')).to.have.length(1);
    await h.api().delete(`/api/v1/accounts/${account.id}/inboxes/${polling.inboxId}`).set('api_access_token', account.admin.token).expect(200);
    await eventually(async () => (await subscriptions()).every((x) => x.mailbox !== 'sales@contoso.test'));
  });
});

function summary(values: number[]): { n: number; p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! * 10) / 10;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), max: at(1) };
}
