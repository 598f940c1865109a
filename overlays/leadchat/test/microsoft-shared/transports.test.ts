// Each transport end to end against the sandbox: connect through the consent page → callback → inbox;
// Jane's email fetched by the core's fetch job (IMAP transports); the agent's reply delivered by the
// transport From support@ with threading headers, its Sent Items copy in the SHARED mailbox; Jane's
// answer joins the same conversation. (A delegate without Send As is refused at connect: connect.test.ts.)
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { awaitMail } from '../../../../test/email/send/send-runtime.js';
import { controlFetch, eventually, janeReceives, JANE, overlayEnabled, startSharedTestbed, SUPPORT, type SharedTestbed } from './shared-testbed.js';

const INFO = 'info@example.test';

describe('microsoft_shared transports (sandbox)', function () {
  this.timeout(30_000);
  let bed: SharedTestbed;
  before(async function () {
    if (!overlayEnabled()) return this.skip();
    bed = await startSharedTestbed();
  });
  after(async () => bed?.close());
  afterEach(async () => bed?.disconnect());

  const fetchNow = (channelId: number) => bed.rt.queues.enqueue('email.fetch', { channelId, force: true });
  const messageBySource = (sourceId: string) => bed.rt.models.Message.findOne({ where: { source_id: sourceId } });
  const cursorSet = async (channelId: number) =>
    (await bed.rt.sequelize.query('SELECT 1 FROM email_fetch_cursors WHERE channel_id = :channelId', { replacements: { channelId }, type: QueryTypes.SELECT })).length > 0;

  /** Jane writes to support@ (SMTP relay of the sandbox); the core fetch job brings it in; returns the new conversation. */
  async function janeWrites(channelId: number, subject: string, extra: Record<string, unknown> = {}) {
    const messageId = `<${subject.replace(/\W+/g, '-')}-${Date.now()}@example.test>`;
    expect((await controlFetch(bed.sb, 'POST', '/mail/deliver', { from: JANE, to: SUPPORT, subject, text: `${subject}, please help`, messageId, ...extra })).status).to.equal(201);
    await fetchNow(channelId);
    const message = await eventually(() => messageBySource(messageId), 10_000);
    const conversation = (await bed.rt.models.Conversation.findByPk(message!.conversation_id))!;
    return { messageId, conversation };
  }

  /** Connect, get Jane's email in, reply, check delivery + Sent Items, Jane answers into the same conversation. */
  async function roundTrip(transport: 'imap_smtp' | 'imap_leadmail', opts: { sentCopy: boolean }) {
    const back = await bed.connect('alice@contoso.test', { email: SUPPORT, transport, name: `Support ${transport}` });
    const channel = (await bed.channel())!;
    expect(back.pathname).to.match(/\/app\/accounts\/\d+\/settings\/inboxes\/\d+\/agents$/);
    expect(channel).to.include({ provider: 'microsoft_shared', imap_login: SUPPORT, imap_enabled: true });
    await eventually(() => cursorSet(channel.id), 10_000);

    const subject = `Printer ${transport}`;
    const first = await janeWrites(channel.id, subject);
    expect(first.conversation.inbox_id).to.equal((await bed.rt.models.Inbox.findOne({ where: { channel_id: channel.id } }))!.id);

    const replyId = await bed.agentReply(first.conversation.display_id, `Unplug it (${transport}).`);
    const reply = await eventually(async () => {
      const row = await bed.rt.models.Message.findByPk(replyId);
      return row && row.status !== 'sending' ? row : undefined;
    }, 10_000);
    expect(reply.status, reply.external_error ?? '').to.equal('sent');
    const mail = await janeReceives(bed, (m) => m.messageId === reply.source_id);
    expect(mail.from?.value[0]?.address).to.equal(SUPPORT);
    expect(mail.inReplyTo).to.equal(first.messageId);
    expect(mail.references).to.include(first.messageId);
    expect(mail.subject).to.equal(`Re: ${subject}`);
    if (opts.sentCopy) expect(await bed.sentItems()).to.include(reply.source_id);

    const answer = await janeWrites(channel.id, `Re: ${subject}`, { inReplyTo: reply.source_id, references: [first.messageId, reply.source_id!] });
    expect(answer.conversation.id).to.equal(first.conversation.id);
    return { channel, reply };
  }

  it('imap_smtp: fetches support@ over IMAP as the shared UPN, replies over SMTP XOAUTH2 as alice From support@, copy in support@\'s Sent Items', async () => {
    const { reply } = await roundTrip('imap_smtp', { sentCopy: true });
    const sent = (await controlFetch(bed.sb, 'GET', '/sent')).json as { via: string; messageId: string; submittedBy: string }[];
    expect(sent.find((s) => s.messageId === reply.source_id)).to.deep.include({ via: 'smtp', submittedBy: 'alice@contoso.test' });
  });

  it('imap_leadmail: fetches over IMAP, replies through LeadMail with message_id, in_reply_to and references', async () => {
    const { reply } = await roundTrip('imap_leadmail', { sentCopy: false });
    const sent = (await controlFetch(bed.sb, 'GET', '/sent')).json as { via: string; messageId: string }[];
    expect(sent.find((s) => s.messageId === reply.source_id)?.via).to.equal('leadmail');
  });

  /** graph_full connected as alice, and a conversation with Jane put in as Graph ingestion would (receiving is the graph module's). */
  async function graphConversation(subject: string) {
    await bed.connect('alice@contoso.test', { email: SUPPORT, transport: 'graph_full', name: 'Support Graph' });
    const channel = (await bed.channel())!;
    const inbox = (await bed.rt.models.Inbox.findOne({ where: { channel_id: channel.id } }))!;
    const ingest = async (messageId: string, headers = '') => {
      const raw = Buffer.from(`From: Jane <${JANE}>\r\nTo: ${SUPPORT}\r\nSubject: ${subject}\r\nMessage-ID: ${messageId}\r\n${headers}Date: ${new Date().toUTCString()}\r\n\r\nIt jams.\r\n`);
      await bed.rt.api.emailReceive.ingestion.ingest({ channel, inbox, raw, source: { kind: 'test', ref: messageId } });
      return (await messageBySource(messageId))!;
    };
    const incomingId = `<graph-${Date.now()}@example.test>`;
    const incoming = await ingest(incomingId);
    const conversation = (await bed.rt.models.Conversation.findByPk(incoming.conversation_id))!;
    return { channel, conversation, incomingId, ingest };
  }

  const settled = (replyId: number) => eventually(async () => {
    const row = await bed.rt.models.Message.findByPk(replyId);
    return row && row.status !== 'sending' ? row : undefined;
  }, 20_000);

  const replyWithFile = async (displayId: number, content: string, file: Buffer, filename: string) => {
    const res = await bed.rt.http().post(`/api/v1/accounts/${bed.account.id}/conversations/${displayId}/messages`).set('api_access_token', bed.account.admin.token)
      .field('content', content).attach('attachments[]', file, { filename, contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.id as number;
  };

  it('graph_full: no IMAP; the reply is POSTed as MIME to /users/support@/sendMail, keeps From and threading, copy in the SHARED mailbox\'s Sent Items', async () => {
    const { channel, conversation, incomingId } = await graphConversation('Scanner jam');
    const provider = bed.rt.registries.providerFor(channel)!;
    expect(await provider.imapAccess!(channel)).to.equal(null);
    expect((await provider.outbound!(channel))?.method).to.equal('microsoft_shared');

    const reply = await settled(await bed.agentReply(conversation.display_id, 'Open the lid.'));
    expect(reply.status, reply.external_error ?? '').to.equal('sent');
    const mail = await janeReceives(bed, (m) => m.messageId === reply.source_id);
    expect(mail.from?.value[0]).to.deep.equal({ address: SUPPORT, name: 'Admin from Support Graph' });
    expect(mail.inReplyTo).to.equal(incomingId);
    expect(mail.headers.get('auto-submitted')).to.equal(undefined);
    expect(await bed.sentItems()).to.include(reply.source_id);
    const sent = (await controlFetch(bed.sb, 'GET', '/sent')).json as { via: string; messageId: string; submittedBy: string }[];
    expect(sent.find((s) => s.messageId === reply.source_id)).to.deep.include({ via: 'graph', submittedBy: 'alice@contoso.test' });
  });

  it('graph_full: Bcc recipients get the reply, and nobody else sees them; the composer\'s HTML, text and pasted image arrive', async () => {
    const { conversation } = await graphConversation('Invoice copy');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    const res = await bed.rt.http().post(`/api/v1/accounts/${bed.account.id}/conversations/${conversation.display_id}/messages`).set('api_access_token', bed.account.admin.token)
      .field('html_content', '<p>Copying our <strong>accountant</strong>.</p><p><img src="cid:inv1@leadchat"></p>')
      .field('content_attributes', JSON.stringify({ bcc_emails: [INFO] }))
      .field('inline_content_ids', 'inv1@leadchat')
      .attach('inline_attachments[]', png, { filename: 'image-1.png', contentType: 'image/png' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const reply = await settled(res.body.id as number);
    expect(reply.status, reply.external_error ?? '').to.equal('sent');
    const toJane = await janeReceives(bed, (m) => m.messageId === reply.source_id);
    expect(toJane.headers.get('bcc'), 'the customer does not see the Bcc').to.equal(undefined);
    expect(toJane.html).to.match(/<strong[^>]*>accountant<\/strong>/);
    expect(toJane.text).to.match(/^Copying our accountant\./);
    expect(toJane.attachments.find((a) => a.cid === 'inv1@leadchat')).to.include({ contentDisposition: 'inline', contentType: 'image/png' });
    const toInfo = await awaitMail(bed.sb, INFO, (m) => m.messageId === reply.source_id, 10_000);
    expect(toInfo.text?.trim()).to.match(/^Copying our accountant\./);
  });

  it('graph_full: a reply with a 10 MB PDF (over sendMail\'s 4 MB) leaves through a draft + upload session, threaded, copy in Sent Items, and Jane\'s answer joins', async () => {
    const { conversation, incomingId, ingest } = await graphConversation('Manual please');
    // The composer is told Exchange's limit before anything is sent.
    const limits = await bed.rt.http().get(`/api/v1/accounts/${bed.account.id}/conversations/${conversation.display_id}/reply_limits`).set('api_access_token', bed.account.admin.token).expect(200);
    expect(limits.body).to.include({ max_message_bytes: 35 * 1024 * 1024, max_attachment_bytes: 40 * 1024 * 1024 });
    const pdf = Buffer.alloc(10 * 1024 * 1024, '%PDF-1.7 manual ');
    const reply = await settled(await replyWithFile(conversation.display_id, 'The manual is attached.', pdf, 'manual.pdf'));
    expect(reply.status, reply.external_error ?? '').to.equal('sent');
    const mail = await janeReceives(bed, (m) => m.messageId === reply.source_id);
    expect(mail.from?.value[0]?.address).to.equal(SUPPORT);
    expect(mail.inReplyTo).to.equal(incomingId);
    expect(mail.references).to.include(incomingId);
    expect(mail.text?.trim()).to.match(/^The manual is attached\./);
    expect(mail.attachments.map((a) => [a.filename, a.content.length])).to.deep.equal([['manual.pdf', pdf.length]]);
    expect(mail.attachments[0]!.content.equals(pdf)).to.equal(true);
    expect(await bed.sentItems()).to.include(reply.source_id);

    const answer = await ingest(`<answer-${Date.now()}@example.test>`, `In-Reply-To: ${reply.source_id}\r\nReferences: ${incomingId} ${reply.source_id}\r\n`);
    expect(answer.conversation_id).to.equal(conversation.id);
  });

  it('graph_full: a reply over 35 MB (Exchange\'s default maximum) fails before anything is sent, saying why', async () => {
    const { conversation } = await graphConversation('Huge file');
    const sentBefore = ((await controlFetch(bed.sb, 'GET', '/sent')).json as unknown[]).length;
    const failed = await settled(await replyWithFile(conversation.display_id, 'All the scans.', Buffer.alloc(27 * 1024 * 1024, 'scan'), 'scans.pdf'));
    expect(failed.status).to.equal('failed');
    expect(failed.external_error).to.match(/This reply is 3\d\.\d MB .*Microsoft 365 accepts messages up to 35\.0 MB by default/);
    expect(((await controlFetch(bed.sb, 'GET', '/sent')).json as unknown[]).length).to.equal(sentBefore);
  });
  it('graph_full: Send As taken away after connecting — the next reply fails for good with a Send As message', async () => {
    const { conversation } = await graphConversation('Later revoked');
    await controlFetch(bed.sb, 'POST', '/permissions', { mailbox: SUPPORT, user: 'alice@contoso.test', right: 'SendAs', grant: false });
    try {
      const failed = await settled(await bed.agentReply(conversation.display_id, 'Trying without Send As.'));
      expect(failed.status).to.equal('failed');
      expect(failed.external_error).to.match(/alice@contoso\.test has no Send As permission on support@contoso\.test/);
    } finally {
      await controlFetch(bed.sb, 'POST', '/permissions', { mailbox: SUPPORT, user: 'alice@contoso.test', right: 'SendAs', grant: true });
    }
  });
});
