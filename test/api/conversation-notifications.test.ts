// Chatwoot's conversation notifications through the public API: who gets which type, the per-agent
// notification settings, and mentions in private notes.
import { expect } from 'chai';
import { parseMentions, plainExcerpt } from '../../server/src/services/conversation-notifications.service.js';
import { addInboxMember, createAccount, createAgent, createContact, createConversation, createInbox, type TestAccount, type TestContact, type TestUser } from '../support/factories.js';
import { http } from '../support/runtime.js';

interface Note { notification_type: string; primary_actor_type: string | null; primary_actor_id: number | null; push_message_title: string; meta: Record<string, unknown> }

describe('Conversation notifications and mentions', () => {
  let account: TestAccount;
  let inbox: { id: number };
  let contact: TestContact;
  let ann: TestUser;
  let bob: TestUser;
  let cid: TestUser;
  const base = () => `/api/v1/accounts/${account.id}`;
  const as = async (user: TestUser) => {
    const api = await http();
    return {
      get: (p: string) => api.get(base() + p).set('api_access_token', user.token),
      post: (p: string, body: object) => api.post(base() + p).set('api_access_token', user.token).send(body),
      patch: (p: string, body: object) => api.patch(base() + p).set('api_access_token', user.token).send(body),
    };
  };
  const notes = async (user: TestUser): Promise<Note[]> => (await (await as(user)).get('/notifications').expect(200)).body.data.payload;
  const types = async (user: TestUser) => (await notes(user)).map((n) => n.notification_type).reverse();

  beforeEach(async () => {
    account = await createAccount();
    inbox = await createInbox(account);
    contact = await createContact(account, { name: 'Casey' });
    [ann, bob, cid] = [await createAgent(account, 'Ann'), await createAgent(account, 'Bob'), await createAgent(account, 'Cid')];
    await addInboxMember(inbox.id, ann);
    await addInboxMember(inbox.id, bob);
  });

  it('settings: Chatwoot defaults, validated updates', async () => {
    const asAnn = await as(ann);
    const defaults = (await asAnn.get('/notification_settings').expect(200)).body;
    expect(defaults).to.deep.include({
      account_id: account.id,
      user_id: ann.id,
      selected_email_flags: ['email_conversation_assignment', 'email_conversation_mention'],
      selected_push_flags: ['push_conversation_assignment', 'push_assigned_conversation_new_message', 'push_conversation_mention'],
    });
    expect(defaults.all_email_flags).to.have.length(4);
    const bad = await asAnn.patch('/notification_settings', { notification_settings: { selected_email_flags: ['email_conversation_assignment', 'email_everything'] } }).expect(422);
    expect(bad.body.error.fields[0].path).to.equal('notification_settings.selected_email_flags.1');
    const saved = await asAnn.patch('/notification_settings', { notification_settings: { selected_push_flags: ['push_conversation_creation'] } }).expect(200);
    expect(saved.body).to.deep.include({ selected_email_flags: defaults.selected_email_flags, selected_push_flags: ['push_conversation_creation'] });
    expect((await (await as(bob)).get('/notification_settings').expect(200)).body.selected_push_flags, 'per agent').to.deep.equal(defaults.selected_push_flags);
  });

  it('new conversation, assignment, customer reply: each to whom it concerns, never for one’s own doing', async () => {
    const admin = await as(account.admin);
    await (await as(ann)).patch('/notification_settings', { selected_push_flags: ['push_conversation_creation'], selected_email_flags: [] }).expect(200);
    const c = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id });
    expect(await types(ann), 'Ann opted in to new conversations').to.deep.equal(['conversation_creation']);
    expect(await types(bob), 'off by default').to.deep.equal([]);

    await admin.post(`/conversations/${c.id}/assignments`, { assignee_id: bob.id }).expect(200);
    await (await as(bob)).post(`/conversations/${c.id}/assignments`, { assignee_id: bob.id }).expect(200);
    const [assigned] = await notes(bob);
    expect(assigned).to.deep.include({ notification_type: 'conversation_assignment', primary_actor_type: 'Conversation', primary_actor_id: c.id, push_message_title: `A new conversation [ID -${c.id}] has been assigned to you.` });
    expect(await types(bob), 'taking it again oneself is no news').to.deep.equal(['conversation_assignment']);

    await admin.post(`/conversations/${c.id}/messages`, { content: 'Where is my parcel?', message_type: 'incoming' }).expect(200);
    await admin.post(`/conversations/${c.id}/messages`, { content: 'Looking into it' }).expect(200);
    const [reply] = await notes(bob);
    expect(reply).to.deep.include({ notification_type: 'assigned_conversation_new_message', primary_actor_id: c.id });
    expect(reply.meta).to.include({ excerpt: 'Where is my parcel?', inbox_name: 'Support' });
    expect(await types(bob)).to.deep.equal(['conversation_assignment', 'assigned_conversation_new_message']);
    expect(await types(ann), 'Ann does not want assignments and replies to Bob are not hers').to.deep.equal(['conversation_creation']);
    expect(await types(account.admin)).to.deep.equal([]);
  });

  it('mentions in private notes notify the agents and teams named who can see the conversation', async () => {
    expect(parseMentions('Hi [@Ann](mention://user/12/Ann) and [@Billing](mention://team/3/Billing), again [@Ann](mention://user/12/Ann)')).to.deep.equal({ userIds: [12], teamIds: [3] });
    expect(parseMentions('mention://user/x/Ann, plain text')).to.deep.equal({ userIds: [], teamIds: [] });
    expect(plainExcerpt('Ask [@Ann Lee](mention://user/12/Ann%20Lee) please')).to.equal('Ask @Ann Lee please');

    const admin = await as(account.admin);
    const team = (await admin.post('/teams', { name: 'Billing' }).expect(200)).body;
    await admin.post(`/teams/${team.id}/team_members`, { user_ids: [bob.id, cid.id] }).expect(200);
    const c = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id });
    const content = `[@Ann](mention://user/${ann.id}/Ann) [@Cid](mention://user/${cid.id}/Cid) [@Billing](mention://team/${team.id}/Billing) [@Admin](mention://user/${account.admin.id}/Admin) can you check?`;
    const note = await admin.post(`/conversations/${c.id}/messages`, { content, private: true }).expect(200);
    expect(note.body.content, 'stored as written').to.equal(content);
    const [mention] = await notes(ann);
    expect(mention).to.deep.include({ notification_type: 'conversation_mention', primary_actor_id: c.id, push_message_title: `You have been mentioned in conversation [ID -${c.id}]` });
    expect(mention.meta.excerpt).to.equal('@Ann @Cid @Billing @Admin can you check?');
    expect(await types(bob), 'through the team').to.deep.equal(['conversation_mention']);
    expect(await types(cid), 'not a member of the inbox').to.deep.equal([]);
    expect(await types(account.admin), 'not for mentioning oneself').to.deep.equal([]);

    // A public reply with the same text mentions nobody; an agent with both flags off gets nothing.
    await admin.post(`/conversations/${c.id}/messages`, { content }).expect(200);
    await (await as(bob)).patch('/notification_settings', { selected_email_flags: [], selected_push_flags: [] }).expect(200);
    await admin.post(`/conversations/${c.id}/messages`, { content, private: true }).expect(200);
    expect(await types(bob)).to.deep.equal(['conversation_mention']);
    expect(await types(ann)).to.deep.equal(['conversation_mention', 'conversation_mention']);
  });
});
