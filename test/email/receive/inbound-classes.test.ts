// What each kind of inbound email does, through the real fetch from Dovecot: mail with no usable From
// still reaches an agent (with the reason shown), old Mac line endings are read, each class follows
// its policy (reopen, wait, filed apart), and a giant subject is capped where lists carry it.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { runtime } from '../../support/runtime.js';
import type { Conversation, Message } from '../../../server/src/models/index.js';
import { InboundEmail } from '../../../server/src/channels/email/receive/receive.model.js';
import { UNKNOWN_SENDER_IDENTIFIER } from '../../../server/src/channels/email/receive/email-ingestion.service.js';
import { append, clearInbox, createImapInbox, mime, runFetch, type ReceiveInbox } from './helpers.js';

/** An email with exactly these header lines (mime() always writes a From). */
const raw = (headers: string[], body = 'Hello there') =>
  [...headers, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');

describe('email receive: senders, classes and limits', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let inbox: ReceiveInbox;

  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });
  beforeEach(async () => {
    await clearInbox(sb);
    inbox = await createImapInbox(sb);
  });

  const messageOf = async (messageId: string): Promise<Message> => (await (await runtime()).models.Message.findOne({ where: { inbox_id: inbox.inboxId, source_id: messageId } }))!;
  const receive = async (email: string, messageId: string): Promise<Message> => {
    await append(sb, [email]);
    const outcome = await runFetch(inbox.channelId);
    expect(outcome.counts.created, JSON.stringify(outcome)).to.equal(1);
    return messageOf(messageId);
  };
  const email = (m: Message) => m.content_attributes.email as Record<string, any>;

  it('takes the sender from Sender, Reply-To, then Return-Path when From is missing, empty or unparsable, and says so', async () => {
    const { models } = await runtime();
    const cases: [string[], string, string][] = [
      [['From: <>', 'Sender: Desk Robot <robot@example.test>'], 'sender', 'robot@example.test'],
      [['From: Jane without address', 'Reply-To: Jane <jane.reply@example.test>'], 'reply_to', 'jane.reply@example.test'],
      [['Return-Path: <bounce-path@example.test>'], 'return_path', 'bounce-path@example.test'],
    ];
    for (const [headers, source, address] of cases) {
      const id = `<${randomUUID()}@example.test>`;
      const m = await receive(raw([...headers, `To: ${inbox.email}`, 'Subject: no from', `Message-ID: ${id}`]), id);
      expect(email(m).sender_fallback, source).to.include({ source, address });
      expect((await models.Contact.findByPk(m.sender_id!))!.email, source).to.equal(address);
    }
  });

  it('gives mail that names no sender anywhere to an "Unknown sender" contact instead of rejecting it', async () => {
    const { models } = await runtime();
    const ids = [`<${randomUUID()}@example.test>`, `<${randomUUID()}@example.test>`];
    const a = await receive(raw(['Return-Path: <>', 'From: <>', `To: ${inbox.email}`, 'Subject: Undelivered Mail', `Message-ID: ${ids[0]}`]), ids[0]);
    const b = await receive(raw([`To: ${inbox.email}`, 'Subject: anonymous', `Message-ID: ${ids[1]}`]), ids[1]);
    expect(email(a).sender_fallback).to.deep.equal({ source: 'unknown', address: null, from_header: '<>' });
    const contact = await models.Contact.findByPk(a.sender_id!);
    expect(contact).to.include({ name: 'Unknown sender', identifier: UNKNOWN_SENDER_IDENTIFIER, email: null });
    expect(b.sender_id, 'one placeholder contact per account').to.equal(a.sender_id);
    expect(await InboundEmail.count({ where: { inbox_id: inbox.inboxId, status: 'rejected' } })).to.equal(0);
  });

  it('reads an email with old-Mac CR-only line endings (headers, body), keeping the raw as received', async () => {
    const id = `<${randomUUID()}@example.test>`;
    const cr = `From: Old Mac <mac@example.test>\rTo: ${inbox.email}\rSubject: Classic\rMessage-ID: ${id}\rContent-Type: text/plain\r\rLine one\rLine two\r`;
    const m = await receive(cr, id);
    expect(email(m)).to.include({ subject: 'Classic' });
    expect(email(m).from).to.deep.equal(['mac@example.test']);
    expect(m.content).to.match(/Line one\r?\nLine two/);
    const row = (await InboundEmail.findOne({ where: { inbox_id: inbox.inboxId, message_id: m.id } }))!;
    const kept = (await buffer((await runtime()).storage.get(row.storage_key!))).toString('latin1');
    expect(kept, 'kept with its CR-only line endings').to.include('Subject: Classic\rMessage-ID').and.not.include('\n');
  });

  it('keeps display names of From, Reply-To, To and Cc, and flags a display name that shows another address', async () => {
    const id = `<${randomUUID()}@example.test>`;
    const m = await receive(raw([
      'From: "alice@example.com" <bob@evil.test>', 'Reply-To: Carol <carol@third.test>', `To: =?UTF-8?B?6rmAIO2YhOynhA==?= <${inbox.email}>`, 'Cc: "Dan D." <dan@example.test>', 'Subject: invoice', `Message-ID: ${id}`,
    ]), id);
    expect(email(m).participants).to.deep.equal({
      from: [{ name: 'alice@example.com', address: 'bob@evil.test' }],
      reply_to: [{ name: 'Carol', address: 'carol@third.test' }],
      to: [{ name: '김 현진', address: inbox.email }],
      cc: [{ name: 'Dan D.', address: 'dan@example.test' }],
    });
    expect(email(m).sender_warning).to.deep.equal({ kind: 'display_name_address', claimed: 'alice@example.com', actual: 'bob@evil.test' });
    const id2 = `<${randomUUID()}@example.test>`;
    const honest = await receive(raw(['From: "bob@evil.test" <BOB@evil.test>', `To: ${inbox.email}`, 'Subject: hi', `Message-ID: ${id2}`]), id2);
    expect(email(honest), 'a name that is the same address is no warning').to.not.have.property('sender_warning');
  });

  it('reads forwarded emails inline, recursively with their files; a forward that is the whole email becomes the text', async () => {
    const innermost = raw(['From: Origin <origin@example.test>', 'To: mid@example.test', 'Subject: The original', 'Message-ID: <inner@example.test>'], 'First words.');
    const middle = [
      'From: Mid <mid@example.test>', 'To: fwd@example.test', 'Subject: Fwd: The original', 'Date: Mon, 7 Dec 2026 09:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="m"', '',
      '--m', 'Content-Type: text/plain', '', 'See below.', '--m', 'Content-Type: text/csv; name="prices.csv"', 'Content-Disposition: attachment; filename="prices.csv"', '', 'a,b', '--m',
      'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="original.eml"', '', innermost, '--m--', '',
    ].join('\r\n');
    const id = `<${randomUUID()}@example.test>`;
    const attached = await receive([
      'From: Fwd <fwd@example.test>', `To: ${inbox.email}`, 'Subject: Have a look', `Message-ID: ${id}`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="o"', '',
      '--o', 'Content-Type: text/plain', '', 'Forwarding this.', '--o', 'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="fwd.eml"', '', middle, '--o--', '',
    ].join('\r\n'), id);
    expect(attached.content).to.equal('Forwarding this.');
    const [mid] = email(attached).embedded_emails;
    expect(mid).to.deep.include({ subject: 'Fwd: The original', text: 'See below.', date: '2026-12-07T09:00:00.000Z' });
    expect(mid.from).to.deep.equal([{ name: 'Mid', address: 'mid@example.test' }]);
    expect(mid.attachments).to.deep.equal([{ filename: 'prices.csv', content_type: 'text/csv', byte_size: 3 }]);
    expect(mid.embedded[0]).to.deep.include({ subject: 'The original', text: 'First words.' });
    expect(await (await runtime()).models.Attachment.count({ where: { message_id: attached.id } }), 'the .eml stays a download').to.equal(1);

    const id2 = `<${randomUUID()}@example.test>`;
    const whole = await receive(['From: Fwd <fwd@example.test>', `To: ${inbox.email}`, 'Subject: Fwd', `Message-ID: ${id2}`, 'MIME-Version: 1.0', 'Content-Type: message/rfc822', '', innermost].join('\r\n'), id2);
    expect(email(whole).text_source).to.equal('forward');
    expect(whole.content).to.match(/^---------- Forwarded message ----------\nFrom: Origin <origin@example\.test>\n[^]*Subject: The original[^]*\n\nFirst words\.$/);
  });

  it('falls back to the raw text part when the parser reads no text at all (a boundary it does not follow)', async () => {
    const id = `<${randomUUID()}@example.test>`;
    const m = await receive([
      'From: Broken <broken@example.test>', `To: ${inbox.email}`, 'Subject: broken', `Message-ID: ${id}`, 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="x"', '',
      '--x ', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'Gr=C3=BC=C3=9Fe, where is my parcel?', '--x --', '',
    ].join('\r\n'), id);
    expect(m.content).to.equal('Grüße, where is my parcel?');
    expect(email(m).text_source).to.equal('raw');
  });

  describe('per class', () => {
    let first: Message;
    let conversation: Conversation;
    beforeEach(async () => {
      const id = `<first-${randomUUID()}@example.test>`;
      first = await receive(mime({ subject: 'Order 42', messageId: id, to: inbox.email }), id);
      conversation = (await (await runtime()).models.Conversation.findByPk(first.conversation_id))!;
      await conversation.update({ status: 'resolved', waiting_since: null });
    });
    const reply = async (extra: string[], subject = 'Re: Order 42', from?: string) => {
      const id = `<${randomUUID()}@example.test>`;
      const m = await receive(mime({ subject, messageId: id, inReplyTo: first.source_id!, to: inbox.email, extra, ...(from ? { from } : {}) }), id);
      await conversation.reload();
      return m;
    };

    it('an auto-reply neither reopens nor starts the wait; a human list post (Precedence: list, List-Id) does both', async () => {
      const auto = await reply(['Auto-Submitted: auto-replied'], 'Automatic reply: Order 42');
      expect(email(auto)).to.include({ mail_class: 'auto_reply', auto_reply: true, bounce: false });
      expect(conversation).to.include({ status: 'resolved', waiting_since: null });
      const post = await reply(['Precedence: list', 'List-Id: <customers.lists.example.test>']);
      expect(email(post)).to.include({ mail_class: 'list', auto_reply: false });
      expect(conversation.status).to.equal('open');
      expect(conversation.waiting_since).to.not.equal(null);
    });

    it('a bounce reopens (the reply did not arrive) without starting the customer\'s wait; a read receipt does neither', async () => {
      const id = `<${randomUUID()}@example.test>`;
      const mdn = [
        'From: Jane Customer <jane@example.test>', `To: ${inbox.email}`, 'Subject: Read: Order 42', `Message-ID: ${id}`, `In-Reply-To: ${first.source_id}`, 'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"', '',
        '--b', 'Content-Type: text/plain', '', 'Your message was displayed.', '--b', 'Content-Type: message/disposition-notification', '',
        `Original-Message-ID: ${first.source_id}`, 'Disposition: manual-action/MDN-sent-manually; displayed', '--b--', '',
      ].join('\r\n');
      const receipt = await receive(mdn, id);
      await conversation.reload();
      expect(email(receipt).mail_class).to.equal('read_receipt');
      expect(conversation).to.include({ status: 'resolved', waiting_since: null });
      const bounce = await reply(['Return-Path: <>'], 'Undelivered Mail Returned to Sender', 'Mail Delivery System <MAILER-DAEMON@example.test>');
      expect(email(bounce)).to.include({ mail_class: 'bounce', bounce: true });
      expect(conversation.status).to.equal('open');
      expect(conversation.waiting_since, 'a bounce is not the customer speaking').to.equal(null);
    });

    it('threads a bounce or a delay notice that has no threading headers into the conversation of the email it returns', async () => {
      const dsn = (returned: string, action: string, status: string, partType: string) => {
        const id = `<${randomUUID()}@mx.example.net>`;
        return [id, [
          'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>', `To: ${inbox.email}`, 'Subject: Undelivered Mail Returned to Sender', `Message-ID: ${id}`, 'Auto-Submitted: auto-replied', 'MIME-Version: 1.0',
          'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', '',
          '--b', 'Content-Type: text/plain', '', 'Your message could not be delivered.', '--b', 'Content-Type: message/delivery-status', '',
          'Reporting-MTA: dns; mx.example.net', '', 'Final-Recipient: rfc822; jane@example.test', `Action: ${action}`, `Status: ${status}`, '--b', `Content-Type: ${partType}`, '',
          returned, '--b--', '',
        ].join('\r\n')] as const;
      };
      const returnedHeaders = `From: ${inbox.email}\r\nTo: jane@example.test\r\nSubject: Re: Order 42\r\nMessage-ID: ${first.source_id}\r\n`;
      const [bounceId, bounce] = dsn(`${returnedHeaders}\r\nOur answer.`, 'failed', '5.1.1', 'message/rfc822');
      const b = await receive(bounce, bounceId);
      expect(b.conversation_id).to.equal(conversation.id);
      expect(email(b).mail_class).to.equal('bounce');
      const [delayId, delay] = dsn(returnedHeaders, 'delayed', '4.4.7', 'text/rfc822-headers');
      const d = await receive(delay, delayId);
      expect(d.conversation_id).to.equal(conversation.id);
      expect(email(d).mail_class).to.equal('delivery_delay');
    });

    it('files an abuse complaint apart: an inbound row with status filed, no message, no conversation', async () => {
      const id = `<${randomUUID()}@example.test>`;
      const arf = [
        'From: <abuse@isp.example>', `To: ${inbox.email}`, 'Subject: FW: complaint', `Message-ID: ${id}`, 'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b"', '',
        '--b', 'Content-Type: text/plain', '', 'An abuse report.', '--b', 'Content-Type: message/feedback-report', '', 'Feedback-Type: abuse', 'Version: 1', '--b--', '',
      ].join('\r\n');
      await append(sb, [arf]);
      expect((await runFetch(inbox.channelId)).counts).to.include({ created: 0, filed: 1 });
      expect(await messageOf(id)).to.equal(null);
      const row = (await InboundEmail.findOne({ where: { inbox_id: inbox.inboxId, message_id_header: id } }))!;
      expect(row).to.include({ status: 'filed', message_id: null });
      expect(row.error_reason).to.match(/^complaint: /);
    });
  });

  it('caps a 130,000-character subject at 998 characters where messages and lists carry it; the raw keeps it whole', async () => {
    const id = `<${randomUUID()}@example.test>`;
    const subject = 'S'.repeat(130_000);
    const m = await receive(raw(['From: Long <long@example.test>', `To: ${inbox.email}`, `Subject: ${subject}`, `Message-ID: ${id}`]), id);
    expect(email(m).subject).to.have.length(998);
    const { models, storage } = await runtime();
    const conversation = (await models.Conversation.findByPk(m.conversation_id))!;
    expect((conversation.additional_attributes as { mail_subject: string }).mail_subject).to.have.length(998);
    const row = (await InboundEmail.findOne({ where: { inbox_id: inbox.inboxId, message_id: m.id } }))!;
    expect((await buffer(storage.get(row.storage_key!))).toString('latin1')).to.include(subject);
  });
});
