// An agent's reply through the real path: API -> `sending` -> email.send job -> reply mailer ->
// `smtp` delivery -> the sandbox's SMTP submission -> Dovecot, read back over IMAP.
import { expect } from 'chai';
import type { Runtime } from '../../../server/src/runtime.js';
import { createAccount, createAgent, type TestAccount } from '../../support/factories.js';
import MailComposer from 'nodemailer/lib/mail-composer';
import { controlFetch, eventually, imapConnect, startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { awaitMail, passwordOf, startSendRuntime } from './send-runtime.js';
import { freePort } from '../../../sandbox/src/ports.js';

const INFO = 'info@example.test';
const JANE = 'jane@example.test';

describe('email send: agent replies over SMTP (sandbox)', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let rt: Runtime & { http: () => import('supertest').Agent };
  let account: TestAccount;
  let inboxId: number;
  let janeId: number;

  const api = (path: string) => `/api/v1/accounts/${account.id}${path}`;
  const smtpAs = (login: string, port = sb.world.smtp.port) => ({
    channel: { smtp_address: sb.world.smtp.host, smtp_port: port, smtp_login: login, smtp_password: passwordOf(sb, login) },
  });
  const patchInbox = async (body: Record<string, unknown>) => rt.http().patch(api(`/inboxes/${inboxId}`)).set('api_access_token', account.admin.token).send(body).expect(200);
  const messageRow = async (id: number) => (await rt.models.Message.findByPk(id))!;

  /** A conversation with Jane whose last incoming email has a Message-ID and a References chain, as ingestion stores them. */
  async function conversationWithIncoming(subject: string): Promise<{ displayId: number; uuid: string; incomingId: string }> {
    const conversation = await rt.http().post(api('/conversations')).set('api_access_token', account.admin.token).send({ inbox_id: inboxId, contact_id: janeId }).expect(200).then((r) => r.body);
    const incoming = await rt.http().post(api(`/conversations/${conversation.id}/messages`)).set('api_access_token', account.admin.token).send({ content: 'It smokes', message_type: 'incoming' }).expect(200);
    const incomingId = `<${subject.replace(/\W+/g, '-')}-2@customer.example>`;
    await rt.models.Message.update(
      {
        source_id: incomingId,
        content_attributes: { email: { subject, from: [JANE], to: [INFO], cc: ['boss@customer.example', INFO], references: [`<${subject.replace(/\W+/g, '-')}-1@customer.example>`] } },
      },
      { where: { id: incoming.body.id } },
    );
    return { displayId: conversation.id, uuid: conversation.uuid, incomingId };
  }

  before(async () => {
    sb = await startTestSandbox();
    rt = await startSendRuntime(sb);
    account = await createAccount();
    const res = await rt.http().post(api('/inboxes')).set('api_access_token', account.admin.token).send({
      name: 'Info',
      channel: {
        type: 'email', email: INFO, smtp_enabled: true, smtp_address: sb.world.smtp.host, smtp_port: sb.world.smtp.port, smtp_login: INFO,
        smtp_password: passwordOf(sb, INFO), smtp_enable_starttls_auto: true, smtp_openssl_verify_mode: 'peer', smtp_authentication: 'login',
      },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    inboxId = res.body.id;
    const contact = await rt.http().post(api('/contacts')).set('api_access_token', account.admin.token).send({ name: 'Jane Doe', email: JANE }).expect(200);
    janeId = contact.body.payload.contact.id;
  });

  after(async () => {
    // info@example.test is one inbox per installation: free it for the other suites.
    if (inboxId) await rt.http().delete(api(`/inboxes/${inboxId}`)).set('api_access_token', account.admin.token);
    await rt?.close();
    await sb?.close();
  });

  it('delivers a reply with threading headers, Cc/Bcc and an attachment into the customer\'s mailbox; sending -> sent', async () => {
    const { displayId, uuid, incomingId } = await conversationWithIncoming('Printer on fire');
    const res = await rt.http().post(api(`/conversations/${displayId}/messages`)).set('api_access_token', account.admin.token)
      .field('content', 'Unplug it first.\n\nThen call us.')
      .field('bcc_emails', 'audit@customer.example')
      .attach('attachments[]', Buffer.from('1. unplug\n2. wait\n'), { filename: 'steps.txt', contentType: 'text/plain' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ status: 'sending', message_type: 1, private: false });
    expect(res.body.content_attributes).to.deep.equal({ bcc_emails: ['audit@customer.example'] });
    expect(res.body.attachments).to.have.length(1);
    expect(res.body.attachments[0]).to.include({ filename: 'steps.txt', file_type: 'file', extension: 'txt', file_size: 18 });

    const messageId = `<conversation/${uuid}/messages/${res.body.id}@example.test>`;
    await eventually(async () => (await messageRow(res.body.id)).status === 'sent', 10_000);
    expect((await messageRow(res.body.id)).source_id).to.equal(messageId);

    const mail = await awaitMail(sb, JANE, (m) => m.messageId === messageId);
    expect(mail.subject).to.equal('Re: Printer on fire');
    expect(mail.inReplyTo).to.equal(incomingId);
    expect(mail.references).to.deep.equal(['<Printer-on-fire-1@customer.example>', incomingId]);
    expect(mail.from?.value).to.deep.equal([{ address: INFO, name: 'Admin from Info' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).to.deep.equal([JANE]);
    // Reply-all: the customer's Cc minus our own address; the Bcc never shows in the delivered copy.
    expect(mail.cc && !Array.isArray(mail.cc) ? mail.cc.value.map((a) => a.address) : []).to.deep.equal(['boss@customer.example']);
    expect(mail.headers.has('bcc')).to.equal(false);
    // The inbox quotes the previous message by default, as mail clients do.
    expect(mail.text?.trim()).to.match(/^Unplug it first\.\n\nThen call us\.\n\nOn \w{3}, \d+ \w{3} \d{4} at \d\d:\d\d, Jane Doe <jane@example\.test> wrote:\n\n> It smokes$/);
    expect(mail.html).to.match(/<p style="[^"]*">Unplug it first\.<\/p>/);
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).to.deep.equal([['steps.txt', 'text/plain', '1. unplug\n2. wait\n']]);

    const sent = (await controlFetch(sb, 'GET', '/sent')).json as { via: string; messageId: string; submittedBy: string; bcc: string[] }[];
    expect(sent.find((s) => s.messageId === messageId)).to.deep.include({ via: 'smtp', submittedBy: INFO, bcc: ['audit@customer.example'] });
  });

  it('serves a reply\'s attachment at its data_url to those who may see the conversation, and 404 to others', async () => {
    const { displayId } = await conversationWithIncoming('Download check');
    const res = await rt.http().post(api(`/conversations/${displayId}/messages`)).set('api_access_token', account.admin.token)
      .field('content', 'Here is the photo and the manual.')
      .attach('attachments[]', Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), { filename: 'photo.png', contentType: 'image/png' })
      .attach('attachments[]', Buffer.from('<svg onload="alert(1)"/>'), { filename: 'manual é.svg', contentType: 'image/svg+xml' })
      .expect(200);
    const [png, svg] = res.body.attachments as { id: number; data_url: string; file_type: string }[];
    expect(png.data_url).to.equal(`/api/v1/accounts/${account.id}/attachments/${png.id}/download`);
    expect(png.file_type).to.equal('image');

    const image = await rt.http().get(png.data_url).set('api_access_token', account.admin.token).buffer(true).expect(200);
    expect(image.headers['content-type']).to.equal('image/png');
    expect(image.headers['content-disposition']).to.equal('inline; filename=photo.png');
    expect(Buffer.compare(image.body as Buffer, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]))).to.equal(0);
    const file = await rt.http().get(svg.data_url).set('api_access_token', account.admin.token).expect(200);
    expect(file.headers['content-disposition']).to.match(/^attachment; filename="manual \?\.svg"; filename\*=UTF-8''manual%20%C3%A9\.svg$/);
    expect(file.headers['content-security-policy']).to.contain('sandbox');

    const outsider = await createAccount();
    await rt.http().get(png.data_url).set('api_access_token', outsider.admin.token).expect(404);
    await rt.http().get(`/api/v1/accounts/${outsider.id}/attachments/${png.id}/download`).set('api_access_token', outsider.admin.token).expect(404);
    const agent = await createAgent(account, 'Not In Inbox');
    await rt.http().get(png.data_url).set('api_access_token', agent.token).expect(404);
    await rt.models.InboxMember.create({ inbox_id: inboxId, user_id: agent.id });
    await rt.http().get(png.data_url).set('api_access_token', agent.token).expect(200);
  });

  it('marks a reply the server refuses (5xx) failed with the server\'s words, does not retry it, and sends it on retry once fixed', async () => {
    const { displayId } = await conversationWithIncoming('Refused');
    // SASL user jane may not send From info@: the sandbox answers 550 5.7.60 like Exchange.
    await patchInbox(smtpAs(JANE));
    const statusEvents: string[] = [];
    rt.events.on('message.updated', (e) => void statusEvents.push(`${e.messageId}:${e.changes.join(',')}`), 'test');
    try {
      const res = await rt.http().post(api(`/conversations/${displayId}/messages`)).set('api_access_token', account.admin.token).send({ content: 'You will not see this' }).expect(200);
      await eventually(async () => (await messageRow(res.body.id)).status === 'failed', 10_000);
      const failed = await messageRow(res.body.id);
      expect(failed.external_error).to.match(/^550 5\.7\.60 .*not allowed to send as info@example\.test/);
      const jobs = (await rt.queues.queue('email.send').getFailed()).filter((j) => j.data.messageId === res.body.id);
      expect(jobs.map((j) => j.attemptsMade)).to.deep.equal([1]);
      const shown = await rt.http().get(api(`/conversations/${displayId}/messages`)).set('api_access_token', account.admin.token).expect(200);
      expect(shown.body.payload.find((m: { id: number }) => m.id === res.body.id)).to.include({ status: 'failed', external_error: failed.external_error });

      await patchInbox(smtpAs(INFO));
      const retried = await rt.http().post(api(`/conversations/${displayId}/messages/${res.body.id}/retry`)).set('api_access_token', account.admin.token).expect(200);
      expect(retried.body).to.include({ status: 'sending', external_error: null });
      await eventually(async () => (await messageRow(res.body.id)).status === 'sent', 10_000);
      await awaitMail(sb, JANE, (m) => m.subject === 'Re: Refused');
      const again = await rt.http().post(api(`/conversations/${displayId}/messages/${res.body.id}/retry`)).set('api_access_token', account.admin.token);
      expect(again.status).to.equal(422);
      // Dashboards are told of every status change: failed, back to sending on retry, then sent.
      expect(statusEvents.filter((e) => e.startsWith(`${res.body.id}:`))).to.deep.equal([`${res.body.id}:status:failed`, `${res.body.id}:status:sending`, `${res.body.id}:status:sent`]);
    } finally {
      await patchInbox(smtpAs(INFO));
    }
  });

  it('retries a reply after a transient failure (server unreachable) with backoff, and it goes out once the server is back', async () => {
    const { displayId } = await conversationWithIncoming('Unreachable');
    await patchInbox(smtpAs(INFO, await freePort()));
    try {
      const res = await rt.http().post(api(`/conversations/${displayId}/messages`)).set('api_access_token', account.admin.token).send({ content: 'Second try works' }).expect(200);
      const queue = rt.queues.queue('email.send');
      const delayed = await eventually(async () => (await queue.getDelayed()).find((j) => j.data.messageId === res.body.id), 10_000);
      expect(delayed.attemptsMade).to.equal(1);
      expect(delayed.stacktrace.join('\n')).to.match(/ECONNREFUSED/);
      expect(await messageRow(res.body.id)).to.include({ status: 'sending', external_error: null });

      await patchInbox(smtpAs(INFO));
      await delayed.promote(); // skip the backoff wait instead of sleeping through it
      await eventually(async () => (await messageRow(res.body.id)).status === 'sent', 10_000);
      await awaitMail(sb, JANE, (m) => m.subject === 'Re: Unreachable');
    } finally {
      await patchInbox(smtpAs(INFO));
    }
  });

  it('never sends private notes or incoming messages', async () => {
    const { displayId } = await conversationWithIncoming('Private');
    const note = await rt.http().post(api(`/conversations/${displayId}/messages`)).set('api_access_token', account.admin.token).send({ content: 'internal only', private: true }).expect(200);
    const incoming = await rt.http().post(api(`/conversations/${displayId}/messages`)).set('api_access_token', account.admin.token).send({ content: 'from the customer', message_type: 'incoming' }).expect(200);
    expect(note.body.status).to.equal('sent');
    expect(incoming.body.status).to.equal('sent');
    const queued = await rt.queues.queue('email.send').getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    expect(queued.map((j) => j.data.messageId)).to.not.include.members([note.body.id, incoming.body.id]);
  });

  it('round trip: a customer\'s email is fetched, the agent\'s reply reaches her, and her answer lands back in the same conversation', async () => {
    await patchInbox({ channel: { imap_enabled: true, imap_address: sb.world.imap.host, imap_port: sb.world.imap.port, imap_login: INFO, imap_password: passwordOf(sb, INFO), imap_enable_ssl: false } });
    const channelId = (await rt.models.Inbox.findByPk(inboxId))!.channel_id;
    const fetch = async () => (await rt.queues.queue('email.fetch').add({ channelId, force: true })).finished();
    const customerWrites = async (mail: Record<string, unknown>) => {
      const raw = await new MailComposer({ from: `Jane Doe <${JANE}>`, to: INFO, date: new Date(), ...mail }).compile().build();
      const client = await imapConnect(sb, { user: INFO, pass: passwordOf(sb, INFO) });
      try {
        await client.append('INBOX', raw);
      } finally {
        await client.logout();
      }
    };
    const bySourceId = (id: string) => rt.models.Message.findOne({ where: { inbox_id: inboxId, source_id: id } });
    // Editing the inbox above queued a fetch of its own; a fetch that meets it holding the channel's
    // lock steps aside, so fetch until the message is there rather than trusting one run.
    const fetchUntil = (id: string) => eventually(async () => (await fetch(), await bySourceId(id)) ?? undefined, 10_000);

    // First connect, no backfill: the cursor starts at the mailbox's end — wait until it is recorded.
    await eventually(async () => (await fetch(), (await rt.sequelize.query('SELECT 1 FROM email_fetch_cursors WHERE channel_id = ?', { replacements: [channelId] }))[0].length > 0), 10_000);
    await customerWrites({ subject: 'Widget broken', messageId: '<rt-1@customer.example>', text: 'The widget is broken.' });
    const first = await fetchUntil('<rt-1@customer.example>');
    const conversation = (await rt.models.Conversation.findByPk(first.conversation_id))!;

    const reply = await rt.http().post(api(`/conversations/${conversation.display_id}/messages`)).set('api_access_token', account.admin.token).send({ content: 'Send it back, we will replace it.' }).expect(200);
    const ours = `<conversation/${conversation.uuid}/messages/${reply.body.id}@example.test>`;
    await eventually(async () => (await messageRow(reply.body.id)).status === 'sent', 10_000);
    const delivered = await awaitMail(sb, JANE, (m) => m.messageId === ours);
    expect(delivered.subject).to.equal('Re: Widget broken');
    expect(delivered.inReplyTo).to.equal('<rt-1@customer.example>');

    await customerWrites({ subject: 'Re: Widget broken', messageId: '<rt-2@customer.example>', inReplyTo: ours, references: ['<rt-1@customer.example>', ours], text: 'Thanks, shipped.' });
    const answer = await fetchUntil('<rt-2@customer.example>');
    expect(answer).to.include({ conversation_id: conversation.id, message_type: 'incoming' });
  });
});
