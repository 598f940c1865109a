import { expect } from 'chai';
import { addInboxMember, createAccount, createAgent, createContact, createConversation, createInbox, type TestAccount, type TestContact, type TestUser } from '../support/factories.js';
import { http } from '../support/runtime.js';

const fieldErrors = (body: { error: { fields: { path: string; message: string }[] } }) => body.error.fields;
const listIds = (body: { data: { payload: { id: number }[] } }) => body.data.payload.map((c) => c.id).sort((a, b) => a - b);

describe('Triage API: labels, teams, priority, snooze, bulk actions, activity lines', () => {
  let account: TestAccount;
  let inbox: { id: number };
  let contact: TestContact;
  let alice: TestUser;
  const base = () => `/api/v1/accounts/${account.id}`;
  const open = (attrs: Record<string, unknown> = {}) => createConversation(account, { inbox_id: inbox.id, contact_id: contact.id, ...attrs });
  const as = async (user: TestUser) => {
    const api = await http();
    const auth = <T extends { set(k: string, v: string): T }>(r: T) => r.set('api_access_token', user.token);
    return {
      get: (p: string) => auth(api.get(base() + p)),
      post: (p: string, body?: object) => auth(api.post(base() + p)).send(body ?? {}),
      patch: (p: string, body?: object) => auth(api.patch(base() + p)).send(body ?? {}),
      delete: (p: string, body?: object) => auth(api.delete(base() + p)).send(body ?? {}),
    };
  };
  const activity = async (displayId: number) => {
    const res = await (await as(account.admin)).get(`/conversations/${displayId}/messages`).expect(200);
    return (res.body.payload as { message_type: number; content: string }[]).filter((m) => m.message_type === 2).map((m) => m.content);
  };

  beforeEach(async () => {
    account = await createAccount();
    inbox = await createInbox(account);
    contact = await createContact(account, { email: 'customer@example.test', name: 'Customer' });
    alice = await createAgent(account, 'Alice');
    await addInboxMember(inbox.id, alice);
  });

  it('labels: CRUD with Chatwoot payloads; conversations and contacts carry them; renames and deletions follow', async () => {
    const admin = await as(account.admin);
    const created = await admin.post('/labels', { title: 'Billing', description: 'Money matters', color: '#ff0000' }).expect(200);
    expect(created.body).to.deep.equal({ id: created.body.id, title: 'billing', description: 'Money matters', color: '#ff0000', show_on_sidebar: true });
    const vip = (await admin.post('/labels', { title: 'vip' }).expect(200)).body;
    expect(vip.color).to.equal('#1f93ff');
    expect((await admin.get('/labels').expect(200)).body.payload.map((l: { title: string }) => l.title)).to.deep.equal(['billing', 'vip']);

    const dup = await admin.post('/labels', { title: 'BILLING' }).expect(422);
    expect(fieldErrors(dup.body)).to.deep.equal([{ path: 'title', message: 'is already taken' }]);
    const bad = await admin.post('/labels', { title: 'two words', color: 'red' }).expect(422);
    expect(fieldErrors(bad.body).map((f) => f.path)).to.have.members(['title', 'color']);
    await (await as(alice)).post('/labels', { title: 'mine' }).expect(403);
    expect((await (await as(alice)).get('/labels').expect(200)).body.payload).to.have.length(2);

    const c = await open();
    const set = await (await as(alice)).post(`/conversations/${c.id}/labels`, { labels: ['vip', 'Billing', 'vip'] }).expect(200);
    expect(set.body).to.deep.equal({ payload: ['billing', 'vip'] });
    expect((await admin.get(`/conversations/${c.id}/labels`).expect(200)).body).to.deep.equal({ payload: ['billing', 'vip'] });
    expect((await admin.get(`/conversations/${c.id}`).expect(200)).body.labels).to.deep.equal(['billing', 'vip']);
    // As Chatwoot, a new title becomes an account label; a title that cannot be one is refused.
    expect(fieldErrors((await admin.post(`/conversations/${c.id}/labels`, { labels: ['vip', 'two words'] }).expect(422)).body)[0].path).to.equal('labels.1');
    await admin.post(`/conversations/${c.id}/labels`, { labels: 'vip' }).expect(422);
    expect((await admin.get(`/conversations/${c.id}/labels`)).body.payload).to.deep.equal(['billing', 'vip']);

    await admin.post(`/contacts/${contact.id}/labels`, { labels: ['vip'] }).expect(200, { payload: ['vip'] });
    expect((await admin.get(`/contacts/${contact.id}/labels`).expect(200)).body).to.deep.equal({ payload: ['vip'] });
    const other = await createAccount();
    await (await as(other.admin)).get(`/contacts/${contact.id}/labels`).expect(404);

    // A rename is carried into every conversation and contact; a deletion removes the title.
    await admin.patch(`/labels/${vip.id}`, { title: 'gold', color: '#ffd700' }).expect(200);
    expect((await admin.get(`/labels/${vip.id}`).expect(200)).body).to.include({ title: 'gold', color: '#ffd700' });
    expect((await admin.get(`/conversations/${c.id}/labels`)).body.payload).to.deep.equal(['billing', 'gold']);
    expect((await admin.get(`/contacts/${contact.id}/labels`)).body.payload).to.deep.equal(['gold']);
    await admin.delete(`/labels/${created.body.id}`).expect(200);
    await admin.get(`/labels/${created.body.id}`).expect(404);
    expect((await admin.get(`/conversations/${c.id}/labels`)).body.payload).to.deep.equal(['gold']);

    expect(await activity(c.id)).to.deep.equal(['Alice added billing, vip']);
  });

  it('filters the conversation list by labels[] (all of them), team_id and status together, counts included', async () => {
    const admin = await as(account.admin);
    for (const title of ['billing', 'vip']) await admin.post('/labels', { title }).expect(200);
    const team = (await admin.post('/teams', { name: 'Sales' }).expect(200)).body;
    const [a, b, c, d] = [await open({ team_id: team.id }), await open({ team_id: team.id }), await open(), await open({ team_id: team.id })];
    await admin.post(`/conversations/${a.id}/labels`, { labels: ['billing', 'vip'] }).expect(200);
    await admin.post(`/conversations/${b.id}/labels`, { labels: ['billing'] }).expect(200);
    await admin.post(`/conversations/${c.id}/labels`, { labels: ['billing', 'vip'] }).expect(200);
    await admin.post(`/conversations/${d.id}/labels`, { labels: ['billing', 'vip'] }).expect(200);
    await admin.post(`/conversations/${d.id}/toggle_status`, { status: 'resolved' }).expect(200);

    const byLabel = await admin.get('/conversations?labels[]=billing').expect(200);
    expect(listIds(byLabel.body)).to.deep.equal([a.id, b.id, c.id]);
    const both = await admin.get('/conversations?labels[]=billing&labels[]=vip').expect(200);
    expect(listIds(both.body)).to.deep.equal([a.id, c.id]);
    const teamAndLabels = await admin.get(`/conversations?labels[]=vip&team_id=${team.id}&status=open`).expect(200);
    expect(listIds(teamAndLabels.body)).to.deep.equal([a.id]);
    expect(teamAndLabels.body.data.meta.all_count).to.equal(1);
    const resolved = await admin.get(`/conversations?labels[]=vip&team_id=${team.id}&status=resolved`).expect(200);
    expect(listIds(resolved.body)).to.deep.equal([d.id]);
    expect((await admin.get(`/conversations/meta?team_id=${team.id}`).expect(200)).body.meta.all_count).to.equal(2);
    expect(listIds((await admin.get('/conversations?labels=billing,vip').expect(200)).body)).to.deep.equal([a.id, c.id]);
    const badTeam = await admin.get('/conversations?team_id=abc').expect(422);
    expect(fieldErrors(badTeam.body).map((f) => f.path)).to.deep.equal(['team_id']);
    const list = await admin.get(`/conversations?team_id=${team.id}`).expect(200);
    expect(list.body.data.payload[0].meta.team).to.deep.equal({ id: team.id, name: 'Sales', description: null, allow_auto_assign: true, account_id: account.id });
  });

  it('teams: CRUD and team_members with Chatwoot payloads; team_id on create and assignments', async () => {
    const admin = await as(account.admin);
    const bob = await createAgent(account, 'Bob');
    const team = (await admin.post('/teams', { name: 'Support Tier 2', description: 'Escalations', allow_auto_assign: false }).expect(200)).body;
    expect(team).to.deep.equal({ id: team.id, name: 'Support Tier 2', description: 'Escalations', allow_auto_assign: false, account_id: account.id, is_member: false });
    expect(fieldErrors((await admin.post('/teams', { name: 'support tier 2' }).expect(422)).body)).to.deep.equal([{ path: 'name', message: 'is already taken' }]);
    expect(fieldErrors((await admin.post('/teams', {}).expect(422)).body).map((f) => f.path)).to.deep.equal(['name']);
    await (await as(alice)).post('/teams', { name: 'Rogue' }).expect(403);

    const added = await admin.post(`/teams/${team.id}/team_members`, { user_ids: [alice.id] }).expect(200);
    expect(added.body.map((a: { id: number }) => a.id)).to.deep.equal([alice.id]);
    expect(added.body[0]).to.include({ name: 'Alice', role: 'agent' });
    const replaced = await admin.patch(`/teams/${team.id}/team_members`, { user_ids: [alice.id, bob.id] }).expect(200);
    expect(replaced.body.map((a: { name: string }) => a.name)).to.deep.equal(['Alice', 'Bob']);
    await admin.delete(`/teams/${team.id}/team_members`, { user_ids: [bob.id] }).expect(200);
    expect((await admin.get(`/teams/${team.id}/team_members`).expect(200)).body.map((a: { id: number }) => a.id)).to.deep.equal([alice.id]);
    const stranger = (await createAccount()).admin;
    expect(fieldErrors((await admin.post(`/teams/${team.id}/team_members`, { user_ids: [stranger.id] }).expect(422)).body)).to.deep.equal([
      { path: 'user_ids', message: `must be agents of this account (not: ${stranger.id})` },
    ]);
    expect((await (await as(alice)).get('/teams').expect(200)).body).to.deep.equal([{ ...team, is_member: true }]);
    await admin.patch(`/teams/${team.id}`, { name: 'Tier 2' }).expect(200);

    const c = await open({ team_id: team.id });
    expect((c.meta as { team: { name: string } }).team.name).to.equal('Tier 2');
    expect(fieldErrors((await admin.post('/conversations', { inbox_id: inbox.id, contact_id: contact.id, team_id: 999999 }).expect(422)).body)).to.deep.equal([{ path: 'team_id', message: 'does not exist' }]);

    const unteamed = await admin.post(`/conversations/${c.id}/assignments`, { team_id: null }).expect(200);
    expect(unteamed.body).to.equal(null);
    const teamed = await admin.post(`/conversations/${c.id}/assignments`, { team_id: team.id }).expect(200);
    expect(teamed.body).to.include({ id: team.id, name: 'Tier 2' });
    const agent = await admin.post(`/conversations/${c.id}/assignments`, { assignee_id: alice.id, team_id: team.id }).expect(200);
    expect(agent.body).to.include({ id: alice.id, name: 'Alice' });
    expect(fieldErrors((await admin.post(`/conversations/${c.id}/assignments`, { team_id: 999999 }).expect(422)).body)).to.deep.equal([{ path: 'team_id', message: 'must be a team of this account' }]);
    await admin.post(`/conversations/${c.id}/assignments`, {}).expect(422);

    expect(await activity(c.id)).to.deep.equal([`Unassigned from Tier 2 by Admin`, `Assigned to Tier 2 by Admin`, `Assigned to Alice by Admin`]);

    // Deleting the team leaves its conversations without one.
    await admin.delete(`/teams/${team.id}`).expect(200);
    const after = (await admin.get(`/conversations/${c.id}`).expect(200)).body;
    expect(after.meta).to.not.have.property('team');
    await admin.get(`/teams/${team.id}`).expect(404);
  });

  it('toggle_priority and toggle_status (snoozed until a time or the next reply) write activity lines', async () => {
    const admin = await as(account.admin);
    const c = await open();
    await admin.post(`/conversations/${c.id}/toggle_priority`, { priority: 'urgent' }).expect(200);
    expect((await admin.get(`/conversations/${c.id}`)).body.priority).to.equal('urgent');
    expect(fieldErrors((await admin.post(`/conversations/${c.id}/toggle_priority`, { priority: 'asap' }).expect(422)).body)[0].path).to.equal('priority');
    await admin.post(`/conversations/${c.id}/toggle_priority`, {}).expect(422);
    await admin.post(`/conversations/${c.id}/toggle_priority`, { priority: null }).expect(200);
    expect((await admin.get(`/conversations/${c.id}`)).body.priority).to.equal(null);

    const until = Math.floor(Date.UTC(2030, 0, 2, 9, 0) / 1000);
    const snoozed = await admin.post(`/conversations/${c.id}/toggle_status`, { status: 'snoozed', snoozed_until: until }).expect(200);
    expect(snoozed.body.payload).to.include({ current_status: 'snoozed' });
    await admin.post(`/conversations/${c.id}/toggle_status`, { status: 'snoozed' }).expect(200);
    await admin.post(`/conversations/${c.id}/toggle_status`, { status: 'resolved' }).expect(200);
    await admin.post(`/conversations/${c.id}/toggle_status`).expect(200);
    const who = 'Admin';
    expect(await activity(c.id)).to.deep.equal([
      `${who} set the priority to urgent`,
      `${who} removed the priority`,
      `${who} has snoozed this conversation until 2030-01-02 09:00 UTC`,
      `${who} has snoozed this conversation until the next reply`,
      `Conversation was marked resolved by ${who}`,
      `Conversation was reopened by ${who}`,
    ]);
    // As Chatwoot, the list's last message may be an activity line.
    const listed = (await admin.get('/conversations').expect(200)).body.data.payload.find((x: { id: number }) => x.id === c.id);
    expect(listed.messages.map((m: { message_type: number; content: string }) => [m.message_type, m.content])).to.deep.equal([[2, `Conversation was reopened by ${who}`]]);
    // … and, as Chatwoot, the last thing said rides along for the preview: nothing yet, then the customer's words.
    expect(listed.last_non_activity_message).to.equal(null);
    await admin.post(`/conversations/${c.id}/messages`, { content: 'Any news?', message_type: 'incoming' }).expect(200);
    await admin.post(`/conversations/${c.id}/toggle_priority`, { priority: 'high' }).expect(200);
    const again = (await admin.get('/conversations').expect(200)).body.data.payload.find((x: { id: number }) => x.id === c.id);
    expect(again.messages.map((m: { content: string }) => m.content)).to.deep.equal([`${who} set the priority to high`]);
    expect(again.last_non_activity_message).to.include({ message_type: 0, content: 'Any news?' });
  });

  it('bulk_actions: assign, label, resolve and snooze many conversations; a bad id changes nothing', async () => {
    const admin = await as(account.admin);
    for (const title of ['billing', 'vip']) await admin.post('/labels', { title }).expect(200);
    const team = (await admin.post('/teams', { name: 'Sales' }).expect(200)).body;
    const [a, b, c] = [await open(), await open(), await open()];
    await admin.post(`/conversations/${c.id}/labels`, { labels: ['vip'] }).expect(200);

    await admin.post('/bulk_actions', { type: 'Conversation', ids: [a.id, b.id, c.id], fields: { assignee_id: alice.id, team_id: team.id }, labels: { add: ['billing'], remove: ['vip'] } }).expect(200);
    for (const id of [a.id, b.id, c.id]) {
      const body = (await admin.get(`/conversations/${id}`)).body;
      expect(body.meta.assignee.id).to.equal(alice.id);
      expect(body.meta.team.id).to.equal(team.id);
      expect(body.labels).to.deep.equal(['billing']);
    }
    await admin.post('/bulk_actions', { type: 'Conversation', ids: [a.id, b.id], fields: { status: 'snoozed', snoozed_until: '2030-01-02T09:00:00Z' } }).expect(200);
    await admin.post('/bulk_actions', { type: 'Conversation', ids: [c.id], fields: { status: 'resolved' } }).expect(200);
    expect((await admin.get('/conversations?status=snoozed')).body.data.payload.map((x: { snoozed_until: string }) => x.snoozed_until)).to.deep.equal(['2030-01-02T09:00:00.000Z', '2030-01-02T09:00:00.000Z']);
    expect((await admin.get(`/conversations/${c.id}`)).body.status).to.equal('resolved');

    const bad = await admin.post('/bulk_actions', { type: 'Conversation', ids: [a.id, 99999], fields: { status: 'open' } }).expect(422);
    expect(fieldErrors(bad.body)).to.deep.equal([{ path: 'ids', message: 'must be conversations you can see (not: 99999)' }]);
    expect(fieldErrors((await admin.post('/bulk_actions', { type: 'Conversation', ids: [a.id], labels: { add: ['not a title'] } }).expect(422)).body)[0].path).to.equal('labels.0');
    expect(fieldErrors((await admin.post('/bulk_actions', { type: 'Contact', ids: [a.id] }).expect(422)).body)[0].path).to.equal('type');
    expect((await admin.get(`/conversations/${a.id}`)).body.status).to.equal('snoozed');
    expect(await activity(c.id)).to.deep.equal([
      `Admin added vip`,
      `Assigned to Alice by Admin`,
      `Assigned to Sales by Admin`,
      `Admin added billing`,
      `Admin removed vip`,
      `Conversation was marked resolved by Admin`,
    ]);
  });
});
