// Replies as an email client sends them, through the real path (API -> email.send job -> reply mailer
// -> SMTP -> Dovecot, read back raw over IMAP): HTML + plain text, inline images, signatures once,
// quoted history, forwards with their files, and Undo within the send delay.
import { expect } from 'chai';
import type { ParsedMail } from 'mailparser';
import type { Runtime } from '../../../server/src/runtime.js';
import { createAccount, createAgent, type TestAccount } from '../../support/factories.js';
import { controlFetch, eventually, imapConnect, startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { awaitMail, passwordOf, readInbox, startSendRuntime } from './send-runtime.js';

const INFO = 'info@example.test';
const JANE = 'jane@example.test';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** The raw source of the mailbox's message with this Message-ID (mailparser hides the MIME tree). */
async function rawOf(sb: TestSandbox, address: string, messageId: string): Promise<string> {
  const client = await imapConnect(sb, { user: address, pass: passwordOf(sb, address) });
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      for await (const m of client.fetch('1:*', { source: true, envelope: true })) if (m.envelope?.messageId === messageId && m.source) return m.source.toString();
      throw new Error(`no ${messageId} in ${address}`);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('email send: replies like an email client (sandbox)', function () {
  this.timeout(40_000);
  let sb: TestSandbox;
  let rt: Runtime & { http: () => import('supertest').Agent };
  let account: TestAccount;
  let inboxId: number;
  let janeId: number;

  const api = (path: string) => `/api/v1/accounts/${account.id}${path}`;
  const as = (req: import('supertest').Test, token = account.admin.token) => req.set('api_access_token', token);
  const row = async (id: number) => (await rt.models.Message.findByPk(id))!;

  async function conversationWithIncoming(subject: string, text = 'The printer smokes.\nWhat now?'): Promise<{ displayId: number; uuid: string; incomingId: number }> {
    const conversation = (await as(rt.http().post(api('/conversations'))).send({ inbox_id: inboxId, contact_id: janeId }).expect(200)).body;
    const incoming = await as(rt.http().post(api(`/conversations/${conversation.id}/messages`)))
      .field('content', text).field('message_type', 'incoming')
      .attach('attachments[]', Buffer.from('%PDF-1.4 manual'), { filename: 'manual.pdf', contentType: 'application/pdf' })
      .expect(200);
    await rt.models.Message.update(
      { source_id: `<${subject.replace(/\W+/g, '-')}@customer.example>`, content_attributes: { email: { subject, from: [JANE], to: [INFO], cc: ['boss@customer.example'] } } },
      { where: { id: incoming.body.id } },
    );
    return { displayId: conversation.id, uuid: conversation.uuid, incomingId: incoming.body.id };
  }

  before(async () => {
    sb = await startTestSandbox();
    // A one-second undo window: every reply here waits it out, as in production (five by default).
    rt = await startSendRuntime(sb, { REPLY_UNDO_SECONDS: '1' });
    account = await createAccount();
    const res = await as(rt.http().post(api('/inboxes'))).send({
      name: 'Info',
      email_signature: 'The {{inbox.name}} team\n{{agent.name}} <{{agent.email}}>',
      channel: {
        type: 'email', email: INFO, smtp_enabled: true, smtp_address: sb.world.smtp.host, smtp_port: sb.world.smtp.port, smtp_login: INFO,
        smtp_password: passwordOf(sb, INFO), smtp_enable_starttls_auto: true, smtp_openssl_verify_mode: 'peer', smtp_authentication: 'login',
      },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ email_signature: 'The {{inbox.name}} team\n{{agent.name}} <{{agent.email}}>', quote_history: true });
    inboxId = res.body.id;
    janeId = (await as(rt.http().post(api('/contacts'))).send({ name: 'Jane Doe', email: JANE }).expect(200)).body.payload.contact.id;
    await as(rt.http().put('/api/v1/profile')).send({ message_signature: 'Admin Person\nHead of <Support>' }).expect(200);
  });

  after(async () => {
    if (inboxId) await as(rt.http().delete(api(`/inboxes/${inboxId}`)));
    await rt?.close();
    await sb?.close();
  });

  it('sends formatted HTML with a pasted image as cid:, a faithful text part, both signatures once and the quoted email; shows it as sent', async () => {
    const { displayId, uuid } = await conversationWithIncoming('Printer on fire');
    // SMTP says nothing of its size limit before sending; the undo window is the runtime's.
    const limits = await as(rt.http().get(api(`/conversations/${displayId}/reply_limits`))).expect(200);
    expect(limits.body).to.deep.equal({ max_message_bytes: null, max_attachment_bytes: 40 * 1024 * 1024, undo_seconds: 1 });
    const html = '<p>Hello <strong>Jane</strong>, please <em>unplug it</em>:</p><ul><li><p>switch off</p></li><li><p>wait</p></li></ul>'
      + '<p>See <a href="https://help.example.test/printers">the guide</a>.</p><p><img src="cid:shot1@leadchat" alt="screenshot"></p>';
    const res = await as(rt.http().post(api(`/conversations/${displayId}/messages`)))
      .field('html_content', html)
      .field('cc_emails', '')
      .field('inline_content_ids', 'shot1@leadchat')
      .attach('inline_attachments[]', PNG, { filename: 'image-1.png', contentType: 'image/png' })
      .expect(200);
    expect(res.body.content, 'the plain text API clients and search see').to.equal('Hello Jane, please unplug it:\n\n * switch off\n * wait\n\nSee the guide [https://help.example.test/printers].');
    expect(res.body.attachments).to.have.length(1);
    expect(res.body.attachments[0]).to.include({ inline: true, content_id: 'shot1@leadchat', file_type: 'image' });
    expect(res.body.content_attributes.undo_until).to.be.a('number');

    const messageId = `<conversation/${uuid}/messages/${res.body.id}@example.test>`;
    const mail = await awaitMail(sb, JANE, (m) => m.messageId === messageId, 15_000);
    const raw = await rawOf(sb, JANE, messageId);
    expect(raw).to.match(/Content-Type: multipart\/alternative/i);
    expect(raw).to.match(/Content-Type: multipart\/related/i);
    // Customer only: this was a plain Reply (the empty Cc turns off the implicit reply-all).
    expect(mail.cc).to.equal(undefined);

    const text = mail.text!;
    expect(text).to.contain('Hello Jane, please unplug it:\n\n * switch off\n * wait\n\nSee the guide [https://help.example.test/printers].');
    expect(count(text, 'Head of <Support>'), 'agent signature once in text').to.equal(1);
    expect(count(text, 'The Info team\nAdmin <admin'), 'inbox signature once, placeholders filled').to.equal(1);
    expect(text).to.match(/On \w{3}, \d+ \w{3} \d{4} at \d\d:\d\d, Jane Doe <jane@example\.test> wrote:\n\n> The printer smokes\.\n> What now\?/);
    expect(text.indexOf('Head of <Support>')).to.be.below(text.indexOf('wrote:'));
    expect(text).not.to.contain('cid:');

    const body = mail.html as string;
    expect(body).to.match(/<strong[^>]*>Jane<\/strong>/);
    expect(body).to.match(/<p style="[^"]*margin[^"]*">Hello/);
    expect(body).to.match(/<blockquote style="[^"]*border-left[^"]*">/);
    expect(count(body, 'Head of &lt;Support&gt;')).to.equal(1);
    expect(count(body, 'The Info team')).to.equal(1);
    const image = mail.attachments.find((a) => a.cid === 'shot1@leadchat');
    expect(image, 'the pasted image as an inline part').to.include({ contentType: 'image/png', contentDisposition: 'inline', related: true });
    expect(Buffer.compare(image!.content, PNG)).to.equal(0);
    // mailparser swaps cid: for data: URLs; the wire has the cid: reference.
    expect(raw).to.match(/src=(3D)?"cid:shot1@leadchat"/);

    await eventually(async () => (await row(res.body.id)).status === 'sent', 10_000);
    const shown = (await as(rt.http().get(api(`/conversations/${displayId}/messages`))).expect(200)).body.payload.at(-1);
    expect(shown.content_attributes.email.html_content.reply).to.contain('Head of &lt;Support&gt;');
    expect(shown.content_attributes.email.html_content.quoted).to.contain('wrote:');
    expect(shown.content_attributes.email).to.deep.include({ subject: 'Re: Printer on fire', to: [JANE], cc: [] });
  });

  it('leaves the quote out when asked or when the inbox turns it off, and still signs once', async () => {
    const { displayId, uuid } = await conversationWithIncoming('No quote please');
    const id = (m: { body: { id: number } }) => `<conversation/${uuid}/messages/${m.body.id}@example.test>`;
    const one = await as(rt.http().post(api(`/conversations/${displayId}/messages`))).send({ content: 'Short answer.', quote_history: false }).expect(200);
    const first = await awaitMail(sb, JANE, (m) => m.messageId === id(one), 15_000);
    await as(rt.http().patch(api(`/inboxes/${inboxId}`))).send({ quote_history: false, email_signature: null }).expect(200);
    const two = await as(rt.http().post(api(`/conversations/${displayId}/messages`))).send({ content: 'Second answer.' }).expect(200);
    const second = await awaitMail(sb, JANE, (m) => m.messageId === id(two), 15_000);
    await as(rt.http().patch(api(`/inboxes/${inboxId}`))).send({ quote_history: true, email_signature: 'The {{inbox.name}} team\n{{agent.name}} <{{agent.email}}>' }).expect(200);
    expect(first.text).not.to.contain('wrote:');
    expect(count(first.text!, 'The Info team')).to.equal(1);
    expect(second.text).not.to.contain('wrote:');
    expect(second.text).not.to.contain('The Info team');
    expect(count(second.text!, 'Head of <Support>')).to.equal(1);
  });

  it('forwards a message with its files to any address as a new thread, recorded in the conversation', async () => {
    const { displayId, incomingId } = await conversationWithIncoming('Manual needed');
    const bad = await as(rt.http().post(api(`/conversations/${displayId}/messages/${incomingId}/forward`))).send({ to_emails: 'not an address' }).expect(422);
    expect(bad.body.error.fields[0].path).to.match(/^to_emails/);
    const res = await as(rt.http().post(api(`/conversations/${displayId}/messages/${incomingId}/forward`)))
      .send({ to_emails: 'partner@elsewhere.test', cc_emails: JANE, html_content: '<p>FYI, see the <b>manual</b> below.</p>' })
      .expect(200);
    expect(res.body.content_attributes).to.deep.include({ forwarded_message_id: incomingId, to_emails: ['partner@elsewhere.test'], cc_emails: [JANE] });
    expect(res.body.attachments.map((a: { filename: string }) => a.filename)).to.deep.equal(['manual.pdf']);

    const mail = await awaitMail(sb, JANE, (m: ParsedMail) => m.subject === 'Fwd: Manual needed', 15_000);
    expect(mail.inReplyTo).to.equal(undefined);
    expect(mail.text).to.contain('FYI, see the manual below.');
    expect(mail.text).to.match(/---------- Forwarded message ---------\nFrom: Jane Doe <jane@example\.test>\nDate: .+\nSubject: Manual needed\nTo: info@example\.test/);
    expect(mail.text).to.contain('The printer smokes.');
    expect(mail.text).not.to.contain('wrote:');
    expect(mail.attachments.map((a) => [a.filename, a.content.toString()])).to.deep.equal([['manual.pdf', '%PDF-1.4 manual']]);
    const sent = (await controlFetch(sb, 'GET', '/sent')).json as { subject: string; to: string[]; cc: string[] }[];
    expect(sent.find((s) => s.subject === 'Fwd: Manual needed')).to.deep.include({ to: ['partner@elsewhere.test'], cc: [JANE] });
  });

  it('undo send: a reply cancelled within the window never leaves; after it, or by someone else, it cannot be cancelled', async () => {
    const { displayId } = await conversationWithIncoming('Undo me');
    const res = await as(rt.http().post(api(`/conversations/${displayId}/messages`))).send({ content: 'Oops, wrong customer' }).expect(200);
    const cancelled = await as(rt.http().post(api(`/conversations/${displayId}/messages/${res.body.id}/cancel`))).expect(200);
    expect(cancelled.body).to.include({ id: res.body.id, content: 'Oops, wrong customer', status: 'sending' });
    expect(await rt.models.Message.findByPk(res.body.id)).to.equal(null);

    const kept = await as(rt.http().post(api(`/conversations/${displayId}/messages`))).send({ content: 'The right answer' }).expect(200);
    await eventually(async () => (await row(kept.body.id)).status === 'sent', 10_000);
    const other = await createAgent(account, 'Other Agent');
    await rt.models.InboxMember.create({ inbox_id: inboxId, user_id: other.id });
    await as(rt.http().post(api(`/conversations/${displayId}/messages/${kept.body.id}/cancel`)), other.token).expect(404);
    const late = await as(rt.http().post(api(`/conversations/${displayId}/messages/${kept.body.id}/cancel`))).expect(409);
    expect(late.body.error.code).to.equal('conflict');
    const subjects = (await readInbox(sb, JANE)).filter((m) => m.subject === 'Re: Undo me').map((m) => m.text?.split('\n')[0]);
    expect(subjects).to.deep.equal(['The right answer']);
  });
});
