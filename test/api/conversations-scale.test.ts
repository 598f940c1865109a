import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import {
  addInboxMember, createAccount, createAgent, createContact, createConversation, createInbox,
  type TestAccount, type TestContact,
} from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

type ListBody = { data: { meta: Record<string, number | string>; payload: { id: number; search_highlight?: { field: string; html: string } | null }[] } };

describe('Conversations at scale: cursor pages, counters, full-text search', () => {
  let account: TestAccount;
  let inbox: { id: number };
  let contact: TestContact;
  const path = (suffix = '') => `/api/v1/accounts/${account.id}/conversations${suffix}`;
  const get = async (suffix: string, token = account.admin.token, status = 200) =>
    (await (await http()).get(path(suffix)).set('api_access_token', token).expect(status)).body;
  const ids = (body: ListBody) => body.data.payload.map((c) => c.id);

  /** `n` conversations straight in SQL (the triggers keep counters and search vectors as for any writer); answers their display ids. */
  const bulkConversations = async (n: number, attrs: { status?: string; inboxId?: number; sameActivity?: boolean } = {}): Promise<number[]> => {
    const rt = await runtime();
    const rows = await rt.sequelize.query<{ display_id: number }>(
      `WITH counter AS (UPDATE accounts SET last_conversation_display_id = last_conversation_display_id + :n WHERE id = :account RETURNING last_conversation_display_id AS last)
       INSERT INTO conversations (account_id, inbox_id, contact_id, display_id, uuid, status, additional_attributes, custom_attributes, last_activity_at, created_at, updated_at)
       SELECT :account, :inbox, :contact, counter.last - :n + g, gen_random_uuid(), :status, '{}', '{}',
              ${attrs.sameActivity ? `date_trunc('second', now())` : `now() - g * interval '1 second'`}, now(), now()
         FROM generate_series(1, :n) g, counter RETURNING display_id`,
      { replacements: { n, account: account.id, inbox: attrs.inboxId ?? inbox.id, contact: contact.id, status: attrs.status ?? 'open' }, type: QueryTypes.SELECT },
    );
    return rows.map((r) => r.display_id);
  };

  beforeEach(async () => {
    account = await createAccount();
    inbox = await createInbox(account);
    contact = await createContact(account, { name: 'Casey' });
  });

  describe('cursor pagination', () => {
    it('walks every conversation once while new ones arrive between pages; ties on last activity are ordered by id', async () => {
      const existing = [...(await bulkConversations(40)), ...(await bulkConversations(20, { sameActivity: true }))];
      const seen: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const body: ListBody = await get(`?status=open${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        seen.push(...ids(body));
        cursor = body.data.meta.next_cursor as string | undefined;
        expect(body.data.meta.all_count).to.be.at.least(existing.length);
        if (!cursor) break;
        await bulkConversations(3); // newer than every listed one: they belong before the cursor
      }
      expect(seen).to.have.length(existing.length);
      expect([...seen].sort((a, b) => a - b)).to.deep.equal([...existing].sort((a, b) => a - b));
    });

    it('keeps Chatwoot\'s page: page 2 is the cursor\'s next page; the last page has no next_cursor; bad cursors are 422', async () => {
      await bulkConversations(30);
      const first: ListBody = await get('?status=open');
      expect(first.data.meta.next_cursor).to.be.a('string');
      const byPage: ListBody = await get('?status=open&page=2');
      const byCursor: ListBody = await get(`?status=open&cursor=${encodeURIComponent(first.data.meta.next_cursor as string)}`);
      expect(ids(byCursor)).to.deep.equal(ids(byPage)).and.to.have.length(5);
      expect(byPage.data.meta).to.not.have.property('next_cursor');
      expect(byCursor.data.meta).to.deep.equal({ mine_count: 0, unassigned_count: 30, assigned_count: 0, all_count: 30 });

      const bad = await get('?cursor=not-a-cursor', account.admin.token, 422);
      expect(bad.error.fields.map((f: { path: string }) => f.path)).to.deep.equal(['cursor']);
      const withSearch = await get(`?q=casey&cursor=${encodeURIComponent(first.data.meta.next_cursor as string)}`, account.admin.token, 422);
      expect(withSearch.error.fields[0]).to.deep.include({ path: 'cursor' });
    });
  });

  it('counts from the counters equal a direct count, after creates, status, team and label changes, assignments and a contact\'s deletion, for admins and agents', async () => {
    const rt = await runtime();
    const api = await http();
    const admin = (req: ReturnType<typeof api.get>) => req.set('api_access_token', account.admin.token);
    const agent = await createAgent(account);
    const second = await createInbox(account, 'Second');
    await addInboxMember(second.id, agent);
    const other = await createContact(account, { name: 'Other' });
    const team = (await admin(api.post(`/api/v1/accounts/${account.id}/teams`)).send({ name: 'Billing desk' }).expect(200)).body;
    const otherTeam = (await admin(api.post(`/api/v1/accounts/${account.id}/teams`)).send({ name: 'Returns' }).expect(200)).body;
    for (const title of ['refund', 'vip', 'spam']) await admin(api.post(`/api/v1/accounts/${account.id}/labels`)).send({ title }).expect(200);
    await bulkConversations(7);
    await bulkConversations(4, { status: 'pending', inboxId: second.id });
    const made = await createConversation(account, { inbox_id: second.id, contact_id: other.id, assignee_id: agent.id });
    await createConversation(account, { inbox_id: inbox.id, contact_id: other.id, assignee_id: account.admin.id, status: 'resolved' });
    await admin(api.post(path(`/${made.id}/toggle_status`))).send({ status: 'snoozed' }).expect(200);
    await admin(api.post(path('/1/assignments'))).send({ assignee_id: account.admin.id, team_id: team.id }).expect(200);
    await admin(api.post(path(`/${made.id}/assignments`))).send({ team_id: team.id }).expect(200);
    await admin(api.post(path('/2/assignments'))).send({ team_id: otherTeam.id }).expect(200);
    await admin(api.post(path('/1/labels'))).send({ labels: ['refund', 'vip'] }).expect(200);
    await admin(api.post(path(`/${made.id}/labels`))).send({ labels: ['vip'] }).expect(200);
    await admin(api.post(path('/3/labels'))).send({ labels: ['vip', 'spam'] }).expect(200);
    await admin(api.post(`/api/v1/accounts/${account.id}/bulk_actions`)).send({ type: 'Conversation', ids: [3, 4, 5], labels: { add: ['refund'] } }).expect(200);

    type Scope = { status: string; inboxIds?: number[]; teamId?: number; label?: string };
    const direct = async (userId: number, { status, inboxIds, teamId, label }: Scope) => {
      const [row] = await rt.sequelize.query<Record<string, string>>(
        `SELECT count(*) FILTER (WHERE assignee_id = :me) AS mine_count, count(*) FILTER (WHERE assignee_id IS NULL) AS unassigned_count,
                count(*) FILTER (WHERE assignee_id IS NOT NULL) AS assigned_count, count(*) AS all_count
           FROM conversations WHERE account_id = :account ${status === 'all' ? '' : 'AND status = :status'} ${inboxIds ? 'AND inbox_id IN (:inboxIds)' : ''}
            ${teamId ? 'AND team_id = :teamId' : ''} ${label ? 'AND :label = ANY(label_list)' : ''}`,
        { replacements: { me: userId, account: account.id, status, inboxIds, teamId, label }, type: QueryTypes.SELECT },
      );
      return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
    };
    const check = async () => {
      for (const status of ['open', 'pending', 'snoozed', 'resolved', 'all']) {
        expect((await get(`/meta?status=${status}`)).meta, `admin ${status}`).to.deep.equal(await direct(account.admin.id, { status }));
        expect((await get(`/meta?status=${status}`, agent.token)).meta, `agent ${status}`).to.deep.equal(await direct(agent.id, { status, inboxIds: [second.id] }));
        expect((await get(`?status=${status}&inbox_id=${second.id}`)).data.meta, `inbox ${status}`).to.deep.include(await direct(account.admin.id, { status, inboxIds: [second.id] }));
        for (const teamId of [team.id, otherTeam.id]) {
          expect((await get(`/meta?status=${status}&team_id=${teamId}`)).meta, `team ${teamId} ${status}`).to.deep.equal(await direct(account.admin.id, { status, teamId }));
        }
        for (const label of ['refund', 'vip', 'spam']) {
          expect((await get(`?status=${status}&labels[]=${label}`)).data.meta, `label ${label} ${status}`).to.deep.include(await direct(account.admin.id, { status, label }));
          expect((await get(`/meta?status=${status}&team_id=${team.id}&labels[]=${label}`, agent.token)).meta, `agent, team, label ${label} ${status}`)
            .to.deep.equal(await direct(agent.id, { status, inboxIds: [second.id], teamId: team.id, label }));
        }
      }
    };
    await check();
    expect((await get('/meta?status=all')).meta.all_count).to.equal(13);
    expect((await get('/meta?status=all&labels[]=vip')).meta.all_count).to.equal(3);
    await admin(api.post(path('/1/labels'))).send({ labels: ['spam'] }).expect(200);
    await admin(api.post(path('/1/assignments'))).send({ team_id: otherTeam.id }).expect(200);
    await admin(api.post(path('/3/toggle_status'))).send({ status: 'resolved' }).expect(200);
    await check();
    await api.delete(`/api/v1/accounts/${account.id}/contacts/${other.id}`).set('api_access_token', account.admin.token).expect(200);
    await check();
    expect((await get('/meta?status=all')).meta.all_count).to.equal(11);
    expect((await get('/meta?status=all&labels[]=vip')).meta.all_count).to.equal(1);
  });

  describe('search', () => {
    const search = async (q: string, extra = '') => (await get(`?status=all&q=${encodeURIComponent(q)}${extra}`)) as ListBody;

    it('ranks a subject match above a message mention, marks the matched words and escapes the text around them', async () => {
      const mention = await createConversation(account, {
        inbox_id: inbox.id, contact_id: contact.id,
        message: { content: 'Hello, <img src=x onerror=alert(1)> & about the invoice: "it" is late' },
      });
      const subject = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, additional_attributes: { mail_subject: 'Invoice 7 overdue' } });
      await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, message: { content: 'Nothing to see' } });
      await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, message: { content: 'invo…' } });
      // The mention is the most recently active, yet the subject match ranks first.
      await (await http()).post(path(`/${mention.id}/messages`)).set('api_access_token', account.admin.token).send({ content: 'still waiting' }).expect(200);

      const body = await search('invoice');
      expect(ids(body)).to.deep.equal([subject.id, mention.id]);
      expect(body.data.payload[0].search_highlight).to.deep.equal({ field: 'subject', html: '<mark>Invoice</mark> 7 overdue' });
      const html = body.data.payload[1].search_highlight!.html;
      expect(body.data.payload[1].search_highlight!.field).to.equal('message');
      expect(html).to.contain('<mark>invoice</mark>');
      expect(html).to.contain('&lt;img src=x onerror=alert(1)&gt; &amp; about the <mark>invoice</mark>: &quot;it&quot; is late');
      expect(html.replace(/<\/?mark>/g, '')).to.not.match(/[<>]/);
      expect(ids(await search('INVO late'))).to.deep.equal([mention.id]); // words as prefixes, in any order
    });

    it('finds any part of a contact\'s email or name (trigram), marked; within an inbox and a status', async () => {
      const zed = await createContact(account, { name: 'Zed <b>Quartz</b>', email: 'zed.quartz@widgets.test' });
      const second = await createInbox(account, 'Second');
      const a = await createConversation(account, { inbox_id: inbox.id, contact_id: zed.id });
      const b = await createConversation(account, { inbox_id: second.id, contact_id: zed.id, status: 'pending' });
      expect(await search('rtz@widg').then(ids)).to.have.members([a.id, b.id]);
      const [hit] = (await search('rtz@widg', `&inbox_id=${second.id}`)).data.payload;
      expect(hit.id).to.equal(b.id);
      expect(hit.search_highlight).to.deep.equal({ field: 'contact', html: 'Zed &lt;b&gt;Quartz&lt;/b&gt; &lt;zed.qua<mark>rtz@widg</mark>ets.test&gt;' });
      expect(ids(await get(`?status=pending&q=quartz`))).to.deep.equal([b.id]);
      expect((await get(`/meta?status=open&q=quartz`)).meta).to.deep.equal({ mine_count: 0, unassigned_count: 1, assigned_count: 0, all_count: 1 });
      // A renamed contact is found by the new name's words (the conversations' vectors follow the contact).
      await (await http()).put(`/api/v1/accounts/${account.id}/contacts/${zed.id}`).set('api_access_token', account.admin.token).send({ name: 'Xavier Onyx' }).expect(200);
      const [row] = await (await runtime()).sequelize.query<{ found: number }>(
        `SELECT count(*)::int AS found FROM conversations WHERE contact_id = :id AND search_vector @@ to_tsquery('simple', 'onyx')`,
        { replacements: { id: zed.id }, type: QueryTypes.SELECT },
      );
      expect(row.found).to.equal(2);
    });
  });

  it('never reads or answers an assignee\'s password digest', async () => {
    const rt = await runtime();
    const digest = `$2b$10$digest-marker-${Date.now()}`;
    await rt.sequelize.query('UPDATE users SET password_digest = :digest WHERE id = :id', { replacements: { digest, id: account.admin.id } });
    const c = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, assignee_id: account.admin.id, message: { content: 'hi' } });
    const api = await http();
    const bodies = await Promise.all([
      api.get(path()).set('api_access_token', account.admin.token).expect(200),
      api.get(path('?q=hi')).set('api_access_token', account.admin.token).expect(200),
      api.get(path(`/${c.id}`)).set('api_access_token', account.admin.token).expect(200),
      api.get(`/api/v1/accounts/${account.id}/contacts/${contact.id}/conversations`).set('api_access_token', account.admin.token).expect(200),
    ]);
    for (const res of bodies) {
      expect(res.text).to.contain(`"assignee":{"id":${account.admin.id}`);
      expect(res.text).to.not.contain(digest).and.not.contain('password');
    }
  });
});
