// Nothing turned away in silence: the inbox's rejected, failed and filed emails through the API (the
// Health tab's list), their raw .eml, "Retry" and "Import anyway", and one notification per inbox per
// day for administrators.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { http, runtime } from '../../support/runtime.js';
import { createAccount, createAgent, createContact, createConversation, createInbox } from '../../support/factories.js';
import { append, clearInbox, createImapInbox, mime, runFetch, type ReceiveInbox } from './helpers.js';

describe('email receive: rejected and filed emails for review', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let inbox: ReceiveInbox;

  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });
  beforeEach(async () => {
    await clearInbox(sb);
    inbox = await createImapInbox(sb);
  });

  const base = () => `/api/v1/accounts/${inbox.account.id}/inboxes/${inbox.inboxId}/inbound_emails`;
  const list = async (token = inbox.account.admin.token) => (await (await http()).get(base()).set('api_access_token', token).expect(200)).body;
  const wizardTest = () => mime({ from: inbox.email, to: inbox.email, subject: 'LeadChat connection test', extra: ['X-LeadChat-Connection-Check: 1'] });
  const complaint = (id: string) => [
    'From: Abuse Desk <abuse@isp.example>', `To: ${inbox.email}`, 'Subject: FW: Earn money', `Message-ID: ${id}`, 'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b"', '',
    '--b', 'Content-Type: text/plain', '', 'An abuse report.', '--b', 'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', 'Version: 1', '--b--', '',
  ].join('\r\n');
  const notificationTypes = async (token: string) =>
    (await (await http()).get(`/api/v1/accounts/${inbox.account.id}/notifications`).set('api_access_token', token).expect(200)).body.data.payload
      .map((n: { notification_type: string; meta: { inbox_id: number } }) => `${n.notification_type}:${n.meta.inbox_id}`);

  it('lists what became no message with reason, sender and subject; serves its raw .eml; administrators only', async () => {
    const complaintId = `<${randomUUID()}@isp.example>`;
    const raw = complaint(complaintId);
    await append(sb, [wizardTest(), raw, mime({ to: inbox.email, subject: 'A real question' })]);
    expect((await runFetch(inbox.channelId)).counts).to.include({ created: 1, rejected: 1, filed: 1 });

    const body = await list();
    expect(body.meta).to.deep.include({ count: 2, counts: { rejected: 1, failed: 0, filed: 1 } });
    const filed = body.payload.find((r: { status: string }) => r.status === 'filed');
    expect(filed).to.include({ sender: 'Abuse Desk <abuse@isp.example>', subject: 'FW: Earn money', message_id: complaintId });
    expect(filed.reason).to.match(/^complaint: ARF feedback report/);
    const rejected = body.payload.find((r: { status: string }) => r.status === 'rejected');
    expect(rejected).to.include({ subject: 'LeadChat connection test', reason: 'connection test message sent by the inbox wizard' });

    const download = await (await http()).get(`${base()}/${filed.id}/raw`).set('api_access_token', inbox.account.admin.token).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    expect(download.headers['content-type']).to.match(/^message\/rfc822/);
    expect(download.headers['content-disposition']).to.match(/^attachment; filename="?inbound-email-\d+\.eml"?$/);
    expect((download.body as Buffer).toString('latin1').replace(/\r\n/g, '\n')).to.equal(raw.replace(/\r\n/g, '\n'));

    const agent = await createAgent(inbox.account);
    await (await http()).get(base()).set('api_access_token', agent.token).expect(403);
    await (await http()).get(`${base()}/${filed.id}/raw`).set('api_access_token', agent.token).expect(403);
  });

  it('"Import anyway" turns a filed email into a conversation; "Retry" runs the pipeline again as it is', async () => {
    const id = `<${randomUUID()}@isp.example>`;
    await append(sb, [complaint(id), wizardTest()]);
    await runFetch(inbox.channelId);
    const before = (await list()).payload as { id: number; status: string }[];
    const filed = before.find((r) => r.status === 'filed')!;
    const rejected = before.find((r) => r.status === 'rejected')!;
    // Conversations elsewhere move the global ids ahead of this account's own numbering.
    const elsewhere = await createAccount();
    const elsewhereInbox = await createInbox(elsewhere);
    const elsewhereContact = await createContact(elsewhere);
    for (let i = 0; i < 3; i++) await createConversation(elsewhere, { inbox_id: elsewhereInbox.id, contact_id: elsewhereContact.id });
    const agent = await createAgent(inbox.account);
    await (await http()).post(`${base()}/${filed.id}/import`).set('api_access_token', agent.token).expect(403);

    const retried = await (await http()).post(`${base()}/${rejected.id}/retry`).set('api_access_token', inbox.account.admin.token).expect(200);
    expect(retried.body).to.include({ status: 'rejected', conversation_id: null });

    const imported = await (await http()).post(`${base()}/${filed.id}/import`).set('api_access_token', inbox.account.admin.token).expect(200);
    expect(imported.body.status).to.equal('created');
    const { models } = await runtime();
    const message = (await models.Message.findByPk(imported.body.message_id))!;
    expect(message).to.include({ source_id: id });
    // The conversation is named as every Chatwoot path names it: by its id in the account.
    const shown = await (await http()).get(`/api/v1/accounts/${inbox.account.id}/conversations/${imported.body.conversation_id}`).set('api_access_token', inbox.account.admin.token).expect(200);
    expect(shown.body.id).to.equal(imported.body.conversation_id);
    expect((await models.Conversation.findByPk(message.conversation_id))!.display_id).to.equal(imported.body.conversation_id);
    expect((message.content_attributes.email as { mail_class: string }).mail_class).to.equal('complaint');
    expect((await list()).payload.map((r: { id: number }) => r.id)).to.deep.equal([rejected.id]);
    await (await http()).post(`${base()}/${filed.id}/import`).set('api_access_token', inbox.account.admin.token).expect(409);
  });

  it('tells administrators once per inbox per day that an email was rejected', async () => {
    const agent = await createAgent(inbox.account);
    await append(sb, [wizardTest()]);
    await runFetch(inbox.channelId);
    await append(sb, [wizardTest()]);
    await runFetch(inbox.channelId);
    expect((await list()).meta.counts.rejected).to.equal(2);
    expect(await notificationTypes(inbox.account.admin.token)).to.deep.equal([`email_inbound_rejected:${inbox.inboxId}`]);
    expect(await notificationTypes(agent.token)).to.deep.equal([]);

    // A day later, the next rejection is news again.
    const { sequelize } = await runtime();
    await sequelize.query(`UPDATE notifications SET created_at = created_at - interval '1 day' WHERE account_id = $1`, { bind: [inbox.account.id] });
    await append(sb, [wizardTest()]);
    await runFetch(inbox.channelId);
    expect(await notificationTypes(inbox.account.admin.token)).to.have.length(2);
  });
});
