// Mail to an inbox with an agent bot, through the real fetch: a new email's conversation starts
// pending (the bot's), and a customer writing again to a resolved one sends it back to the bot, as
// Chatwoot does; without the bot the same mail opens the conversation.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { http, runtime } from '../../support/runtime.js';
import { append, clearInbox, createImapInbox, mime, runFetch, type ReceiveInbox } from './helpers.js';

describe('email receive: an inbox with an agent bot', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let inbox: ReceiveInbox;
  const base = () => `/api/v1/accounts/${inbox.account.id}`;
  const auth = () => ({ api_access_token: inbox.account.admin.token });

  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });
  beforeEach(async () => {
    await clearInbox(sb);
    inbox = await createImapInbox(sb);
  });

  /** Appends emails, fetches them in one run, and returns the conversations they landed in. */
  async function receive(...mails: Parameters<typeof mime>[0][]) {
    const ids = mails.map((m) => m.messageId ?? `<${randomUUID()}@example.test>`);
    await append(sb, mails.map((m, i) => mime({ to: inbox.email, ...m, messageId: ids[i]! })));
    const outcome = await runFetch(inbox.channelId);
    expect(outcome.counts.created, JSON.stringify(outcome)).to.equal(mails.length);
    const { models } = await runtime();
    const messages = await Promise.all(ids.map((id) => models.Message.findOne({ where: { inbox_id: inbox.inboxId, source_id: id } })));
    return { ids, conversations: await Promise.all(messages.map((m) => models.Conversation.findByPk(m!.conversation_id))) };
  }

  it('starts new conversations pending and sends resolved ones back to the bot; detached, mail opens them', async () => {
    const api = await http();
    const bot = (await api.post(`${base()}/agent_bots`).set(auth()).send({ name: 'Mail bot' }).expect(200)).body;
    await api.post(`${base()}/inboxes/${inbox.inboxId}/set_agent_bot`).set(auth()).send({ agent_bot: bot.id }).expect(200);

    // Two at once (the batched write) and then one alone: all pending.
    const batch = await receive({ from: 'Ann <ann@example.test>', subject: 'First' }, { from: 'Ben <ben@example.test>', subject: 'Second' });
    expect(batch.conversations.map((c) => c!.status)).to.deep.equal(['pending', 'pending']);

    const [conversation] = batch.conversations;
    await api.post(`${base()}/conversations/${conversation!.display_id}/toggle_status`).set(auth()).send({ status: 'resolved' }).expect(200);
    const again = await receive({ from: 'Ann <ann@example.test>', subject: 'Re: First', inReplyTo: batch.ids[0]! });
    expect(again.conversations[0]!.id).to.equal(conversation!.id);
    expect(again.conversations[0]!.status).to.equal('pending');

    await api.post(`${base()}/inboxes/${inbox.inboxId}/set_agent_bot`).set(auth()).send({ agent_bot: null }).expect(200);
    await api.post(`${base()}/conversations/${conversation!.display_id}/toggle_status`).set(auth()).send({ status: 'resolved' }).expect(200);
    const human = await receive({ from: 'Ann <ann@example.test>', subject: 'Re: First', inReplyTo: batch.ids[0]! }, { from: 'Cat <cat@example.test>', subject: 'Third' });
    expect(human.conversations.map((c) => c!.status)).to.deep.equal(['open', 'open']);
  });
});
