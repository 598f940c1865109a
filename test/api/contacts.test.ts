import { expect } from 'chai';
import { addInboxMember, createAccount, createAgent, createContact, createConversation, createInbox, type TestAccount } from '../support/factories.js';
import { http } from '../support/runtime.js';

const CONTACT_KEYS = [
  'id', 'name', 'email', 'phone_number', 'identifier', 'thumbnail', 'additional_attributes', 'custom_attributes',
  'availability_status', 'blocked', 'created_at', 'last_activity_at', 'contact_inboxes',
];
const fieldPaths = (body: { error: { fields: { path: string }[] } }) => body.error.fields.map((f) => f.path);

describe('Contacts API', () => {
  let account: TestAccount;
  const path = (suffix = '') => `/api/v1/accounts/${account.id}/contacts${suffix}`;

  beforeEach(async () => {
    account = await createAccount();
  });

  describe('POST /contacts', () => {
    it('creates a contact in an email inbox: the contact inbox is keyed by the email', async () => {
      const api = await http();
      const inbox = await createInbox(account, 'Sales');
      const before = Math.floor(Date.now() / 1000);
      const res = await api
        .post(path())
        .set('api_access_token', account.admin.token)
        .send({
          inbox_id: inbox.id, name: 'Ada Lovelace', email: 'Ada@Example.TEST', phone_number: '+442071234567', identifier: 'crm-1',
          additional_attributes: { company_name: 'Engines' }, custom_attributes: { plan: 'gold' },
        })
        .expect(200);
      const { contact, contact_inbox } = res.body.payload;
      expect(contact).to.have.all.keys(CONTACT_KEYS);
      expect(contact).to.deep.include({
        name: 'Ada Lovelace', email: 'ada@example.test', phone_number: '+442071234567', identifier: 'crm-1', thumbnail: '',
        additional_attributes: { company_name: 'Engines' }, custom_attributes: { plan: 'gold' }, availability_status: 'offline',
        blocked: false, last_activity_at: null,
      });
      expect(contact.created_at).to.be.a('number').within(before - 1, before + 5);
      expect(contact.contact_inboxes).to.deep.equal([
        { source_id: 'ada@example.test', inbox: { id: inbox.id, name: 'Sales', channel_type: 'Channel::Email', provider: 'imap' } },
      ]);
      expect(contact_inbox.source_id).to.equal('ada@example.test');
      expect(contact_inbox.inbox).to.include({ id: inbox.id, name: 'Sales', channel_type: 'Channel::Email' });
      expect(JSON.stringify(contact_inbox)).not.to.contain('Secret-');
    });

    it('creates a contact without an inbox (contact_inbox is empty, as in Chatwoot)', async () => {
      const res = await (await http()).post(path()).set('api_access_token', account.admin.token).send({ name: 'No Inbox' }).expect(200);
      expect(res.body.payload.contact_inbox).to.deep.equal({ inbox: null, source_id: null });
      expect(res.body.payload.contact).to.include({ name: 'No Inbox', email: null, phone_number: null, identifier: null });
      expect(res.body.payload.contact.contact_inboxes).to.deep.equal([]);
    });

    it('uses a uuid source id when the contact has no email', async () => {
      const inbox = await createInbox(account);
      const res = await (await http()).post(path()).set('api_access_token', account.admin.token).send({ inbox_id: inbox.id, name: 'Phone only', phone_number: '+14155550100' }).expect(200);
      expect(res.body.payload.contact_inbox.source_id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('names each invalid field (422)', async () => {
      const api = await http();
      const bad = await api
        .post(path())
        .set('api_access_token', account.admin.token)
        .send({ name: 'x', email: 'not-an-email', phone_number: '0044 20 7123', custom_attributes: 'nope', inbox_id: 'abc' });
      expect(bad.status).to.equal(422);
      expect(bad.body.error.code).to.equal('validation_failed');
      expect(fieldPaths(bad.body)).to.include.members(['email', 'phone_number', 'custom_attributes', 'inbox_id']);

      const empty = await api.post(path()).set('api_access_token', account.admin.token).send({});
      expect(empty.status).to.equal(422);
      expect(fieldPaths(empty.body)).to.deep.equal(['name']);
    });

    it('refuses a duplicate email (case-insensitive), identifier or phone number in the same account only', async () => {
      const api = await http();
      await createContact(account, { email: 'dup@example.test', identifier: 'ext-1', phone_number: '+14155550101' });
      const res = await api
        .post(path())
        .set('api_access_token', account.admin.token)
        .send({ name: 'Again', email: 'DUP@example.test', identifier: 'ext-1', phone_number: '+14155550101' });
      expect(res.status).to.equal(422);
      expect(res.body.error.fields).to.deep.include({ path: 'email', message: 'has already been taken' });
      expect(fieldPaths(res.body)).to.include.members(['email', 'identifier', 'phone_number']);

      const other = await createAccount();
      await api.post(`/api/v1/accounts/${other.id}/contacts`).set('api_access_token', other.admin.token).send({ name: 'Same', email: 'dup@example.test', identifier: 'ext-1' }).expect(200);
    });

    it('refuses an inbox of another account, or one an agent is not a member of (422 inbox_id)', async () => {
      const api = await http();
      const other = await createAccount();
      const foreign = await createInbox(other);
      const res = await api.post(path()).set('api_access_token', account.admin.token).send({ name: 'x', inbox_id: foreign.id });
      expect(res.status).to.equal(422);
      expect(fieldPaths(res.body)).to.deep.equal(['inbox_id']);

      const inbox = await createInbox(account);
      const agent = await createAgent(account);
      const asAgent = await api.post(path()).set('api_access_token', agent.token).send({ name: 'y', inbox_id: inbox.id });
      expect(asAgent.status).to.equal(422);
      await addInboxMember(inbox.id, agent);
      await api.post(path()).set('api_access_token', agent.token).send({ name: 'y', inbox_id: inbox.id }).expect(200);
    });
  });

  describe('GET /contacts', () => {
    it('pages by 15 with the total count and only lists the account\'s contacts', async () => {
      const api = await http();
      for (let i = 0; i < 16; i++) await createContact(account, { name: `Person ${String(i).padStart(2, '0')}` });
      const other = await createAccount();
      await createContact(other, { name: 'Elsewhere' });

      const first = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
      expect(first.body.meta).to.deep.equal({ count: 16, current_page: 1 });
      expect(first.body.payload).to.have.length(15);
      expect(first.body.payload[0]).to.have.all.keys(CONTACT_KEYS);
      const second = await api.get(path('?page=2')).set('api_access_token', account.admin.token).expect(200);
      expect(second.body.meta).to.deep.equal({ count: 16, current_page: 2 });
      expect(second.body.payload).to.have.length(1);
      const ids = new Set([...first.body.payload, ...second.body.payload].map((c: { id: number }) => c.id));
      expect(ids.size).to.equal(16);
      expect([...first.body.payload, ...second.body.payload].map((c: { name: string }) => c.name)).not.to.include('Elsewhere');
    });

    it('sorts by name, email and created_at, ascending or with - descending', async () => {
      const api = await http();
      await createContact(account, { name: 'bravo', email: 'c@sort.test' });
      await createContact(account, { name: 'Alpha', email: 'b@sort.test' });
      await createContact(account, { name: 'charlie', email: 'a@sort.test' });
      const names = async (sort: string) =>
        (await api.get(path(`?sort=${sort}`)).set('api_access_token', account.admin.token).expect(200)).body.payload.map((c: { name: string }) => c.name);
      expect(await names('name')).to.deep.equal(['Alpha', 'bravo', 'charlie']);
      expect(await names('-name')).to.deep.equal(['charlie', 'bravo', 'Alpha']);
      expect(await names('email')).to.deep.equal(['charlie', 'Alpha', 'bravo']);
      expect(await names('-created_at')).to.deep.equal(['charlie', 'Alpha', 'bravo']);
      expect(await names('created_at')).to.deep.equal(['bravo', 'Alpha', 'charlie']);
    });

    it('rejects an unknown sort and a bad page (422)', async () => {
      const api = await http();
      const sort = await api.get(path('?sort=password')).set('api_access_token', account.admin.token);
      expect(sort.status).to.equal(422);
      expect(fieldPaths(sort.body)).to.deep.equal(['sort']);
      const page = await api.get(path('?page=0')).set('api_access_token', account.admin.token);
      expect(page.status).to.equal(422);
      expect(fieldPaths(page.body)).to.deep.equal(['page']);
    });
  });

  describe('GET /contacts/search', () => {
    it('matches name, email, phone number and identifier case-insensitively', async () => {
      const api = await http();
      const grace = await createContact(account, { name: 'Grace Hopper', email: 'grace@navy.test', phone_number: '+12025550123', identifier: 'COBOL-1959' });
      await createContact(account, { name: 'Someone Else', email: 'else@example.test' });
      const other = await createAccount();
      await createContact(other, { name: 'Grace Other', email: 'grace@other.test' });

      for (const q of ['gRaCe', 'NAVY.test', '2025550', 'cobol']) {
        const res = await api.get(path(`/search?q=${encodeURIComponent(q)}`)).set('api_access_token', account.admin.token).expect(200);
        expect(res.body.meta, q).to.deep.equal({ count: 1, current_page: 1 });
        expect(res.body.payload.map((c: { id: number }) => c.id), q).to.deep.equal([grace.id]);
        expect(res.body.payload[0]).to.have.all.keys(CONTACT_KEYS);
      }
    });

    it('treats LIKE wildcards literally and requires q (422)', async () => {
      const api = await http();
      await createContact(account, { name: 'Plain' });
      const wildcard = await api.get(path('/search?q=%25')).set('api_access_token', account.admin.token).expect(200);
      expect(wildcard.body.payload).to.deep.equal([]);
      const missing = await api.get(path('/search')).set('api_access_token', account.admin.token);
      expect(missing.status).to.equal(422);
      expect(fieldPaths(missing.body)).to.deep.equal(['q']);
    });
  });

  describe('GET, PUT/PATCH, DELETE /contacts/:id', () => {
    it('shows a contact with its contact inboxes', async () => {
      const inbox = await createInbox(account);
      const contact = await createContact(account, { inbox_id: inbox.id });
      const res = await (await http()).get(path(`/${contact.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(res.body.payload).to.have.all.keys(CONTACT_KEYS);
      expect(res.body.payload).to.include({ id: contact.id, email: contact.email });
      expect(res.body.payload.contact_inboxes).to.have.length(1);
      expect(res.body.payload.contact_inboxes[0].inbox.id).to.equal(inbox.id);
    });

    it('updates with PUT and PATCH, merging attribute hashes and clearing blank fields', async () => {
      const api = await http();
      const contact = await createContact(account, { custom_attributes: { plan: 'gold', seats: 3 }, phone_number: '+14155550199' });
      const put = await api
        .put(path(`/${contact.id}`))
        .set('api_access_token', account.admin.token)
        .send({ name: 'Renamed', custom_attributes: { seats: 5 }, phone_number: '' })
        .expect(200);
      expect(put.body.payload).to.deep.include({ name: 'Renamed', custom_attributes: { plan: 'gold', seats: 5 }, phone_number: null });
      const patch = await api.patch(path(`/${contact.id}`)).set('api_access_token', account.admin.token).send({ blocked: true }).expect(200);
      expect(patch.body.payload).to.include({ name: 'Renamed', blocked: true });
      const shown = await api.get(path(`/${contact.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(shown.body.payload).to.include({ name: 'Renamed', blocked: true });
    });

    it('refuses an update to another contact\'s email or an invalid phone (422), but keeps its own email', async () => {
      const api = await http();
      const a = await createContact(account);
      const b = await createContact(account);
      const taken = await api.put(path(`/${b.id}`)).set('api_access_token', account.admin.token).send({ email: a.email });
      expect(taken.status).to.equal(422);
      expect(taken.body.error.fields).to.deep.equal([{ path: 'email', message: 'has already been taken' }]);
      const phone = await api.put(path(`/${b.id}`)).set('api_access_token', account.admin.token).send({ phone_number: '12345' });
      expect(phone.status).to.equal(422);
      expect(fieldPaths(phone.body)).to.deep.equal(['phone_number']);
      await api.put(path(`/${b.id}`)).set('api_access_token', account.admin.token).send({ email: b.email, name: 'Same email' }).expect(200);
    });

    it('lets administrators delete a contact; agents get 403', async () => {
      const api = await http();
      const contact = await createContact(account);
      const agent = await createAgent(account);
      await api.get(path(`/${contact.id}`)).set('api_access_token', agent.token).expect(200);
      const denied = await api.delete(path(`/${contact.id}`)).set('api_access_token', agent.token);
      expect(denied.status).to.equal(403);
      const res = await api.delete(path(`/${contact.id}`)).set('api_access_token', account.admin.token).expect(200);
      expect(res.body).to.have.property('message').that.is.a('string');
      await api.get(path(`/${contact.id}`)).set('api_access_token', account.admin.token).expect(404);
      await api.delete(path(`/${contact.id}`)).set('api_access_token', account.admin.token).expect(404);
    });

    it('answers 404 for unknown and non-numeric ids', async () => {
      const api = await http();
      await api.get(path('/999999999')).set('api_access_token', account.admin.token).expect(404);
      await api.get(path('/abc')).set('api_access_token', account.admin.token).expect(404);
      await api.put(path('/999999999')).set('api_access_token', account.admin.token).send({ name: 'x' }).expect(404);
    });
  });

  describe('isolation and authentication', () => {
    it('hides every contact of another account (404 on each read and write), even from its administrators', async () => {
      const api = await http();
      const other = await createAccount();
      const theirs = await createContact(other, { name: 'Their Contact' });
      const token = account.admin.token;
      // Through the other account's path: the caller is not a member.
      await api.get(`/api/v1/accounts/${other.id}/contacts`).set('api_access_token', token).expect(404);
      await api.get(`/api/v1/accounts/${other.id}/contacts/${theirs.id}`).set('api_access_token', token).expect(404);
      await api.get(`/api/v1/accounts/${other.id}/contacts/search?q=Their`).set('api_access_token', token).expect(404);
      await api.post(`/api/v1/accounts/${other.id}/contacts`).set('api_access_token', token).send({ name: 'x' }).expect(404);
      // Through the caller's own account path with the other account's id.
      await api.get(path(`/${theirs.id}`)).set('api_access_token', token).expect(404);
      await api.put(path(`/${theirs.id}`)).set('api_access_token', token).send({ name: 'hijack' }).expect(404);
      await api.patch(path(`/${theirs.id}`)).set('api_access_token', token).send({ name: 'hijack' }).expect(404);
      await api.delete(path(`/${theirs.id}`)).set('api_access_token', token).expect(404);
      const search = await api.get(path('/search?q=Their')).set('api_access_token', token).expect(200);
      expect(search.body.payload).to.deep.equal([]);

      const still = await api.get(`/api/v1/accounts/${other.id}/contacts/${theirs.id}`).set('api_access_token', other.admin.token).expect(200);
      expect(still.body.payload.name).to.equal('Their Contact');
    });

    it('requires authentication (401) on every endpoint', async () => {
      const api = await http();
      const contact = await createContact(account);
      for (const res of [
        await api.get(path()),
        await api.get(path('/search?q=a')),
        await api.post(path()).send({ name: 'x' }),
        await api.get(path(`/${contact.id}`)),
        await api.put(path(`/${contact.id}`)).send({ name: 'x' }),
        await api.delete(path(`/${contact.id}`)),
      ]) {
        expect(res.status).to.equal(401);
        expect(res.body.code).to.equal('unauthorized');
      }
    });
  });

  describe('GET /contacts/:id/conversations', () => {
    const conversationsOf = async (contactId: number, token = account.admin.token) =>
      (await http()).get(path(`/${contactId}/conversations`)).set('api_access_token', token);

    it('lists the contact\'s conversations, most recent activity first, in the conversation payload shape', async () => {
      const inbox = await createInbox(account);
      const contact = await createContact(account);
      const someoneElse = await createContact(account, { name: 'Someone Else' });
      const older = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id });
      const newer = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, status: 'resolved' });
      await createConversation(account, { inbox_id: inbox.id, contact_id: someoneElse.id });
      const res = await conversationsOf(contact.id);
      expect(res.status).to.equal(200);
      expect(res.body.payload.map((c: { id: number }) => c.id)).to.deep.equal([newer.id, older.id]);

      await (await http())
        .post(`/api/v1/accounts/${account.id}/conversations/${older.id}/messages`)
        .set('api_access_token', account.admin.token)
        .send({ content: 'back again', message_type: 'incoming' })
        .expect(200);
      const after = (await conversationsOf(contact.id)).body.payload;
      expect(after.map((c: { id: number }) => c.id)).to.deep.equal([older.id, newer.id]);
      expect(after[0]).to.include({ inbox_id: inbox.id, status: 'open', unread_count: 1 });
      expect(after[0].meta.sender).to.include({ id: contact.id });
      expect(after[0].messages[0]).to.include({ content: 'back again' });
      expect((await conversationsOf(someoneElse.id)).body.payload).to.have.length(1);
      const none = await createContact(account, { name: 'No Conversations' });
      expect((await conversationsOf(none.id)).body).to.deep.equal({ payload: [] });
    });

    it('shows an agent only the conversations of inboxes they are members of', async () => {
      const hiddenInbox = await createInbox(account, 'Hidden');
      const memberInbox = await createInbox(account, 'Member');
      const agent = await createAgent(account);
      await addInboxMember(memberInbox.id, agent);
      const contact = await createContact(account);
      await createConversation(account, { inbox_id: hiddenInbox.id, contact_id: contact.id });
      const visible = await createConversation(account, { inbox_id: memberInbox.id, contact_id: contact.id });
      const res = await conversationsOf(contact.id, agent.token);
      expect(res.status).to.equal(200);
      expect(res.body.payload.map((c: { id: number }) => c.id)).to.deep.equal([visible.id]);
      expect((await conversationsOf(contact.id)).body.payload).to.have.length(2);
    });

    it('is a 404 for another account\'s contact or an unknown one, and a 401 without a token', async () => {
      const other = await createAccount();
      const theirInbox = await createInbox(other);
      const theirs = await createContact(other);
      await createConversation(other, { inbox_id: theirInbox.id, contact_id: theirs.id });
      const api = await http();
      expect((await conversationsOf(theirs.id)).status).to.equal(404);
      await api.get(`/api/v1/accounts/${other.id}/contacts/${theirs.id}/conversations`).set('api_access_token', account.admin.token).expect(404);
      expect((await conversationsOf(999_999)).status).to.equal(404);
      expect((await conversationsOf(theirs.id, other.admin.token)).status).to.equal(404);
      await api.get(`/api/v1/accounts/${other.id}/contacts/${theirs.id}/conversations`).expect(401);
      const ok = await api.get(`/api/v1/accounts/${other.id}/contacts/${theirs.id}/conversations`).set('api_access_token', other.admin.token).expect(200);
      expect(ok.body.payload).to.have.length(1);
    });
  });
});
