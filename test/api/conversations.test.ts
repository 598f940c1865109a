import { expect } from 'chai';
import {
  addInboxMember, createAccount, createAgent, createContact, createConversation, createInbox,
  type TestAccount, type TestContact, type TestUser,
} from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';
import MailComposer from 'nodemailer/lib/mail-composer';
import { backfillHtmlOnlyContent } from '../../migrations/20261207000000-conversation-search-subject-html.js';

const CONVERSATION_KEYS = [
  'id', 'account_id', 'uuid', 'inbox_id', 'status', 'priority', 'additional_attributes', 'custom_attributes', 'labels', 'muted',
  'can_reply', 'snoozed_until', 'unread_count', 'agent_last_seen_at', 'assignee_last_seen_at', 'contact_last_seen_at',
  'first_reply_created_at', 'waiting_since', 'created_at', 'updated_at', 'timestamp', 'last_activity_at', 'meta', 'messages', 'last_non_activity_message',
];
const SENDER_KEYS = [
  'id', 'name', 'email', 'phone_number', 'identifier', 'thumbnail', 'additional_attributes', 'custom_attributes',
  'availability_status', 'blocked', 'created_at', 'last_activity_at',
];
const AGENT_KEYS = ['id', 'account_id', 'availability_status', 'auto_offline', 'confirmed', 'email', 'available_name', 'name', 'role', 'thumbnail', 'custom_role_id'];
const fieldPaths = (body: { error: { fields: { path: string }[] } }) => body.error.fields.map((f) => f.path);
const ids = (body: { data: { payload: { id: number }[] } }) => body.data.payload.map((c) => c.id);

