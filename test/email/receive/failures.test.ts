// Failure handling through the real fetch: refused logins back off 5 -> 15 -> 60 min and mark the
// channel for re-authorization with one notification per change of state; network errors back off
// without that mark; an email whose ingestion fails is kept and retried a bounded number of times.
import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { http, runtime } from '../../support/runtime.js';
import { addToAccount, createAccount, createAgent, createContact, createConversation, createUser } from '../../support/factories.js';
import { Message } from '../../../server/src/models/index.js';
import { EmailFetchState, InboundEmail } from '../../../server/src/channels/email/receive/receive.model.js';
import { dueChannelIds } from '../../../server/src/channels/email/receive/email-fetch.job.js';
import { repoRoot } from '../../../server/src/lib/paths.js';
import { append, clearInbox, createImapInbox, MAILBOX, mime, runFetch, type ReceiveInbox } from './helpers.js';

const MINUTE = 60_000;

describe('email receive: failure handling', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });

  const state = async (channelId: number) => (await EmailFetchState.findOne({ where: { channel_id: channelId } }))!;
  /** Lets the backoff pass, as time would. */
  const timePasses = (channelId: number) => EmailFetchState.update({ next_attempt_at: new Date(Date.now() - 1_000) }, { where: { channel_id: channelId } });
  const backoffMinutes = async (channelId: number) => Math.round(((await state(channelId)).next_attempt_at!.getTime() - Date.now()) / MINUTE);
  const notifications = async (inbox: ReceiveInbox, token: string) =>
    (await (await http()).get(`/api/v1/accounts/${inbox.account.id}/notifications`).set('api_access_token', token).expect(200)).body.data;
  const inboxPayload = async (inbox: ReceiveInbox) =>
    (await (await http()).get(`/api/v1/accounts/${inbox.account.id}/inboxes/${inbox.inboxId}`).set('api_access_token', inbox.account.admin.token).expect(200)).body;

  it('backs off 5 -> 15 -> 60 min on refused logins, then asks for re-authorization with one notification per change of state', async () => {
    const inbox = await createImapInbox(sb, { password: 'wrong-password' });
    const secondAdmin = await createUser('Second Admin');
    await addToAccount(inbox.account.id, secondAdmin, 'administrator');
    const agent = await createAgent(inbox.account);

    const first = await runFetch(inbox.channelId);
    expect(first.status).to.equal('failed');
    expect(first.reason).to.match(/^reauth/);
    expect(await backoffMinutes(inbox.channelId)).to.equal(5);
    expect((await runFetch(inbox.channelId)).reason, 'the backoff holds').to.equal('backing off');
    expect(await dueChannelIds()).to.not.include(inbox.channelId);

    await timePasses(inbox.channelId);
    await runFetch(inbox.channelId);
    expect(await backoffMinutes(inbox.channelId)).to.equal(15);
    expect((await inboxPayload(inbox)).reauthorization_required).to.equal(false);
    expect((await notifications(inbox, inbox.account.admin.token)).payload).to.deep.equal([]);

    await timePasses(inbox.channelId);
    await runFetch(inbox.channelId);
    expect(await backoffMinutes(inbox.channelId)).to.equal(60);
    const payload = await inboxPayload(inbox);
    expect(payload.reauthorization_required).to.equal(true);
    expect(payload.health).to.include({ consecutive_failures: 3 });
    expect(payload.health.last_error).to.match(/auth/i);

    // A further forced attempt fails again: still one notification per administrator, none for agents.
    expect((await runFetch(inbox.channelId)).reason).to.equal('reauthorization required');
    await runFetch(inbox.channelId, true);
    for (const token of [inbox.account.admin.token, secondAdmin.token]) {
      const list = await notifications(inbox, token);
      expect(list.payload.map((n: { notification_type: string }) => n.notification_type)).to.deep.equal(['email_channel_reauthorization_required']);
      expect(list.payload[0].meta).to.include({ inbox_id: inbox.inboxId, email: inbox.email });
      expect(list.meta).to.include({ count: 1, unread_count: 1 });
    }
    expect((await notifications(inbox, agent.token)).payload).to.deep.equal([]);
    expect(await dueChannelIds()).to.not.include(inbox.channelId);

    // The administrator fixes the password: the next fetch recovers, clears the state and says so once.
    await (await http()).patch(`/api/v1/accounts/${inbox.account.id}/inboxes/${inbox.inboxId}`).set('api_access_token', inbox.account.admin.token)
      .send({ channel: { imap_password: 'info-pass' } }).expect(200);
    expect((await runFetch(inbox.channelId, true)).status).to.equal('fetched');
    expect((await runFetch(inbox.channelId)).status).to.equal('fetched');
    const recovered = await inboxPayload(inbox);
    expect(recovered.reauthorization_required).to.equal(false);
    expect(recovered.health).to.include({ consecutive_failures: 0, last_error: null, next_attempt_at: null });
    const types = (await notifications(inbox, inbox.account.admin.token)).payload.map((n: { notification_type: string }) => n.notification_type);
    expect(types).to.deep.equal(['email_channel_recovered', 'email_channel_reauthorization_required']);
  });

  it('a reply while the inbox needs re-authorization fails at once, kept; the recovery puts it back in the send queue', async () => {
    const account = await createAccount();
    const api = await http();
    const as = <T extends { set: (k: string, v: string) => T }>(req: T) => req.set('api_access_token', account.admin.token);
    const created = await as(api.post(`/api/v1/accounts/${account.id}/inboxes`)).send({
      name: 'Support',
      channel: {
        type: 'email', email: `support.${Date.now()}@example.test`, imap_enabled: true, imap_address: sb.world.imap.host, imap_port: sb.world.imap.port,
        imap_login: MAILBOX.user, imap_password: 'wrong-password', imap_enable_ssl: false,
        smtp_enabled: true, smtp_address: sb.world.smtp.host, smtp_port: sb.world.smtp.port, smtp_login: MAILBOX.user, smtp_password: 'wrong-password',
      },
    }).expect(200);
    const channelId = created.body.channel_id as number;
    for (let attempt = 0; attempt < 3; attempt++) {
      await timePasses(channelId);
      await runFetch(channelId);
    }
    const contact = await createContact(account);
    const conversation = await createConversation(account, { inbox_id: created.body.id, contact_id: contact.id });

    const reply = await as(api.post(`/api/v1/accounts/${account.id}/conversations/${conversation.id}/messages`)).send({ content: 'We are on it.' }).expect(200);
    expect(reply.body).to.include({ status: 'failed', external_error: 'Support needs reconnecting — an administrator has been told' });
    expect(reply.body.content_attributes).to.include({ awaiting_reconnect: true });

    await as(api.patch(`/api/v1/accounts/${account.id}/inboxes/${created.body.id}`)).send({ channel: { imap_password: MAILBOX.pass, smtp_password: MAILBOX.pass } }).expect(200);
    expect((await runFetch(channelId, true)).status).to.equal('fetched');
    const released = (await Message.findByPk(reply.body.id))!;
    expect(released.status).to.equal('sending');
    expect(released.external_error).to.equal(null);
    expect(released.content_attributes).to.not.have.property('awaiting_reconnect');
  });

  it('backs off on network errors (closed port) and never marks the channel for re-authorization', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const inbox = await createImapInbox(sb, { port: closedPort });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const outcome = await runFetch(inbox.channelId);
      expect(outcome.reason).to.match(/^transient: .*ECONNREFUSED|^transient/);
      waits.push(await backoffMinutes(inbox.channelId));
      await timePasses(inbox.channelId);
    }
    expect(waits).to.deep.equal([1, 2, 4, 8]);
    const s = await state(inbox.channelId);
    expect(s).to.include({ auth_failures: 0, last_error_kind: 'transient', consecutive_failures: 4 });
    expect((await inboxPayload(inbox)).reauthorization_required).to.equal(false);
    expect((await notifications(inbox, inbox.account.admin.token)).payload).to.deep.equal([]);
  });

  it('keeps an email whose ingestion fails, retries it on later fetches, and gives up after 3 attempts with the reason', async () => {
    await clearInbox(sb);
    const inbox = await createImapInbox(sb);
    const rt = await runtime();
    // Attachment storage breaks: a file where the inbox's attachment folder must go.
    const blocker = path.resolve(repoRoot, rt.config.STORAGE_DIR!, 'attachments', String(inbox.account.id), String(inbox.inboxId));
    fs.rmSync(blocker, { recursive: true, force: true }); // left by an earlier run (ids restart with the database)
    fs.mkdirSync(path.dirname(blocker), { recursive: true });
    fs.writeFileSync(blocker, 'not a folder');
    const withAttachment = (subject: string) => [
      `From: jane@example.test`, `To: ${inbox.email}`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}@example.test>`, 'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'see attached', '--b',
      'Content-Type: application/pdf; name="a.pdf"', 'Content-Disposition: attachment; filename="a.pdf"', 'Content-Transfer-Encoding: base64', '', 'JVBERi0xLjQK', '--b--', '',
    ].join('\r\n');
    try {
      await append(sb, [withAttachment('retried later'), mime({ subject: 'plain one' })]);
      const first = await runFetch(inbox.channelId);
      expect(first.status, 'one bad email does not block the others').to.equal('fetched');
      expect(first.counts).to.include({ created: 1, failed: 1 });
      const row = (await InboundEmail.findOne({ where: { inbox_id: inbox.inboxId, status: 'failed' } }))!;
      expect(row).to.include({ attempts: 1 });
      expect(row.error_reason).to.match(/ENOTDIR|EEXIST|not a directory/i);
      expect(await rt.storage.exists(row.storage_key!)).to.equal(true);

      await runFetch(inbox.channelId);
      await row.reload();
      expect(row).to.include({ status: 'failed', attempts: 2 });
      fs.rmSync(blocker);
      const third = await runFetch(inbox.channelId);
      expect(third.counts).to.include({ created: 1 });
      await row.reload();
      expect(row).to.include({ status: 'ingested', attempts: 3, error_reason: null });
      const message = await rt.models.Message.findByPk(row.message_id!, { include: [{ model: rt.models.Attachment, as: 'attachments' }] });
      expect(message!.attachments!.map((a) => a.filename)).to.deep.equal(['a.pdf']);

      // The same failure three times in a row: rejected for good, with the reason, raw kept.
      fs.rmSync(blocker, { recursive: true });
      fs.writeFileSync(blocker, 'not a folder');
      await append(sb, [withAttachment('never works')]);
      for (let i = 0; i < 4; i++) await runFetch(inbox.channelId);
      const given = (await InboundEmail.findOne({ where: { inbox_id: inbox.inboxId, message_id_header: '<neverworks@example.test>' } }))!;
      expect(given).to.include({ status: 'rejected', attempts: 3 });
      expect(given.error_reason).to.match(/^gave up after 3 attempts: /);
    } finally {
      fs.rmSync(blocker, { recursive: true, force: true });
    }
  });
});
