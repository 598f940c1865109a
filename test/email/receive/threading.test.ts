// Threading through the real fetch: each rule of the conversation finder, staff replies sent from
// Outlook, contact from Reply-To, reopen on a customer email, and auto-replies that do not reopen.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { http, runtime } from '../../support/runtime.js';
import { createAgent } from '../../support/factories.js';
import type { Conversation, Message } from '../../../server/src/models/index.js';
import { append, clearInbox, createImapInbox, mime, runFetch, type ReceiveInbox } from './helpers.js';

describe('email receive: threading', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let inbox: ReceiveInbox;
  let first: Message;
  let conversation: Conversation;
  const firstId = () => `<first-${randomUUID()}@example.test>`;

  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });
  beforeEach(async () => {
    await clearInbox(sb);
    inbox = await createImapInbox(sb);
    const id = firstId();
    await append(sb, [mime({ subject: 'Order 42 missing', messageId: id, from: 'Jane Customer <jane@example.test>', to: inbox.email })]);
    await runFetch(inbox.channelId);
    const { models } = await runtime();
    first = (await models.Message.findOne({ where: { inbox_id: inbox.inboxId, source_id: id } }))!;
    conversation = (await models.Conversation.findByPk(first.conversation_id))!;
  });

  /** Appends one email, fetches, and returns the message it became. */
  const receive = async (h: Parameters<typeof mime>[0]): Promise<Message> => {
    const messageId = h.messageId ?? `<${randomUUID()}@example.test>`;
    await append(sb, [mime({ ...h, messageId })]);
    const outcome = await runFetch(inbox.channelId);
    expect(outcome.counts.created, JSON.stringify(outcome)).to.equal(1);
    return (await (await runtime()).models.Message.findOne({ where: { inbox_id: inbox.inboxId, source_id: messageId } }))!;
  };

  it('starts a conversation for a new email, with the contact from From (display name) and the subject', async () => {
    const { models } = await runtime();
    const contact = await models.Contact.findByPk(conversation.contact_id);
    expect(contact).to.include({ email: 'jane@example.test', name: 'Jane Customer' });
    expect(conversation.additional_attributes).to.deep.include({ mail_subject: 'Order 42 missing', source: 'email' });
    expect(first).to.include({ message_type: 'incoming', sender_type: 'Contact', sender_id: contact!.id, content: 'Hello there' });
  });

  it('records the inbox wizard\'s round-trip test message as such instead of opening a conversation', async () => {
    const messageId = `<${randomUUID()}@example.test>`;
    await append(sb, [mime({ from: inbox.email, to: inbox.email, subject: 'LeadChat connection test', messageId, extra: ['Auto-Submitted: auto-generated', 'X-LeadChat-Connection-Check: 1234'] })]);
    const outcome = await runFetch(inbox.channelId);
    expect(outcome.counts.created).to.equal(0);
    const { sequelize, models } = await runtime();
    expect(await models.Message.findOne({ where: { inbox_id: inbox.inboxId, source_id: messageId } })).to.equal(null);
    const [rows] = await sequelize.query('SELECT status, error_reason FROM inbound_emails WHERE inbox_id = ? AND message_id_header = ?', { replacements: [inbox.inboxId, messageId] });
    expect(rows).to.deep.equal([{ status: 'rejected', error_reason: 'connection test message sent by the inbox wizard' }]);
  });

  it('threads by the reply+<uuid> address, even with no threading headers', async () => {
    const m = await receive({ to: `reply+${conversation.uuid}@reply.leadchat.localhost`, subject: 'a different subject' });
    expect(m.conversation_id).to.equal(conversation.id);
  });

  it('threads by In-Reply-To, and by References when In-Reply-To names an unknown message', async () => {
    expect((await receive({ inReplyTo: first.source_id! })).conversation_id).to.equal(conversation.id);
    expect((await receive({ inReplyTo: '<unknown@elsewhere.test>', references: `${first.source_id} <unknown@elsewhere.test>` })).conversation_id).to.equal(conversation.id);
  });

  it('threads by our own Message-ID shape when that reply is not stored', async () => {
    const m = await receive({ inReplyTo: `<conversation/${conversation.uuid}/messages/999999@reply.leadchat.localhost>` });
    expect(m.conversation_id).to.equal(conversation.id);
  });

  it('starts a new conversation when nothing matches, and takes the contact from Reply-To', async () => {
    const m = await receive({ from: 'Form Robot <robot@forms.test>', replyTo: 'Sam Sender <sam@example.test>', subject: 'web form' });
    expect(m.conversation_id).to.not.equal(conversation.id);
    const { models } = await runtime();
    expect(await models.Contact.findByPk(m.sender_id!)).to.include({ email: 'sam@example.test', name: 'Sam Sender' });
    expect(m.content_attributes.email).to.deep.include({ reply_to: ['sam@example.test'], from: ['robot@forms.test'] });
  });

  it('keeps a staff reply sent from Outlook (the inbox address or a team member) in its thread as outgoing', async () => {
    const fromInbox = await receive({ from: `Support <${inbox.email}>`, to: 'jane@example.test', inReplyTo: first.source_id! });
    expect(fromInbox).to.include({ conversation_id: conversation.id, message_type: 'outgoing', sender_type: null });
    const agent = await createAgent(inbox.account, 'Olivia Outlook');
    const fromAgent = await receive({ from: `Olivia <${agent.email}>`, to: 'jane@example.test', cc: 'boss@example.test', references: first.source_id! });
    expect(fromAgent).to.include({ conversation_id: conversation.id, message_type: 'outgoing', sender_type: 'User', sender_id: agent.id });
    expect(fromAgent.content_attributes.email).to.deep.include({ cc: ['boss@example.test'], to: ['jane@example.test'] });
  });

  it('reopens a resolved conversation on a new customer email, but not on an auto-reply (flagged)', async () => {
    const { models } = await runtime();
    await conversation.update({ status: 'resolved' });
    const auto = await receive({ inReplyTo: first.source_id!, extra: ['Auto-Submitted: auto-replied'], subject: 'Out of office' });
    expect((auto.content_attributes.email as { auto_reply: boolean }).auto_reply).to.equal(true);
    expect((await models.Conversation.findByPk(conversation.id))!.status).to.equal('resolved');
    await receive({ inReplyTo: first.source_id!, subject: 'Re: Order 42 missing' });
    expect((await models.Conversation.findByPk(conversation.id))!.status).to.equal('open');
  });

  it('announces message.created (and conversation.created for a new thread) through the event bus', async () => {
    const rt = await runtime();
    const seen: string[] = [];
    rt.events.on('conversation.created', (e) => void (e.inboxId === inbox.inboxId && seen.push('conversation.created')), 'test');
    rt.events.on('message.created', (e) => void (e.inboxId === inbox.inboxId && seen.push(`message.created:${e.messageType}`)), 'test');
    await receive({ subject: 'brand new' });
    expect(seen).to.deep.equal(['conversation.created', 'message.created:incoming']);
  });

  it('threads, dedupes and reopens inside one fetched batch as it would one email at a time', async () => {
    const { models } = await runtime();
    await conversation.update({ status: 'resolved' });
    const [start, reply, answer] = [firstId(), firstId(), firstId()];
    await append(sb, [
      mime({ subject: 'New thread', messageId: start, from: 'Bob New <bob-${randomUUID().slice(0, 8)}@example.test>', to: inbox.email }),
      mime({ subject: 'Re: New thread', messageId: reply, inReplyTo: start, references: start, from: 'Someone Else <else@example.test>', to: inbox.email, body: 'the zanzibarite part arrived' }),
      mime({ subject: 'New thread (again)', messageId: start, from: 'bob@example.test', to: inbox.email }),
      mime({ subject: 'Re: Order 42 missing', messageId: answer, inReplyTo: first.source_id!, from: 'jane@example.test', to: inbox.email }),
    ]);
    const seen: string[] = [];
    const rt = await runtime();
    rt.events.on('conversation.created', (e) => void (e.inboxId === inbox.inboxId && seen.push(`conversation.created:${e.conversationId}`)), 'test');
    const outcome = await runFetch(inbox.channelId);
    expect(outcome.counts).to.include({ created: 3, duplicate: 1, failed: 0 });
    const [a, b, d] = await Promise.all([start, reply, answer].map((id) => models.Message.findOne({ where: { inbox_id: inbox.inboxId, source_id: id } })));
    expect(b!.conversation_id, 'a reply to an email of the same batch joins its conversation').to.equal(a!.conversation_id);
    expect(d!.conversation_id).to.equal(conversation.id);
    expect(await models.Message.count({ where: { inbox_id: inbox.inboxId, source_id: start } })).to.equal(1);
    expect(seen).to.deep.equal([`conversation.created:${a!.conversation_id}`]);
    const started = (await models.Conversation.findByPk(a!.conversation_id))!;
    expect(started.display_id).to.equal(conversation.display_id + 1);
    expect(started.waiting_since).to.not.equal(null);
    await conversation.reload();
    expect(conversation.status, 'reopened by the customer email').to.equal('open');
    expect(conversation.last_activity_at.getTime()).to.equal(d!.created_at.getTime());
    // The statement-level triggers saw the multi-row inserts: counters and the message's words in the search vector.
    const get = async (suffix: string) => (await (await http()).get(`/api/v1/accounts/${inbox.account.id}/conversations${suffix}`).set('api_access_token', inbox.account.admin.token).expect(200)).body;
    expect((await get('/meta?status=open')).meta.all_count).to.equal(2);
    expect((await get('?q=zanzibarite')).data.payload.map((c: { id: number }) => c.id)).to.deep.equal([started.display_id]);
  });
});
