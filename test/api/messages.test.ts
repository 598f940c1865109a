import { expect } from 'chai';
import {
  addInboxMember, createAccount, createAgent, createContact, createConversation, createInbox,
  type TestAccount, type TestContact,
} from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

const MESSAGE_KEYS = [
  'id', 'content', 'inbox_id', 'conversation_id', 'message_type', 'content_type', 'content_attributes', 'status', 'source_id',
  'private', 'external_error', 'created_at', 'sender', 'sender_type', 'sender_id', 'attachments',
];
const fieldPaths = (body: { error: { fields: { path: string }[] } }) => body.error.fields.map((f) => f.path);

describe('Messages API', () => {
  let account: TestAccount;
  let inbox: { id: number; email: string };
  let contact: TestContact;
  let conversation: { id: number };
  const path = (suffix = '', displayId = conversation.id) => `/api/v1/accounts/${account.id}/conversations/${displayId}/messages${suffix}`;
  const post = async (body: Record<string, unknown>, token = account.admin.token) => (await http()).post(path()).set('api_access_token', token).send(body);
  const showConversation = async () =>
    (await (await http()).get(`/api/v1/accounts/${account.id}/conversations/${conversation.id}`).set('api_access_token', account.admin.token).expect(200)).body;

  beforeEach(async () => {
    account = await createAccount();
    inbox = await createInbox(account);
    contact = await createContact(account, { name: 'Robin Reader' });
    await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id });
    conversation = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id });
  });

  describe('POST /conversations/:id/messages', () => {
    it('creates an outgoing message from the current user, in Chatwoot\'s payload shape, and announces it', async () => {
      const rt = await runtime();
      const seen: unknown[] = [];
      rt.events.on('message.created', (e) => void (e.accountId === account.id && seen.push(e)), 'test');
      const before = Math.floor(Date.now() / 1000);
      const res = await post({ content: 'We are on it', content_attributes: { cc_emails: ['boss@customer.test'] } });
      expect(res.status).to.equal(200);
      expect(res.body).to.have.all.keys(MESSAGE_KEYS);
      expect(res.body).to.deep.include({
        content: 'We are on it', inbox_id: inbox.id, conversation_id: 2, message_type: 1, content_type: 'text',
        // The inbox sends email (SMTP enabled): the reply waits for the email.send job.
        content_attributes: { cc_emails: ['boss@customer.test'] }, status: 'sending', source_id: null, private: false,
        external_error: null, attachments: [],
      });
      expect(res.body.created_at).to.be.within(before - 1, before + 5);
      expect(res.body.sender).to.deep.include({ id: account.admin.id, type: 'user', name: 'Admin', available_name: 'Admin', thumbnail: '' });
      const { models } = rt;
      const internalId = (await models.Conversation.findOne({ where: { account_id: account.id, display_id: 2 } }))!.id;
      expect(seen).to.deep.equal([{ accountId: account.id, inboxId: inbox.id, conversationId: internalId, messageId: res.body.id, messageType: 'outgoing', private: false }]);
    });

    it('moves the conversation\'s last activity to the new message and records the first reply', async () => {
      const { models } = await runtime();
      const past = new Date(Date.now() - 3600_000);
      await models.Conversation.update({ last_activity_at: past }, { where: { account_id: account.id, display_id: conversation.id } });
      const res = await post({ content: 'Reply' }).then((r) => r.body);
      const shown = await showConversation();
      expect(shown.last_activity_at).to.equal(res.created_at);
      expect(shown.first_reply_created_at).to.equal(res.created_at);
      expect(shown.waiting_since).to.equal(0);
      const list = await (await http()).get(`/api/v1/accounts/${account.id}/conversations`).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.data.payload[0].id).to.equal(conversation.id);
    });

    it('creates a private note (outgoing + private) that does not count as a reply', async () => {
      const res = await post({ content: 'Internal: VIP customer', private: true });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ private: true, message_type: 1 });
      expect((await showConversation()).first_reply_created_at).to.equal(0);
      const bad = await post({ content: 'x', private: true, message_type: 'incoming' });
      expect(bad.status).to.equal(422);
      expect(fieldPaths(bad.body)).to.deep.equal(['message_type']);
    });

    it('records an incoming message as sent by the contact and reopens a resolved conversation', async () => {
      const rt = await runtime();
      const changes: string[][] = [];
      rt.events.on('conversation.updated', (e) => void (e.accountId === account.id && changes.push(e.changes)), 'test');
      const api = await http();
      await api.post(`/api/v1/accounts/${account.id}/conversations/${conversation.id}/toggle_status`).set('api_access_token', account.admin.token).send({ status: 'resolved' }).expect(200);
      expect((await showConversation()).status).to.equal('resolved');

      const res = await post({ content: 'Still broken', message_type: 'incoming' });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ message_type: 0, private: false });
      expect(res.body.sender).to.deep.include({ id: contact.id, type: 'contact', name: 'Robin Reader', email: contact.email });
      const shown = await showConversation();
      expect(shown.status).to.equal('open');
      expect(shown.unread_count).to.equal(1);
      expect(changes[changes.length - 1]).to.include('status');
      const c = await api.get(`/api/v1/accounts/${account.id}/contacts/${contact.id}`).set('api_access_token', account.admin.token).expect(200);
      expect(c.body.payload.last_activity_at).to.equal(res.body.created_at);
    });

    it('does not reopen a resolved conversation on an outgoing message', async () => {
      await (await http()).post(`/api/v1/accounts/${account.id}/conversations/${conversation.id}/toggle_status`).set('api_access_token', account.admin.token).send({}).expect(200);
      await post({ content: 'Closing note' }).then((r) => expect(r.status).to.equal(200));
      expect((await showConversation()).status).to.equal('resolved');
    });

    it('names each invalid field (422)', async () => {
      const missing = await post({});
      expect(missing.status).to.equal(422);
      expect(fieldPaths(missing.body)).to.deep.equal(['content']);
      expect(fieldPaths((await post({ content: '   ' })).body)).to.deep.equal(['content']);
      const bad = await post({ content: 'x', message_type: 'activity', content_type: 'hologram', content_attributes: 'x', private: 'maybe' });
      expect(bad.status).to.equal(422);
      expect(fieldPaths(bad.body)).to.include.members(['message_type', 'content_type', 'content_attributes', 'private']);
    });
  });

  describe('attachment names from the browser', () => {
    it('a raw NUL byte in a part header is a broken upload: 422 naming attachments, never a 500', async () => {
      const res = await (await http()).post(path()).set('api_access_token', account.admin.token)
        .field('content', 'names').field('private', 'true')
        .attach('attachments[]', Buffer.from('a'), { filename: 'inv\u0000oice.pdf', contentType: 'application/pdf' });
      expect(res.status, JSON.stringify(res.body)).to.equal(422);
      expect(res.body.error.fields[0]).to.deep.include({ path: 'attachments' });
    });

    it('keeps a file whose name has control characters, bidi overrides or 300 characters: cleaned and cut to 255 with its extension, never a 500', async () => {
      const res = await (await http()).post(path()).set('api_access_token', account.admin.token)
        .field('content', 'names').field('private', 'true')
        .attach('attachments[]', Buffer.from('a'), { filename: 'inv%00oice.pdf', contentType: 'application/pdf' })
        .attach('attachments[]', Buffer.from('b'), { filename: `${'x'.repeat(300)}.docx`, contentType: 'application/octet-stream' })
        .attach('attachments[]', Buffer.from('c'), { filename: 'invoice\u202Efdp.exe', contentType: 'application/octet-stream' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const names = (res.body.attachments as { filename: string }[]).map((a) => a.filename);
      expect(names[0]).to.equal('inv%00oice.pdf');
      expect(names[1]).to.have.length(255).and.match(/^x+\.docx$/);
      expect(names[2]).to.equal('invoicefdp.exe');
    });
  });

  describe('GET /conversations/:id/messages', () => {
    it('lists messages oldest first with Chatwoot\'s meta', async () => {
      const agent = await createAgent(account, 'Sam');
      await addInboxMember(inbox.id, agent);
      await (await http())
        .post(`/api/v1/accounts/${account.id}/conversations/${conversation.id}/assignments`)
        .set('api_access_token', account.admin.token)
        .send({ assignee_id: agent.id })
        .expect(200);
      const first = (await post({ content: 'one', message_type: 'incoming' })).body;
      const second = (await post({ content: 'two' })).body;
      const res = await (await http()).get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(res.body.meta).to.have.all.keys(['labels', 'additional_attributes', 'contact', 'assignee', 'agent_last_seen_at', 'assignee_last_seen_at']);
      expect(res.body.meta).to.deep.include({ labels: [], additional_attributes: {}, agent_last_seen_at: null, assignee_last_seen_at: null });
      expect(res.body.meta.contact).to.include({ id: contact.id, type: 'contact' });
      expect(res.body.meta.assignee).to.include({ id: agent.id, name: 'Sam', role: 'agent' });
      // The assignment's activity line comes first (Chatwoot's message_type 2, no sender).
      const [activity, ...rest] = res.body.payload;
      expect(activity).to.include({ message_type: 2, content: 'Assigned to Sam by Admin', sender: null });
      expect(rest.map((m: { id: number }) => m.id)).to.deep.equal([first.id, second.id]);
      expect(rest[0]).to.have.all.keys(MESSAGE_KEYS);
      expect(rest[0].sender.type).to.equal('contact');
      expect(rest[1].sender.type).to.equal('user');
    });

    it('pages back 20 at a time with before=<message id>', async () => {
      const created: number[] = [];
      for (let i = 0; i < 25; i++) created.push((await post({ content: `m${i}` })).body.id);
      const api = await http();
      const latest = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(latest.body.payload.map((m: { id: number }) => m.id)).to.deep.equal(created.slice(5));
      const older = await api.get(path(`?before=${created[5]}`)).set('api_access_token', account.admin.token).expect(200);
      expect(older.body.payload.map((m: { id: number }) => m.id)).to.deep.equal(created.slice(0, 5));
      const bad = await api.get(path('?before=abc')).set('api_access_token', account.admin.token);
      expect(bad.status).to.equal(422);
      expect(fieldPaths(bad.body)).to.deep.equal(['before']);
    });

    it('serializes attachments', async () => {
      const { models } = await runtime();
      const message = (await post({ content: 'See attached' })).body;
      await models.Attachment.create({ account_id: account.id, message_id: message.id, filename: 'Report.PDF', file_type: 'file', byte_size: 2048, external_url: 'https://files.example.test/r.pdf' });
      const res = await (await http()).get(path()).set('api_access_token', account.admin.token).expect(200);
      const [attachment] = res.body.payload[0].attachments;
      expect(attachment).to.have.all.keys(['id', 'message_id', 'file_type', 'account_id', 'extension', 'data_url', 'thumb_url', 'file_size', 'filename', 'content_id', 'inline']);
      expect(attachment).to.include({ message_id: message.id, file_type: 'file', account_id: account.id, extension: 'pdf', data_url: 'https://files.example.test/r.pdf', file_size: 2048, filename: 'Report.PDF' });
    });
  });

  describe('DELETE /conversations/:id/messages/:message_id', () => {
    it('soft-deletes: the content is replaced, content_attributes.deleted is set and attachments are removed', async () => {
      const { models } = await runtime();
      const message = (await post({ content: 'Oops, wrong customer', content_attributes: { in_reply_to: 7 } })).body;
      await models.Attachment.create({ account_id: account.id, message_id: message.id, filename: 'secret.txt' });
      const res = await (await http()).delete(path(`/${message.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(res.body).to.have.all.keys(MESSAGE_KEYS);
      expect(res.body).to.deep.include({ id: message.id, content: 'This message was deleted', content_attributes: { deleted: true }, attachments: [] });
      expect(await models.Attachment.count({ where: { message_id: message.id } })).to.equal(0);
      const list = await (await http()).get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.payload.find((m: { id: number }) => m.id === message.id)).to.include({ content: 'This message was deleted' });
    });

    it('answers 404 for an unknown message or one of another conversation', async () => {
      const api = await http();
      const elsewhere = (await api.post(path('', 1)).set('api_access_token', account.admin.token).send({ content: 'in conversation 1' }).expect(200)).body;
      await api.delete(path(`/${elsewhere.id}`)).set('api_access_token', account.admin.token).expect(404);
      await api.delete(path('/999999999')).set('api_access_token', account.admin.token).expect(404);
      await api.delete(path('/abc')).set('api_access_token', account.admin.token).expect(404);
      const still = await api.get(path('', 1)).set('api_access_token', account.admin.token).expect(200);
      expect(still.body.payload[0].content).to.equal('in conversation 1');
    });
  });

  describe('visibility', () => {
    it('answers 404 to an agent who is not a member of the conversation\'s inbox', async () => {
      const api = await http();
      const message = (await post({ content: 'hello' })).body;
      const agent = await createAgent(account);
      await api.get(path()).set('api_access_token', agent.token).expect(404);
      await api.post(path()).set('api_access_token', agent.token).send({ content: 'x' }).expect(404);
      await api.delete(path(`/${message.id}`)).set('api_access_token', agent.token).expect(404);
      await addInboxMember(inbox.id, agent);
      await api.get(path()).set('api_access_token', agent.token).expect(200);
      const sent = await post({ content: 'as agent' }, agent.token);
      expect(sent.body.sender).to.include({ id: agent.id, type: 'user', availability_status: 'online' });
    });

    it('hides another account\'s messages (404 on every read and write), even from its administrators', async () => {
      const api = await http();
      const message = (await post({ content: 'private matter' })).body;
      const other = await createAccount();
      const token = other.admin.token;
      const theirs = (s: string) => `/api/v1/accounts/${other.id}/conversations/${conversation.id}/messages${s}`;
      for (const p of [path(), theirs('')]) await api.get(p).set('api_access_token', token).expect(404);
      for (const p of [path(), theirs('')]) await api.post(p).set('api_access_token', token).send({ content: 'x' }).expect(404);
      for (const p of [path(`/${message.id}`), theirs(`/${message.id}`)]) await api.delete(p).set('api_access_token', token).expect(404);
      const list = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(list.body.payload.map((m: { content: string }) => m.content)).to.deep.equal(['private matter']);
    });

    it('requires authentication (401) on every endpoint', async () => {
      const api = await http();
      for (const res of [await api.get(path()), await api.post(path()).send({ content: 'x' }), await api.delete(path('/1'))]) {
        expect(res.status).to.equal(401);
      }
    });
  });
});
