// The IMAP fetch against Dovecot: cursor and dedupe across re-fetches and restarts, a worker killed
// mid-fetch, a UIDVALIDITY change, and IDLE turning a new message into a conversation without a sweep.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { eventually, startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { http, runtime } from '../../support/runtime.js';
import { JobQueues } from '../../../server/src/jobs/queues.js';
import { Registries } from '../../../server/src/extensions/registries.js';
import { ImapIdleManager } from '../../../server/src/channels/email/receive/imap-idle-manager.js';
import { EmailFetchCursor, InboundEmail } from '../../../server/src/channels/email/receive/receive.model.js';
import { MAILBOX, append, clearInbox, createImapInbox, mime, runFetch } from './helpers.js';

describe('email receive: IMAP fetch', function () {
  this.timeout(60_000);
  let sb: TestSandbox;
  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });
  beforeEach(async () => { await clearInbox(sb); });

  /** `email.fetch` in a worker process of its own (see fetch-worker.ts). */
  const fetchWorker = (channelId: number, env: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fetch-worker.ts'), String(channelId)], { stdio: 'ignore', env: { ...process.env, ...env } });
    return { child, exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
  };
  const messageCount = async (inboxId: number) => (await runtime()).models.Message.count({ where: { inbox_id: inboxId } });

  it('imports once: a re-fetch and a new runtime (restart) create no duplicates, and only new mail is added', async () => {
    await append(sb, [mime({ subject: 'one' }), mime({ subject: 'two' })]);
    const inbox = await createImapInbox(sb);
    expect((await runFetch(inbox.channelId)).counts).to.include({ created: 2 });
    expect((await runFetch(inbox.channelId)).counts).to.include({ created: 0, duplicate: 0 });

    // A restarted worker: another process reads the cursor from the database.
    await append(sb, [mime({ subject: 'three' })]);
    expect(await fetchWorker(inbox.channelId).exited).to.equal(0);
    expect(await messageCount(inbox.inboxId)).to.equal(3);
    // Forgetting the cursor (as after a lost database row) rescans safely: Message-ID dedupe.
    await (await runtime()).sequelize.query('DELETE FROM email_fetch_cursors WHERE channel_id = :id', { replacements: { id: inbox.channelId } });
    expect((await runFetch(inbox.channelId)).counts).to.include({ created: 0, duplicate: 3 });
    expect(await messageCount(inbox.inboxId)).to.equal(3);
  });

  it('starts at the backfill window the administrator picked: none imports only mail that arrives later', async () => {
    await append(sb, [mime({ subject: 'old' })]);
    const inbox = await createImapInbox(sb, { backfillDays: 0 });
    expect((await runFetch(inbox.channelId)).counts).to.include({ created: 0 });
    await append(sb, [mime({ subject: 'new' })]);
    expect((await runFetch(inbox.channelId)).counts).to.include({ created: 1 });
    const res = await (await http()).get(`/api/v1/accounts/${inbox.account.id}/inboxes/${inbox.inboxId}`).set('api_access_token', inbox.account.admin.token);
    expect(res.body.provider_config).to.deep.equal({ backfill_days: 0 });
    const bad = await (await http()).patch(`/api/v1/accounts/${inbox.account.id}/inboxes/${inbox.inboxId}`).set('api_access_token', inbox.account.admin.token).send({ channel: { backfill_days: 3 } });
    expect(bad.status).to.equal(422);
    expect(bad.body.error.fields).to.deep.equal([{ path: 'channel.backfill_days', message: 'must be one of 0, 1, 7, 30' }]);
    expect(res.body.health).to.include({ consecutive_failures: 0, last_error: null, next_attempt_at: null });
    expect(res.body.health.last_fetched_at).to.be.within(Math.floor(Date.now() / 1000) - 30, Math.floor(Date.now() / 1000) + 1);
  });

  it('loses and duplicates nothing when the worker is killed mid-fetch (SIGKILL after the 3rd message)', async () => {
    const total = 40;
    await append(sb, Array.from({ length: total }, (_, i) => mime({ subject: `bulk ${i}`, body: 'x'.repeat(2_000) })));
    const inbox = await createImapInbox(sb);
    // Small batches (a transaction and checkpoint every 3 emails) so the kill lands part-way, mid-batch or between.
    const { child, exited } = fetchWorker(inbox.channelId, { EMAIL_INGEST_BATCH: '3' });
    const seen = await eventually(async () => {
      const n = await InboundEmail.count({ where: { inbox_id: inbox.inboxId } });
      return n >= 3 ? n : false;
    }, 30_000).finally(() => child.kill('SIGKILL'));
    await exited;
    const atKill = await messageCount(inbox.inboxId);
    expect(atKill, 'the worker was killed part-way').to.be.below(total);
    expect(seen).to.be.at.least(3);

    // The cursor moves in the transaction that stores each batch: what the killed worker committed
    // is exactly what the cursor covers, so the next fetch re-fetches nothing and skips nothing.
    const cursor = await EmailFetchCursor.findOne({ where: { channel_id: inbox.channelId } });
    const stored = await InboundEmail.findAll({ where: { inbox_id: inbox.inboxId }, attributes: ['source_ref'] });
    const storedUids = stored.map((r) => Number(r.source_ref.split(':').pop()));
    expect(Math.max(0, ...storedUids), 'cursor = last stored UID').to.equal(Number(cursor!.last_uid));
    expect(stored.length).to.equal(atKill);

    const outcome = await runFetch(inbox.channelId);
    expect(outcome.status, 'the lock died with the killed worker').to.equal('fetched');
    expect(outcome.counts, 'nothing fetched twice').to.include({ created: total - atKill, duplicate: 0 });
    const { models } = await runtime();
    const subjects = (await models.Message.findAll({ where: { inbox_id: inbox.inboxId } })).map((m) => (m.content_attributes.email as { subject: string }).subject);
    expect(subjects).to.have.length(total);
    expect(new Set(subjects).size).to.equal(total);
    expect(await InboundEmail.count({ where: { inbox_id: inbox.inboxId, status: 'ingested' } })).to.equal(total);
  });

  it('records an email and its checkpoint in one transaction: a checkpoint that fails stores nothing, the retry stores it once', async () => {
    const inbox = await createImapInbox(sb, { backfillDays: 0 });
    const rt = await runtime();
    const channel = (await rt.models.ChannelEmail.findByPk(inbox.channelId))!;
    const inboxRow = (await rt.models.Inbox.findByPk(inbox.inboxId))!;
    const raw = Buffer.from(mime({ subject: 'atomic', messageId: `<atomic-${randomUUID()}@example.test>` }));
    const input = { channel, inbox: inboxRow, raw, source: { kind: 'test', ref: `atomic-${randomUUID()}` } };
    const checkpoints: string[] = [];
    const failing = async () => { throw new Error('checkpoint refused'); };
    await rt.api.emailReceive.ingestion.ingest(input, { checkpoint: failing }).then(
      () => expect.fail('a failed checkpoint must fail the ingestion'),
      (err: Error) => expect(err.message).to.equal('checkpoint refused'),
    );
    expect(await InboundEmail.count({ where: { inbox_id: inbox.inboxId } }), 'no row without its checkpoint').to.equal(0);
    expect(await messageCount(inbox.inboxId)).to.equal(0);

    const result = await rt.api.emailReceive.ingestion.ingest(input, {
      checkpoint: async (transaction) => {
        // Inside the same transaction the message is already visible; outside it is not yet.
        const [inside] = await rt.sequelize.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE inbox_id = :id', { replacements: { id: inbox.inboxId }, transaction, type: QueryTypes.SELECT });
        checkpoints.push(`inside:${inside.n}`);
        checkpoints.push(`outside:${await messageCount(inbox.inboxId)}`);
      },
    });
    expect(result.status).to.equal('created');
    expect(checkpoints).to.deep.equal(['inside:1', 'outside:0']);
    expect(await messageCount(inbox.inboxId)).to.equal(1);
    expect((await rt.api.emailReceive.ingestion.ingest(input)).status, 'handed over again').to.equal('duplicate');
    expect(await messageCount(inbox.inboxId)).to.equal(1);
  });

  it('reseeds after a UIDVALIDITY change (INBOX recreated) without re-importing, and still takes new mail', async () => {
    const raws = [mime({ subject: 'kept 1' }), mime({ subject: 'kept 2' })];
    await append(sb, raws);
    const inbox = await createImapInbox(sb);
    expect((await runFetch(inbox.channelId)).counts).to.include({ created: 2 });
    const before = await EmailFetchCursor.findOne({ where: { channel_id: inbox.channelId } });

    // Dovecot refuses to DELETE or RENAME INBOX over IMAP; empty it and give it a new UIDVALIDITY with
    // doveadm instead (what a server restore or migration does), then put the same mail back.
    await clearInbox(sb);
    execFileSync('doveadm', ['-c', path.join(sb.runtimeDir, 'dovecot', 'dovecot.conf'), 'mailbox', 'update', '-u', MAILBOX.user, '--uid-validity', String(Number(before!.uid_validity) + 1000), 'INBOX']);
    await append(sb, [...raws, mime({ subject: 'arrived after' })]);
    const outcome = await runFetch(inbox.channelId);
    const after = await EmailFetchCursor.findOne({ where: { channel_id: inbox.channelId } });
    expect(after!.uid_validity).to.not.equal(before!.uid_validity);
    expect(outcome.counts).to.include({ created: 1, duplicate: 2 });
    expect(await messageCount(inbox.inboxId)).to.equal(3);
  });

  it('IDLE: a message appended while the manager runs becomes a conversation within seconds, without a sweep', async () => {
    const rt = await runtime();
    const inbox = await createImapInbox(sb);
    await runFetch(inbox.channelId); // seeds the cursor
    // A worker of its own (only email.fetch, own Redis prefix) so the shared runtime's queues stay idle.
    const registries = new Registries();
    registries.jobs.register(rt.registries.jobs.get('email.fetch')!, 'test');
    registries.seal();
    const queues = new JobQueues(rt.config.REDIS_URL, `leadchat-test:${randomUUID().slice(0, 8)}`, registries.jobs, registries.schedules, rt.logger);
    const idle = new ImapIdleManager({
      registries: rt.registries, queues, health: rt.api.emailReceive.health, redis: rt.redis, prefix: `leadchat-test:${randomUUID().slice(0, 8)}`, logger: rt.logger,
      leaseMs: 3_000, maxIdle: 10, pollEveryMs: 60_000,
    });
    queues.startWorkers();
    await idle.start();
    try {
      await eventually(async () => idle.watching().includes(inbox.channelId), 5_000);
      await new Promise((r) => setTimeout(r, 500)); // the session is connected and idling
      const sentAt = Date.now();
      await append(sb, [mime({ subject: 'live one' })]);
      const conversation = await eventually(() => rt.models.Conversation.findOne({ where: { inbox_id: inbox.inboxId } }), 5_000);
      expect(conversation).to.not.equal(null);
      expect(Date.now() - sentAt).to.be.below(5_000);
    } finally {
      await idle.stop();
      await queues.close();
    }
    expect(idle.watching()).to.deep.equal([]);
  });
});
