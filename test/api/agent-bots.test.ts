// Chatwoot's agent bots through the Application and Platform APIs: administrators manage the
// account's bots and see the installation's; an inbox gets one bot; the bot acts with its own token
// on the conversations of its inboxes only, and those start pending until it hands them to humans.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { TEST_PLATFORM_TOKEN } from '../support/env.js';
import { addInboxMember, createAccount, createAgent, imapChannel, type TestAccount } from '../support/factories.js';
import { http } from '../support/runtime.js';

const platform = { api_access_token: TEST_PLATFORM_TOKEN };

describe('Agent bots API', function () {
  this.timeout(30_000);
  let account: TestAccount;
  const base = () => `/api/v1/accounts/${account.id}`;
  const auth = () => ({ api_access_token: account.admin.token });

  beforeEach(async () => {
    account = await createAccount();
  });

  async function inboxWithContact() {
    const api = await http();
    const inbox = (await api.post(`${base()}/inboxes`).set(auth()).send({ name: `Bots ${randomUUID().slice(0, 6)}`, channel: imapChannel() }).expect(200)).body;
    const contact = (await api.post(`${base()}/contacts`).set(auth()).send({ name: 'Bot Customer', email: `bot.${randomUUID().slice(0, 8)}@customer.test`, inbox_id: inbox.id }).expect(200)).body.payload.contact;
    return { inbox, contact };
  }

  it('creates, shows, lists, updates and deletes an account bot with Chatwoot\'s shape, its token and secret', async () => {
    const api = await http();
    const created = await api.post(`${base()}/agent_bots`).set(auth()).send({ name: 'Triage bot', description: 'Answers first', outgoing_url: 'https://bot.example.com/hook', bot_config: { lang: 'en' } }).expect(200);
    const bot = created.body;
    expect(bot).to.include({ name: 'Triage bot', description: 'Answers first', outgoing_url: 'https://bot.example.com/hook', bot_type: 'webhook', account_id: account.id, system_bot: false, thumbnail: '' });
    expect(bot.bot_config).to.deep.equal({ lang: 'en' });
    expect(bot.access_token).to.be.a('string').with.length.above(20);
    expect(bot.secret).to.be.a('string').with.length.above(30);

    const shown = await api.get(`${base()}/agent_bots/${bot.id}`).set(auth()).expect(200);
    expect(shown.body).to.deep.equal({ ...bot, inbox_ids: [] });
    const updated = await api.patch(`${base()}/agent_bots/${bot.id}`).set(auth()).send({ name: 'Renamed bot', outgoing_url: '', avatar_url: 'https://cdn.example.com/bot.png' }).expect(200);
    expect(updated.body).to.include({ name: 'Renamed bot', outgoing_url: '', access_token: bot.access_token, thumbnail: 'https://cdn.example.com/bot.png' });

    // A new token: the old one stops working, the new one is shown.
    const reset = await api.post(`${base()}/agent_bots/${bot.id}/reset_access_token`).set(auth()).expect(200);
    expect(reset.body.access_token).to.be.a('string').and.not.equal(bot.access_token);
    const old = await api.post(`${base()}/conversations/1/messages`).set('api_access_token', bot.access_token).send({ content: 'x' }).expect(401);
    expect(JSON.stringify(old.body)).to.match(/Invalid api_access_token/);
    const fresh = await api.post(`${base()}/conversations/1/messages`).set('api_access_token', reset.body.access_token).send({ content: 'x' }).expect(401);
    expect(JSON.stringify(fresh.body)).to.match(/not attached to an inbox/);

    const list = await api.get(`${base()}/agent_bots`).set(auth()).expect(200);
    expect(list.body.map((b: { id: number }) => b.id)).to.include(bot.id);

    await api.delete(`${base()}/agent_bots/${bot.id}`).set(auth()).expect(200);
    await api.get(`${base()}/agent_bots/${bot.id}`).set(auth()).expect(404);
    // A deleted bot's token stops working at once.
    const gone = await api.post(`${base()}/conversations/1/messages`).set('api_access_token', reset.body.access_token).send({ content: 'x' }).expect(401);
    expect(JSON.stringify(gone.body)).to.match(/Invalid api_access_token/);
  });

  it('refuses bad input in Chatwoot\'s error shape, and private or loopback outgoing URLs', async () => {
    const api = await http();
    const bad = await api.post(`${base()}/agent_bots`).set(auth()).send({ outgoing_url: 'ftp://bot.example.com', bot_type: 'csml', bot_config: 'x' }).expect(422);
    expect(bad.body.attributes).to.have.members(['name', 'outgoing_url', 'bot_type', 'bot_config']);
    for (const url of ['http://127.0.0.1:9000/hook', 'http://169.254.169.254/latest', 'http://[::1]/hook']) {
      const refused = await api.post(`${base()}/agent_bots`).set(auth()).send({ name: 'Sneaky', outgoing_url: url }).expect(422);
      expect(refused.body.attributes, url).to.deep.equal(['outgoing_url']);
    }
    const nested = await api.post(`${base()}/agent_bots`).set(auth()).send({ agent_bot: { name: 'Nested', outgoing_url: 'https://bot.example.com/n' } }).expect(200);
    expect(nested.body.name).to.equal('Nested');
  });

  it('is for administrators: agents get 403 (anonymous callers 401) and never see a token', async () => {
    const api = await http();
    const agent = await createAgent(account);
    const { inbox } = await inboxWithContact();
    await addInboxMember(inbox.id, agent);
    const bot = (await api.post(`${base()}/agent_bots`).set(auth()).send({ name: 'Admin bot' }).expect(200)).body;
    for (const req of [api.get(`${base()}/agent_bots`), api.post(`${base()}/agent_bots`).send({ name: 'x' }), api.get(`${base()}/agent_bots/${bot.id}`), api.patch(`${base()}/agent_bots/${bot.id}`).send({ name: 'x' }), api.delete(`${base()}/agent_bots/${bot.id}`)]) {
      const res = await req.set('api_access_token', agent.token);
      expect(res.status).to.equal(403);
    }
    await api.post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set('api_access_token', agent.token).send({ agent_bot: bot.id }).expect(403);
    await api.post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: bot.id }).expect(200);
    // An agent of the inbox sees which bot answers it, without its credentials.
    const seen = await api.get(`${base()}/inboxes/${inbox.id}/agent_bot`).set('api_access_token', agent.token).expect(200);
    expect(seen.body.agent_bot).to.include({ id: bot.id, name: 'Admin bot' });
    expect(seen.body.agent_bot).not.to.have.any.keys('access_token', 'secret');
    await api.get(`${base()}/agent_bots`).expect(401);
  });

  it('attaches a bot to an inbox, replaces it, detaches it with null; another account\'s bot is refused', async () => {
    const api = await http();
    const { inbox } = await inboxWithContact();
    const first = (await api.post(`${base()}/agent_bots`).set(auth()).send({ name: 'First' }).expect(200)).body;
    const second = (await api.post(`${base()}/agent_bots`).set(auth()).send({ name: 'Second' }).expect(200)).body;
    expect((await api.get(`${base()}/inboxes/${inbox.id}/agent_bot`).set(auth()).expect(200)).body).to.deep.equal({ agent_bot: null });

    await api.post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: first.id }).expect(200);
    await api.post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: second.id }).expect(200);
    const attached = (await api.get(`${base()}/inboxes/${inbox.id}/agent_bot`).set(auth()).expect(200)).body.agent_bot;
    expect(attached).to.include({ id: second.id, name: 'Second', access_token: second.access_token });
    expect(attached.inbox_ids).to.deep.equal([inbox.id]);

    const other = await createAccount();
    const foreign = (await api.post(`/api/v1/accounts/${other.id}/agent_bots`).set('api_access_token', other.admin.token).send({ name: 'Foreign' }).expect(200)).body;
    const refused = await api.post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: foreign.id }).expect(422);
    expect(refused.body.attributes).to.deep.equal(['agent_bot']);
    await api.get(`${base()}/agent_bots/${foreign.id}`).set(auth()).expect(404);
    await api.post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({}).expect(422);

    await api.post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: null }).expect(200);
    expect((await api.get(`${base()}/inboxes/${inbox.id}/agent_bot`).set(auth()).expect(200)).body.agent_bot).to.equal(null);
  });

  it('a conversation of a bot\'s inbox starts pending; the bot replies as AgentBot and hands off by opening it; elsewhere it gets 401/404', async () => {
    const api = await http();
    const { inbox, contact } = await inboxWithContact();
    const bot = (await api.post(`${base()}/agent_bots`).set(auth()).send({ name: 'Helper', outgoing_url: 'https://bot.example.com/hook' }).expect(200)).body;
    const botAuth = { api_access_token: bot.access_token };

    // Not attached anywhere in the account yet: the bot cannot enter it.
    const before = (await api.post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
    expect(before.status).to.equal('open');
    const outside = await api.post(`${base()}/conversations/${before.id}/messages`).set(botAuth).send({ content: 'too early' }).expect(401);
    expect(JSON.stringify(outside.body)).to.match(/not attached to an inbox of this account/);
    await api.post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: bot.id }).expect(200);

    const conv = (await api.post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
    expect(conv.status).to.equal('pending');
    const explicit = (await api.post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id, status: 'open' }).expect(200)).body;
    expect(explicit.status).to.equal('open');

    const reply = await api.post(`${base()}/conversations/${conv.id}/messages`).set(botAuth).send({ content: 'Hi, I am the bot. How can I help?' }).expect(200);
    expect(reply.body).to.include({ content: 'Hi, I am the bot. How can I help?', message_type: 1, sender_type: 'AgentBot', sender_id: bot.id });
    expect(reply.body.sender).to.deep.equal({ id: bot.id, name: 'Helper', avatar_url: '', type: 'agent_bot' });
    const thread = await api.get(`${base()}/conversations/${conv.id}/messages`).set(auth()).expect(200);
    expect(thread.body.payload.at(-1).sender).to.include({ type: 'agent_bot', id: bot.id });
    // The list's preview names the bot too.
    const listed = await api.get(`${base()}/conversations?status=pending&inbox_id=${inbox.id}`).set(auth()).expect(200);
    const preview = listed.body.data.payload.find((c: { id: number }) => c.id === conv.id).messages[0];
    expect(preview.sender).to.deep.equal({ id: bot.id, name: 'Helper', avatar_url: '', type: 'agent_bot' });

    // Only Chatwoot's bot endpoints: reading the list or a contact is refused.
    const refused = await api.get(`${base()}/conversations`).set(botAuth).expect(401);
    expect(refused.body.error ?? refused.body.message ?? JSON.stringify(refused.body)).to.match(/not authorized for bots/);
    await api.get(`${base()}/contacts/${contact.id}`).set(botAuth).expect(401);
    await api.get(`${base()}/agent_bots`).set(botAuth).expect(401);
    await api.get(`${base()}/email_providers`).set(botAuth).expect(401);
    await api.get('/api/v1/profile').set(botAuth).expect(401);

    // Chatwoot's other bot endpoints: priority, custom attributes, the conversation's update, assignment to a team or an agent.
    await api.post(`${base()}/conversations/${conv.id}/toggle_priority`).set(botAuth).send({ priority: 'high' }).expect(200);
    const attrs = await api.post(`${base()}/conversations/${conv.id}/custom_attributes`).set(botAuth).send({ custom_attributes: { order: '42' } }).expect(200);
    expect(attrs.body.custom_attributes).to.deep.equal({ order: '42' });
    const patched = await api.patch(`${base()}/conversations/${conv.id}`).set(botAuth).send({ priority: 'urgent' }).expect(200);
    expect(patched.body.priority).to.equal('urgent');
    const team = (await api.post(`${base()}/teams`).set(auth()).send({ name: `Tier ${randomUUID().slice(0, 6)}` }).expect(200)).body;
    const teamAnswer = await api.post(`${base()}/conversations/${conv.id}/assignments`).set(botAuth).send({ team_id: team.id }).expect(200);
    expect(teamAnswer.body).to.include({ id: team.id, is_member: false });
    const agentAnswer = await api.post(`${base()}/conversations/${conv.id}/assignments`).set(botAuth).send({ assignee_id: account.admin.id }).expect(200);
    expect(agentAnswer.body.id).to.equal(account.admin.id);
    const activities = (await api.get(`${base()}/conversations/${conv.id}/messages`).set(auth()).expect(200)).body.payload.map((m: { content: string }) => m.content);
    expect(activities).to.include.members(['Helper set the priority to high', `Assigned to ${team.name} by Helper`]);
    const handoff = await api.post(`${base()}/conversations/${conv.id}/toggle_status`).set(botAuth).send({ status: 'open' }).expect(200);
    expect(handoff.body.payload).to.include({ success: true, current_status: 'open', conversation_id: conv.id });
    const after = await api.get(`${base()}/conversations/${conv.id}/messages`).set(auth()).expect(200);
    expect(after.body.payload.map((m: { content: string }) => m.content)).to.include('Conversation was reopened by Helper');

    // Resolved, then the customer writes again: back to the bot, pending (Chatwoot's reopen for bot inboxes).
    await api.post(`${base()}/conversations/${conv.id}/toggle_status`).set(auth()).send({ status: 'resolved' }).expect(200);
    await api.post(`${base()}/conversations/${conv.id}/messages`).set(auth()).send({ content: 'One more thing', message_type: 'incoming' }).expect(200);
    expect((await api.get(`${base()}/conversations/${conv.id}`).set(auth()).expect(200)).body.status).to.equal('pending');

    // A conversation of an inbox without the bot is not the bot's.
    const { inbox: other, contact: otherContact } = await inboxWithContact();
    const notMine = (await api.post(`${base()}/conversations`).set(auth()).send({ inbox_id: other.id, contact_id: otherContact.id }).expect(200)).body;
    expect(notMine.status).to.equal('open');
    await api.post(`${base()}/conversations/${notMine.id}/messages`).set(botAuth).send({ content: 'intruding' }).expect(404);
  });

  it('lists the installation\'s system bots to every account without their URL or credentials; only the Platform API changes them', async () => {
    const api = await http();
    const system = (await api.post('/platform/api/v1/agent_bots').set(platform).send({ name: `System ${randomUUID().slice(0, 6)}`, outgoing_url: 'https://bots.example.com/system' }).expect(200)).body;
    expect(system).to.include({ account_id: null, system_bot: true, outgoing_url: 'https://bots.example.com/system' });
    expect(system.access_token).to.be.a('string');

    const listed = (await api.get(`${base()}/agent_bots`).set(auth()).expect(200)).body.find((b: { id: number }) => b.id === system.id);
    expect(listed).to.include({ system_bot: true, account_id: null, name: system.name });
    expect(listed).not.to.have.any.keys('outgoing_url', 'access_token', 'secret');
    await api.patch(`${base()}/agent_bots/${system.id}`).set(auth()).send({ name: 'Hijacked' }).expect(404);
    await api.delete(`${base()}/agent_bots/${system.id}`).set(auth()).expect(404);

    // An account can attach it; the Platform API updates and deletes it.
    const { inbox } = await inboxWithContact();
    await api.post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: system.id }).expect(200);
    const patched = await api.patch(`/platform/api/v1/agent_bots/${system.id}`).set(platform).send({ description: 'Installation-wide' }).expect(200);
    expect(patched.body.description).to.equal('Installation-wide');
    expect((await api.get(`/platform/api/v1/agent_bots/${system.id}`).set(platform).expect(200)).body.id).to.equal(system.id);
    expect((await api.get('/platform/api/v1/agent_bots').set(platform).expect(200)).body.map((b: { id: number }) => b.id)).to.include(system.id);
    await api.post('/platform/api/v1/agent_bots').set(platform).send({ name: 'Nowhere', account_id: 999_999_999 }).expect(422);
    await api.get('/platform/api/v1/agent_bots').set({ api_access_token: 'wrong' }).expect(401);
    await api.delete(`/platform/api/v1/agent_bots/${system.id}`).set(platform).expect(200);
    expect((await api.get(`${base()}/inboxes/${inbox.id}/agent_bot`).set(auth()).expect(200)).body.agent_bot).to.equal(null);
  });
});