describe('Conversations API', () => {
  let account: TestAccount;
  let inbox: { id: number; email: string };
  let contact: TestContact;
  const path = (suffix = '') => `/api/v1/accounts/${account.id}/conversations${suffix}`;
  const open = (attrs: Record<string, unknown> = {}) => createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, ...attrs });
  /** A customer's email through the ingestion pipeline every transport ends in; answers its conversation's display id. */
  const receive = async (mail: ConstructorParameters<typeof MailComposer>[0]) => {
    const rt = await runtime();
    const inboxRow = (await rt.models.Inbox.findByPk(inbox.id))!;
    const channel = (await rt.models.ChannelEmail.findByPk(inboxRow.channel_id))!;
    const raw = await new MailComposer({ from: contact.email!, to: inbox.email, messageId: `<${Math.random().toString(36).slice(2)}@customer.test>`, ...mail }).compile().build();
    const result = await rt.api.emailReceive.ingestion.ingest({ channel, inbox: inboxRow, raw, source: { kind: 'test', ref: Math.random().toString(36).slice(2) } });
    const conversation = await rt.models.Conversation.findByPk(result.conversationId);
    return conversation!.display_id;
  };

  beforeEach(async () => {
    account = await createAccount();
    inbox = await createInbox(account);
    contact = await createContact(account, { name: 'Casey', email: `casey.${Date.now()}.${Math.random().toString(36).slice(2, 8)}@customer.test` });
  });

  describe('POST /conversations', () => {
    it('creates a conversation with a first outgoing message, in Chatwoot\'s payload shape', async () => {
      const rt = await runtime();
      const seen: string[] = [];
      rt.events.on('conversation.created', (e) => void (e.accountId === account.id && seen.push(`conversation.created:${e.inboxId}`)), 'test');
      rt.events.on('message.created', (e) => void (e.accountId === account.id && seen.push(`message.created:${e.messageType}`)), 'test');
      const before = Math.floor(Date.now() / 1000);
      const res = await (await http())
        .post(path())
        .set('api_access_token', account.admin.token)
        .send({ inbox_id: inbox.id, contact_id: contact.id, additional_attributes: { source: 'api' }, custom_attributes: { order: 42 }, message: { content: 'Hello Casey' } })
        .expect(200);
      const c = res.body;
      expect(c).to.have.all.keys(CONVERSATION_KEYS);
      expect(c).to.deep.include({
        id: 1, account_id: account.id, inbox_id: inbox.id, status: 'open', priority: null, additional_attributes: { source: 'api' },
        custom_attributes: { order: 42 }, labels: [], muted: false, can_reply: true, snoozed_until: null, unread_count: 0,
        agent_last_seen_at: 0, assignee_last_seen_at: 0, contact_last_seen_at: 0, waiting_since: 0,
      });
      expect(c.uuid).to.match(/^[0-9a-f-]{36}$/);
      expect(c.created_at).to.be.within(before - 1, before + 5);
      expect(c.first_reply_created_at).to.be.within(before - 1, before + 5);
      expect(c.timestamp).to.equal(c.last_activity_at);
      expect(c.updated_at).to.be.a('number');
      expect(c.meta).to.have.all.keys(['sender', 'assignee', 'channel', 'hmac_verified']);
      expect(c.meta).to.include({ assignee: null, channel: 'Channel::Email', hmac_verified: false });
      expect(c.meta.sender).to.have.all.keys(SENDER_KEYS);
      expect(c.meta.sender).to.include({ id: contact.id, email: contact.email });
      expect(c.messages).to.have.length(1);
      expect(c.messages[0]).to.deep.include({ content: 'Hello Casey', message_type: 1, conversation_id: 1, private: false });
      expect(c.messages[0].sender).to.include({ id: account.admin.id, type: 'user' });
      expect(seen).to.deep.equal([`conversation.created:${inbox.id}`, 'message.created:outgoing']);
    });

    it('without a message it is waiting for a reply and has no messages', async () => {
      const c = await open({ status: 'pending', priority: 'high' });
      expect(c).to.include({ status: 'pending', priority: 'high', first_reply_created_at: 0 });
      expect(c.waiting_since).to.be.greaterThan(0);
      expect(c.messages).to.deep.equal([]);
    });

    it('numbers conversations per account: two accounts both start at 1', async () => {
      const other = await createAccount();
      const otherInbox = await createInbox(other);
      const otherContact = await createContact(other);
      expect((await open()).id).to.equal(1);
      expect((await open()).id).to.equal(2);
      expect((await createConversation(other, { inbox_id: otherInbox.id, contact_id: otherContact.id })).id).to.equal(1);
      expect((await open()).id).to.equal(3);
    });

    it('gives concurrent creations unique, consecutive display ids', async () => {
      const created = await Promise.all(Array.from({ length: 10 }, () => open()));
      expect(created.map((c) => c.id).sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const { models } = await runtime();
      expect((await models.Account.findByPk(account.id))!.last_conversation_display_id).to.equal(10);
      // One contact inbox serves them all.
      expect(await models.ContactInbox.count({ where: { contact_id: contact.id, inbox_id: inbox.id } })).to.equal(1);
    });

    it('reuses the contact\'s contact inbox, or the one named by source_id', async () => {
      const { models } = await runtime();
      const first = await open();
      const second = await open();
      const rows = await models.Conversation.findAll({ where: { account_id: account.id }, order: [['display_id', 'ASC']] });
      expect(rows.map((r) => r.display_id)).to.deep.equal([first.id, second.id]);
      expect(rows[0].contact_inbox_id).to.be.a('number').and.equal(rows[1].contact_inbox_id);
      const ci = await models.ContactInbox.findByPk(rows[0].contact_inbox_id!);
      expect(ci!.source_id).to.equal(contact.email);

      await open({ source_id: 'thread-77' });
      expect(await models.ContactInbox.count({ where: { contact_id: contact.id, inbox_id: inbox.id } })).to.equal(2);
    });

    it('names each invalid field (422) and allocates no display id for a refused request', async () => {
      const api = await http();
      const missing = await api.post(path()).set('api_access_token', account.admin.token).send({});
      expect(missing.status).to.equal(422);
      expect(fieldPaths(missing.body)).to.include.members(['inbox_id', 'source_id']);

      const bad = await api
        .post(path())
        .set('api_access_token', account.admin.token)
        .send({ inbox_id: inbox.id, contact_id: contact.id, status: 'closed', priority: 'extreme', custom_attributes: [], message: { content: '  ' } });
      expect(bad.status).to.equal(422);
      expect(fieldPaths(bad.body)).to.include.members(['status', 'priority', 'custom_attributes', 'message.content']);

      const other = await createContact(account);
      await open({ source_id: 'taken-source' });
      const taken = await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, contact_id: other.id, source_id: 'taken-source' });
      expect(taken.status).to.equal(422);
      expect(fieldPaths(taken.body)).to.deep.equal(['source_id']);
      expect((await open()).id).to.equal(2);
    });

    it('refuses another account\'s inbox, contact and assignee, and an agent who is not in the inbox (422)', async () => {
      const api = await http();
      const other = await createAccount();
      const theirInbox = await createInbox(other);
      const theirContact = await createContact(other);
      const res = await api
        .post(path())
        .set('api_access_token', account.admin.token)
        .send({ inbox_id: theirInbox.id, contact_id: theirContact.id });
      expect(res.status).to.equal(422);
      expect(fieldPaths(res.body)).to.include.members(['inbox_id', 'contact_id']);

      const foreignAssignee = await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, contact_id: contact.id, assignee_id: other.admin.id });
      expect(foreignAssignee.status).to.equal(422);
      expect(fieldPaths(foreignAssignee.body)).to.deep.equal(['assignee_id']);

      const agent = await createAgent(account);
      const outsider = await api.post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, contact_id: contact.id, assignee_id: agent.id });
      expect(outsider.status).to.equal(422);
      expect(fieldPaths(outsider.body)).to.deep.equal(['assignee_id']);
      await addInboxMember(inbox.id, agent);
      const assigned = await open({ assignee_id: agent.id });
      expect(assigned.meta).to.have.nested.property('assignee.id', agent.id);
      expect((assigned.meta as { assignee: Record<string, unknown> }).assignee).to.have.all.keys(AGENT_KEYS);
    });
  });

  describe('GET /conversations/:id', () => {
    it('shows a conversation by its display id', async () => {
      await open();
      const second = await open();
      const res = await (await http()).get(path(`/${second.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(res.body).to.have.all.keys(CONVERSATION_KEYS);
      expect(res.body).to.include({ id: 2, uuid: second.uuid });
    });

    it('answers 404 for unknown and non-numeric display ids', async () => {
      const api = await http();
      await api.get(path('/1')).set('api_access_token', account.admin.token).expect(404);
      await api.get(path('/abc')).set('api_access_token', account.admin.token).expect(404);
    });
  });

  describe('GET /conversations and /conversations/meta', () => {
    let agent: TestUser;
    const seed = async () => {
      agent = await createAgent(account);
      await addInboxMember(inbox.id, agent);
      const unassigned = await open();
      const mine = await open({ assignee_id: account.admin.id });
      const agents = await open({ assignee_id: agent.id });
      const resolved = await open({ status: 'resolved' });
      const pending = await open({ status: 'pending', assignee_id: account.admin.id });
      const snoozed = await open({ status: 'snoozed' });
      return { unassigned, mine, agents, resolved, pending, snoozed };
    };
    const list = async (query = '', token = account.admin.token) => (await http()).get(path(query)).set('api_access_token', token).expect(200);

    it('lists open conversations by default, newest activity first, with assignee tab counts', async () => {
      const c = await seed();
      const res = await list();
      expect(res.body).to.have.all.keys(['data']);
      expect(res.body.data.meta).to.deep.equal({ mine_count: 1, unassigned_count: 1, assigned_count: 2, all_count: 3 });
      expect(ids(res.body)).to.deep.equal([c.agents.id, c.mine.id, c.unassigned.id]);
      expect(res.body.data.payload[0]).to.have.all.keys(CONVERSATION_KEYS);
    });

    it('filters by assignee type without changing the counts', async () => {
      const c = await seed();
      const meta = { mine_count: 1, unassigned_count: 1, assigned_count: 2, all_count: 3 };
      for (const [type, expected] of [['me', [c.mine.id]], ['unassigned', [c.unassigned.id]], ['assigned', [c.agents.id, c.mine.id]], ['all', [c.agents.id, c.mine.id, c.unassigned.id]]] as const) {
        const res = await list(`?assignee_type=${type}`);
        expect(ids(res.body), type).to.deep.equal(expected);
        expect(res.body.data.meta, type).to.deep.equal(meta);
      }
      const asAgent = await list('?assignee_type=me', agent.token);
      expect(ids(asAgent.body)).to.deep.equal([c.agents.id]);
      expect(asAgent.body.data.meta).to.include({ mine_count: 1, all_count: 3 });
    });

    it('filters by status (counts follow the status) and answers the same counts on /meta', async () => {
      const c = await seed();
      const resolved = await list('?status=resolved');
      expect(ids(resolved.body)).to.deep.equal([c.resolved.id]);
      expect(resolved.body.data.meta).to.deep.equal({ mine_count: 0, unassigned_count: 1, assigned_count: 0, all_count: 1 });
      expect(ids((await list('?status=pending')).body)).to.deep.equal([c.pending.id]);
      expect(ids((await list('?status=snoozed')).body)).to.deep.equal([c.snoozed.id]);
      const all = await list('?status=all');
      expect(all.body.data.payload).to.have.length(6);
      expect(all.body.data.meta).to.deep.equal({ mine_count: 2, unassigned_count: 3, assigned_count: 3, all_count: 6 });

      const meta = await (await http()).get(path('/meta?status=all')).set('api_access_token', account.admin.token).expect(200);
      expect(meta.body).to.deep.equal({ meta: { mine_count: 2, unassigned_count: 3, assigned_count: 3, all_count: 6 } });
      const openMeta = await (await http()).get(path('/meta')).set('api_access_token', account.admin.token).expect(200);
      expect(openMeta.body.meta).to.deep.equal({ mine_count: 1, unassigned_count: 1, assigned_count: 2, all_count: 3 });
    });

    it('filters by inbox and by message content (q)', async () => {
      const second = await createInbox(account, 'Billing');
      const a = await open({ message: { content: 'Where is my invoice?' } });
      const b = await createConversation(account, { inbox_id: second.id, contact_id: contact.id, message: { content: 'Refund please' } });
      const byInbox = await list(`?inbox_id=${second.id}`);
      expect(ids(byInbox.body)).to.deep.equal([b.id]);
      expect(byInbox.body.data.meta.all_count).to.equal(1);
      expect(ids((await list('?q=INVOICE')).body)).to.deep.equal([a.id]);
      expect((await list('?q=nothing-like-this')).body.data.meta.all_count).to.equal(0);
    });

    it('rejects bad filters (422)', async () => {
      const api = await http();
      const res = await api.get(path('?status=closed&assignee_type=mine&inbox_id=x&page=-1')).set('api_access_token', account.admin.token);
      expect(res.status).to.equal(422);
      expect(fieldPaths(res.body)).to.include.members(['status', 'assignee_type', 'inbox_id', 'page']);
      const meta = await api.get(path('/meta?status=closed')).set('api_access_token', account.admin.token);
      expect(meta.status).to.equal(422);
    });

    it('pages by 25', async () => {
      const created: number[] = [];
      for (let i = 0; i < 27; i++) created.push((await open()).id);
      const first = await list();
      expect(first.body.data.payload).to.have.length(25);
      expect(first.body.data.meta.all_count).to.equal(27);
      const second = await list('?page=2');
      expect(ids(second.body)).to.deep.equal([created[1], created[0]]);
      expect(new Set([...ids(first.body), ...ids(second.body)]).size).to.equal(27);
    });

    it('shows each conversation\'s last message and unread incoming count', async () => {
      const api = await http();
      const c = await open({ message: { content: 'First reply' } });
      const post = (content: string, message_type = 'incoming') =>
        api.post(path(`/${c.id}/messages`)).set('api_access_token', account.admin.token).send({ content, message_type }).expect(200);
      await post('question one');
      const { models } = await runtime();
      await models.Conversation.update({ agent_last_seen_at: new Date() }, { where: { account_id: account.id, display_id: c.id } });
      await new Promise((r) => setTimeout(r, 5));
      await post('question two');
      await post('question three');
      const res = await list();
      const row = res.body.data.payload[0];
      expect(row.unread_count).to.equal(2);
      expect(row.messages).to.have.length(1);
      expect(row.messages[0]).to.include({ content: 'question three', message_type: 0 });
      expect(row.messages[0].sender).to.include({ id: contact.id, type: 'contact' });
    });

    it('loads a page with a fixed number of queries, however many conversations it holds (no N+1)', async () => {
      const { sequelize } = await runtime();
      const agent = await createAgent(account);
      await addInboxMember(inbox.id, agent);
      const fill = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const c = await open({ assignee_id: i % 2 ? agent.id : account.admin.id, message: { content: `hello ${i}` } });
          await (await http()).post(path(`/${c.id}/messages`)).set('api_access_token', account.admin.token).send({ content: 'incoming', message_type: 'incoming' }).expect(200);
        }
      };
      const countQueries = async () => {
        let n = 0;
        sequelize.addHook('beforeQuery', 'test-count', () => void n++);
        try {
          const res = await list();
          return { n, rows: res.body.data.payload.length };
        } finally {
          sequelize.removeHook('beforeQuery', 'test-count');
        }
      };
      await fill(2);
      const small = await countQueries();
      await fill(8);
      const large = await countQueries();
      expect([small.rows, large.rows]).to.deep.equal([2, 10]);
      expect(large.n).to.equal(small.n);
    });
  });

  describe('POST /conversations/:id/toggle_status', () => {
    const toggle = async (id: number, body: Record<string, unknown> = {}) =>
      (await http()).post(path(`/${id}/toggle_status`)).set('api_access_token', account.admin.token).send(body);

    it('toggles open ↔ resolved without a status and announces the change', async () => {
      const rt = await runtime();
      const changes: string[][] = [];
      rt.events.on('conversation.updated', (e) => void (e.accountId === account.id && changes.push(e.changes)), 'test');
      const c = await open();
      const resolved = await toggle(c.id);
      expect(resolved.status).to.equal(200);
      expect(resolved.body).to.deep.equal({ meta: {}, payload: { success: true, current_status: 'resolved', conversation_id: c.id, snoozed_until: null } });
      expect((await toggle(c.id)).body.payload.current_status).to.equal('open');
      expect(changes).to.deep.equal([['status'], ['status']]);
      const shown = await (await http()).get(path(`/${c.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(shown.body.status).to.equal('open');
    });

    it('sets a given status; snoozing takes a unix snoozed_until; a pending one toggles to open', async () => {
      const c = await open({ status: 'pending' });
      expect((await toggle(c.id)).body.payload.current_status).to.equal('open');
      const until = Math.floor(Date.now() / 1000) + 3600;
      const snoozed = await toggle(c.id, { status: 'snoozed', snoozed_until: until });
      expect(snoozed.body.payload).to.include({ current_status: 'snoozed', conversation_id: c.id });
      expect(new Date(snoozed.body.payload.snoozed_until).getTime()).to.equal(until * 1000);
      const reopened = await toggle(c.id, { status: 'open' });
      expect(reopened.body.payload).to.include({ current_status: 'open', snoozed_until: null });
    });

    it('rejects an unknown status and snoozed_until without snoozing (422), and unknown ids (404)', async () => {
      const c = await open();
      const bad = await toggle(c.id, { status: 'closed' });
      expect(bad.status).to.equal(422);
      expect(fieldPaths(bad.body)).to.deep.equal(['status']);
      const time = await toggle(c.id, { status: 'resolved', snoozed_until: 123 });
      expect(time.status).to.equal(422);
      expect(fieldPaths(time.body)).to.deep.equal(['snoozed_until']);
      const garbled = await toggle(c.id, { status: 'snoozed', snoozed_until: 'next tuesday' });
      expect(fieldPaths(garbled.body)).to.deep.equal(['snoozed_until']);
      expect((await toggle(999)).status).to.equal(404);
    });
  });

  describe('POST /conversations/:id/assignments', () => {
    const assign = async (id: number, body: Record<string, unknown>, token = account.admin.token) =>
      (await http()).post(path(`/${id}/assignments`)).set('api_access_token', token).send(body);

    it('assigns an inbox member (answering the agent) and unassigns with null', async () => {
      const agent = await createAgent(account, 'Jamie');
      await addInboxMember(inbox.id, agent);
      const c = await open();
      const res = await assign(c.id, { assignee_id: agent.id });
      expect(res.status).to.equal(200);
      expect(res.body).to.have.all.keys(AGENT_KEYS);
      expect(res.body).to.include({ id: agent.id, account_id: account.id, role: 'agent', name: 'Jamie', email: agent.email });
      const shown = await (await http()).get(path(`/${c.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(shown.body.meta.assignee).to.include({ id: agent.id, role: 'agent' });
      const mine = await (await http()).get(path('?assignee_type=me')).set('api_access_token', agent.token).expect(200);
      expect(ids(mine.body)).to.deep.equal([c.id]);

      const unassigned = await assign(c.id, { assignee_id: null });
      expect(unassigned.status).to.equal(200);
      expect(unassigned.body).to.equal(null);
      const after = await (await http()).get(path(`/${c.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(after.body.meta.assignee).to.equal(null);
    });

    it('accepts an administrator who is not an inbox member; refuses a non-member agent or a foreign user (422)', async () => {
      const c = await open();
      const admin2 = await createAgent(account, 'Second Admin');
      await (await runtime()).models.AccountUser.update({ role: 'administrator' }, { where: { account_id: account.id, user_id: admin2.id } });
      expect((await assign(c.id, { assignee_id: admin2.id })).body).to.include({ id: admin2.id, role: 'administrator' });

      const outsider = await createAgent(account);
      const res = await assign(c.id, { assignee_id: outsider.id });
      expect(res.status).to.equal(422);
      expect(fieldPaths(res.body)).to.deep.equal(['assignee_id']);
      const other = await createAccount();
      expect((await assign(c.id, { assignee_id: other.admin.id })).status).to.equal(422);
      const missing = await assign(c.id, {});
      expect(missing.status).to.equal(422);
      expect(fieldPaths(missing.body)).to.deep.equal(['assignee_id']);
      expect(fieldPaths((await assign(c.id, { assignee_id: 'abc' })).body)).to.deep.equal(['assignee_id']);
      const shown = await (await http()).get(path(`/${c.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(shown.body.meta.assignee.id).to.equal(admin2.id);
    });
  });

  describe('POST /conversations/:id/update_last_seen', () => {
    const seen = async (id: number, token = account.admin.token) => (await http()).post(path(`/${id}/update_last_seen`)).set('api_access_token', token).send({});

    it('marks the conversation read for the caller: unread drops to 0, the payload is answered and announced', async () => {
      const rt = await runtime();
      const changes: string[][] = [];
      rt.events.on('conversation.updated', (e) => void (e.accountId === account.id && changes.push(e.changes)), 'test');
      const c = await open();
      for (const content of ['one', 'two']) {
        await (await http()).post(path(`/${c.id}/messages`)).set('api_access_token', account.admin.token).send({ content, message_type: 'incoming' }).expect(200);
      }
      expect((await (await http()).get(path()).set('api_access_token', account.admin.token)).body.data.payload[0].unread_count).to.equal(2);

      const before = Math.floor(Date.now() / 1000);
      const res = await seen(c.id);
      expect(res.status).to.equal(200);
      expect(res.body).to.have.all.keys(CONVERSATION_KEYS);
      expect(res.body).to.include({ id: c.id, unread_count: 0, assignee_last_seen_at: 0 });
      expect(res.body.agent_last_seen_at).to.be.within(before - 1, before + 5);
      const listed = await (await http()).get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(listed.body.data.payload[0]).to.include({ id: c.id, unread_count: 0 });
      expect(changes).to.deep.equal([['agent_last_seen_at']]);

      await (await http()).post(path(`/${c.id}/messages`)).set('api_access_token', account.admin.token).send({ content: 'three', message_type: 'incoming' }).expect(200);
      const again = await (await http()).get(path(`/${c.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(again.body.unread_count).to.equal(1);
    });

    it('sets assignee_last_seen_at too when the caller is the assignee; any inbox member may mark it', async () => {
      const agent = await createAgent(account);
      await addInboxMember(inbox.id, agent);
      const c = await open({ assignee_id: agent.id });
      const byAdmin = await seen(c.id);
      expect(byAdmin.body.assignee_last_seen_at).to.equal(0);
      const byAssignee = await seen(c.id, agent.token);
      expect(byAssignee.status).to.equal(200);
      expect(byAssignee.body.assignee_last_seen_at).to.be.greaterThan(0);
      expect(byAssignee.body.agent_last_seen_at).to.be.at.least(byAdmin.body.agent_last_seen_at);
    });

    it('is a 404 for an agent outside the inbox, another account, or an unknown id — and marks nothing', async () => {
      const c = await open();
      const outsider = await createAgent(account);
      expect((await seen(c.id, outsider.token)).status).to.equal(404);
      const other = await createAccount();
      const api = await http();
      await api.post(path(`/${c.id}/update_last_seen`)).set('api_access_token', other.admin.token).send({}).expect(404);
      await api.post(`/api/v1/accounts/${other.id}/conversations/${c.id}/update_last_seen`).set('api_access_token', other.admin.token).send({}).expect(404);
      expect((await seen(999)).status).to.equal(404);
      await api.post(path(`/${c.id}/update_last_seen`)).send({}).expect(401);
      const shown = await api.get(path(`/${c.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(shown.body.agent_last_seen_at).to.equal(0);
    });
  });

  describe('search (q)', () => {
    const search = async (q: string, token = account.admin.token) => {
      const api = await http();
      const [list, meta] = await Promise.all([
        api.get(path(`?status=all&q=${encodeURIComponent(q)}`)).set('api_access_token', token).expect(200),
        api.get(path(`/meta?status=all&q=${encodeURIComponent(q)}`)).set('api_access_token', token).expect(200),
      ]);
      expect(meta.body.meta.all_count).to.equal(list.body.data.meta.all_count);
      return ids(list.body);
    };

    it('matches the contact\'s name and email, the display id (#12 or 12) and message text', async () => {
      // Digit-free names and addresses, so a bare number can only match a display id.
      const ada = await createContact(account, { name: 'Ada Lovelace', email: 'ada@engines.test' });
      const dora = await createContact(account, { name: 'Dora', email: 'dora@example.test' });
      const byAda = await createConversation(account, { inbox_id: inbox.id, contact_id: ada.id });
      const byDora = await createConversation(account, { inbox_id: inbox.id, contact_id: dora.id, message: { content: 'about the Lovelace biography' } });
      const quiet = await createConversation(account, { inbox_id: inbox.id, contact_id: dora.id });

      expect(await search('lovelace')).to.have.members([byAda.id, byDora.id]);
      expect(await search('@ENGINES.test')).to.deep.equal([byAda.id]);
      expect(await search(`#${quiet.id}`)).to.deep.equal([quiet.id]);
      expect(await search(String(quiet.id))).to.deep.equal([quiet.id]);
      expect(await search('biography')).to.deep.equal([byDora.id]);
      expect(await search('#99999999999')).to.deep.equal([]);
      expect(await search('100%_')).to.deep.equal([]);
    });

    it('matches the email subject and the text of an HTML-only email (with an attachment, so mailparser renders no text)', async () => {
      const login = await receive({ subject: 'Login problem', text: 'I cannot get in.' });
      const invoice = await receive({ subject: 'Question', html: '<p>Where is my <b>refund</b>?</p>', attachments: [{ filename: 'receipt.pdf', content: '%PDF-1.4' }] });
      await open({ message: { content: 'unrelated' } });
      expect(await search('Login problem')).to.deep.equal([login]);
      expect(await search('login PROB')).to.deep.equal([login]);
      expect(await search('my refund')).to.deep.equal([invoice]);
    });

    it('finds HTML-only emails stored before their text was rendered, once the migration backfills it', async () => {
      const rt = await runtime();
      const c = await open();
      const conversation = (await rt.models.Conversation.findOne({ where: { account_id: account.id, display_id: c.id } }))!;
      await rt.models.Message.create({
        account_id: account.id, inbox_id: inbox.id, conversation_id: conversation.id, message_type: 'incoming', content: '', content_type: 'incoming_email',
        content_attributes: { email: { html_content: { full: '<p>Old <i>parcel</i> tracking</p><blockquote>quoted</blockquote>', reply: '<p>Old <i>parcel</i> tracking</p>', quoted: '<blockquote>quoted</blockquote>' } } },
        private: false, status: 'sent',
      });
      expect(await search('parcel tracking')).to.deep.equal([]);
      await backfillHtmlOnlyContent(rt.sequelize.getQueryInterface());
      expect(await search('parcel tracking')).to.deep.equal([c.id]);
      expect(await search('quoted')).to.deep.equal([]);
    });

    it('keeps an agent\'s search to the inboxes they are members of', async () => {
      const agent = await createAgent(account);
      const member = await createInbox(account, 'Member inbox');
      await addInboxMember(member.id, agent);
      await open();
      const visible = await createConversation(account, { inbox_id: member.id, contact_id: contact.id });
      expect(await search('Casey', agent.token)).to.deep.equal([visible.id]);
      expect(await search('#1', agent.token)).to.deep.equal([]);
    });
  });

  describe('last message preview', () => {
    it('is the text of an HTML-only email', async () => {
      const id = await receive({ subject: 'Newsletter reply', html: '<div><p>Thanks for the <a href="https://x.test">offer</a>!</p><img src="cid:logo"></div>', attachments: [{ filename: 'logo.png', content: 'png', cid: 'logo' }] });
      const listed = (await (await http()).get(path()).set('api_access_token', account.admin.token).expect(200)).body.data.payload;
      expect(listed.find((c: { id: number }) => c.id === id).messages[0].content).to.equal('Thanks for the offer!');
    });


    it('carries the message\'s created_at (list and show), like the messages endpoint', async () => {
      const api = await http();
      const before = Math.floor(Date.now() / 1000);
      const c = await open({ message: { content: 'Hello' } });
      await api.post(path(`/${c.id}/messages`)).set('api_access_token', account.admin.token).send({ content: 'incoming one', message_type: 'incoming' }).expect(200);
      const listed = (await api.get(path()).set('api_access_token', account.admin.token).expect(200)).body.data.payload[0].messages[0];
      const shown = (await api.get(path(`/${c.id}`)).set('api_access_token', account.admin.token).expect(200)).body.messages[0];
      const thread = (await api.get(path(`/${c.id}/messages`)).set('api_access_token', account.admin.token).expect(200)).body.payload;
      expect(listed.content).to.equal('incoming one');
      expect(listed.created_at).to.be.a('number').within(before - 1, before + 5);
      expect(shown.created_at).to.equal(listed.created_at);
      expect(thread.at(-1).created_at).to.equal(listed.created_at);
      expect((c.messages as { created_at: unknown }[])[0].created_at).to.be.a('number').within(before - 1, before + 5);
    });
  });

  describe('visibility', () => {
    it('shows agents only conversations of inboxes they are members of; the rest are 404', async () => {
      const api = await http();
      const agent = await createAgent(account);
      const member = await createInbox(account, 'Member inbox');
      await addInboxMember(member.id, agent);
      const hidden = await open();
      const visible = await createConversation(account, { inbox_id: member.id, contact_id: contact.id });
      const token = agent.token;

      const list = await api.get(path('?status=all')).set('api_access_token', token).expect(200);
      expect(ids(list.body)).to.deep.equal([visible.id]);
      expect(list.body.data.meta.all_count).to.equal(1);
      expect((await api.get(path(`?inbox_id=${inbox.id}`)).set('api_access_token', token).expect(200)).body.data.payload).to.deep.equal([]);
      expect((await api.get(path('/meta?status=all')).set('api_access_token', token).expect(200)).body.meta.all_count).to.equal(1);
      await api.get(path(`/${visible.id}`)).set('api_access_token', token).expect(200);
      await api.get(path(`/${hidden.id}`)).set('api_access_token', token).expect(404);
      await api.post(path(`/${hidden.id}/toggle_status`)).set('api_access_token', token).send({}).expect(404);
      await api.post(path(`/${hidden.id}/assignments`)).set('api_access_token', token).send({ assignee_id: agent.id }).expect(404);
      const create = await api.post(path()).set('api_access_token', token).send({ inbox_id: inbox.id, contact_id: contact.id });
      expect(create.status).to.equal(422);
      expect(fieldPaths(create.body)).to.deep.equal(['inbox_id']);

      const admin = await api.get(path('?status=all')).set('api_access_token', account.admin.token).expect(200);
      expect(ids(admin.body)).to.have.members([visible.id, hidden.id]);

      await addInboxMember(inbox.id, agent);
      await api.get(path(`/${hidden.id}`)).set('api_access_token', token).expect(200);
    });

    it('hides another account\'s conversations (404 on every read and write), even from its administrators', async () => {
      const api = await http();
      await open();
      const other = await createAccount();
      const token = other.admin.token;
      const theirPath = (s: string) => `/api/v1/accounts/${other.id}/conversations${s}`;
      for (const p of [path(''), path('/meta'), path('/1'), theirPath('/1')]) await api.get(p).set('api_access_token', token).expect(404);
      await api.post(path('')).set('api_access_token', token).send({ inbox_id: inbox.id, contact_id: contact.id }).expect(404);
      for (const p of [path('/1/toggle_status'), theirPath('/1/toggle_status')]) await api.post(p).set('api_access_token', token).send({ status: 'resolved' }).expect(404);
      for (const p of [path('/1/assignments'), theirPath('/1/assignments')]) await api.post(p).set('api_access_token', token).send({ assignee_id: null }).expect(404);
      const theirs = await api.get(theirPath('?status=all')).set('api_access_token', token).expect(200);
      expect(theirs.body.data.payload).to.deep.equal([]);
      const mine = await api.get(path('/1')).set('api_access_token', account.admin.token).expect(200);
      expect(mine.body.status).to.equal('open');
    });

    it('requires authentication (401) on every endpoint', async () => {
      const api = await http();
      for (const res of [
        await api.get(path()),
        await api.get(path('/meta')),
        await api.post(path()).send({}),
        await api.get(path('/1')),
        await api.post(path('/1/toggle_status')).send({}),
        await api.post(path('/1/assignments')).send({ assignee_id: null }),
      ]) {
        expect(res.status).to.equal(401);
      }
    });
  });
});
