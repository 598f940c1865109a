// An agent bot end to end: its inbox's events POSTed (signed) by the webhook delivery job to a real
// bot on loopback (allowed by WEBHOOK_ALLOW_PRIVATE_NETWORKS), the bot answering through the API with
// its token, and handing the conversation to humans.
import { expect } from 'chai';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import type { Runtime } from '../../server/src/runtime.js';
import { createAccount, imapChannel, startSecondRuntime, type TestAccount } from '../support/factories.js';
import { clearRedisPrefix } from '../support/runtime.js';
import { eventually } from '../sandbox/helpers.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown> & { event: string };
}

describe('Agent bot deliveries', function () {
  this.timeout(30_000);
  let rt: Runtime;
  let server: http.Server;
  let url: string;
  const received: Received[] = [];
  /** What the bot does with each event it receives (answers 200 either way). */
  let onEvent: (r: Received) => Promise<void> = async () => undefined;
  let account: TestAccount;
  const api = () => supertest(rt.app);
  const base = () => `/api/v1/accounts/${account.id}`;
  const auth = () => ({ api_access_token: account.admin.token });

  before(async () => {
    rt = await startSecondRuntime({
      REDIS_PREFIX: `leadchat-test-bots-${randomUUID().slice(0, 8)}`,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32',
      WEBHOOK_RETRY_BASE_MS: '40',
    });
    rt.queues.startWorkers();
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const r = { headers: req.headers, raw, body: JSON.parse(raw) };
        received.push(r);
        res.end();
        void onEvent(r);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bot`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rt.close();
    await clearRedisPrefix(rt.config);
  });
  beforeEach(async () => {
    account = await createAccount();
    received.length = 0;
    onEvent = async () => undefined;
  });

  async function botInbox() {
    const inbox = (await api().post(`${base()}/inboxes`).set(auth()).send({ name: 'Bot desk', channel: imapChannel() }).expect(200)).body;
    const contact = (await api().post(`${base()}/contacts`).set(auth()).send({ name: 'Bot Customer', email: `c.${randomUUID().slice(0, 8)}@customer.test`, inbox_id: inbox.id }).expect(200)).body.payload.contact;
    const bot = (await api().post(`${base()}/agent_bots`).set(auth()).send({ name: 'Echo bot', outgoing_url: url }).expect(200)).body;
    await api().post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: bot.id }).expect(200);
    return { inbox, contact, bot };
  }

  it('sends the inbox\'s events signed with the bot\'s secret; the bot answers each customer message once, never its own', async () => {
    const { inbox, contact, bot } = await botInbox();
    // The bot: answers every message_created with a reply through the API, with its own token.
    onEvent = async (r) => {
      if (r.body.event !== 'message_created') return;
      const conversation = r.body.conversation as { id: number };
      await api().post(`${base()}/conversations/${conversation.id}/messages`).set('api_access_token', bot.access_token).send({ content: `You said: ${r.body.content}` }).expect(200);
    };
    const conv = (await api().post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
    expect(conv.status).to.equal('pending');
    await api().post(`${base()}/conversations/${conv.id}/messages`).set(auth()).send({ content: 'Where is my order?', message_type: 'incoming' }).expect(200);

    const thread = async () => (await api().get(`${base()}/conversations/${conv.id}/messages`).set(auth()).expect(200)).body.payload as { content: string; sender_type: string }[];
    await eventually(async () => (await thread()).some((m) => m.content === 'You said: Where is my order?'), 10_000);
    // The bot's own reply reached no one: no loop, one answer.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const replies = (await thread()).filter((m) => m.sender_type === 'AgentBot');
    expect(replies.map((m) => m.content)).to.deep.equal(['You said: Where is my order?']);

    const events = received.map((r) => r.body.event);
    expect(events).to.deep.equal(['conversation_created', 'message_created']);
    for (const r of received) {
      const ts = String(r.headers['x-chatwoot-timestamp']);
      const expected = `sha256=${createHmac('sha256', bot.secret).update(`${ts}.${r.raw}`).digest('hex')}`;
      expect(r.headers['x-chatwoot-signature']).to.equal(expected);
      expect(r.headers['x-chatwoot-delivery']).to.match(/^[0-9a-f-]{36}$/);
    }
    const [created, message] = received.map((r) => r.body);
    expect(created).to.include({ event: 'conversation_created', id: conv.id, status: 'pending', inbox_id: inbox.id });
    expect(message).to.include({ event: 'message_created', content: 'Where is my order?', message_type: 'incoming' });
    expect(message.conversation).to.include({ id: conv.id });
    expect(message.account).to.include({ id: account.id });
  });

  it('the bot hands off with toggle_status open: it hears conversation_status_changed and conversation_opened; human replies still reach it', async () => {
    const { inbox, contact, bot } = await botInbox();
    const conv = (await api().post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
    await api().post(`${base()}/conversations/${conv.id}/toggle_status`).set('api_access_token', bot.access_token).send({ status: 'open' }).expect(200);
    await eventually(async () => received.some((r) => r.body.event === 'conversation_opened'), 10_000);
    const opened = received.find((r) => r.body.event === 'conversation_opened')!.body;
    expect(opened).to.include({ id: conv.id, status: 'open' });
    expect(received.map((r) => r.body.event)).to.include.members(['conversation_created', 'conversation_status_changed', 'conversation_opened']);

    await api().post(`${base()}/conversations/${conv.id}/messages`).set(auth()).send({ content: 'A human here, taking over' }).expect(200);
    await eventually(async () => received.some((r) => r.body.content === 'A human here, taking over'), 10_000);
    // The activity line ("reopened by Echo bot") came before this reply and was not sent: one conversation's deliveries go in order.
    expect(received.filter((r) => r.body.event === 'message_created').map((r) => r.body.content)).to.deep.equal(['A human here, taking over']);
    const human = received.find((r) => r.body.content === 'A human here, taking over')!.body;
    expect(human).to.include({ event: 'message_created', message_type: 'outgoing' });
    expect(human.sender).to.include({ type: 'user', id: account.admin.id });

    await api().post(`${base()}/conversations/${conv.id}/toggle_status`).set(auth()).send({ status: 'resolved' }).expect(200);
    await eventually(async () => received.some((r) => r.body.event === 'conversation_resolved'), 10_000);

    // Detached, the bot hears nothing more from the inbox.
    await api().post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: null }).expect(200);
    const before = received.length;
    await api().post(`${base()}/conversations/${conv.id}/messages`).set(auth()).send({ content: 'after the bot left', message_type: 'incoming' }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received.length).to.equal(before);
  });

  it('a bot attached in one process gets the events another process raises, also after that one had asked (web and worker split)', async () => {
    const worker = await startSecondRuntime({ REDIS_PREFIX: rt.config.REDIS_PREFIX, WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' });
    try {
      const onWorker = () => supertest(worker.app);
      const inbox = (await api().post(`${base()}/inboxes`).set(auth()).send({ name: 'Split desk', channel: imapChannel() }).expect(200)).body;
      const contact = (await api().post(`${base()}/contacts`).set(auth()).send({ name: 'Split Customer', email: `s.${randomUUID().slice(0, 8)}@customer.test`, inbox_id: inbox.id }).expect(200)).body.payload.contact;
      // The worker learns the inbox has no bot (and keeps that answer) ...
      const first = (await onWorker().post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
      expect(first.status).to.equal('open');
      // ... then the bot is attached through the other process.
      const bot = (await api().post(`${base()}/agent_bots`).set(auth()).send({ name: 'Split bot', outgoing_url: url }).expect(200)).body;
      await api().post(`${base()}/inboxes/${inbox.id}/set_agent_bot`).set(auth()).send({ agent_bot: bot.id }).expect(200);
      await onWorker().post(`${base()}/conversations/${first.id}/messages`).set(auth()).send({ content: 'heard by the bot', message_type: 'incoming' }).expect(200);
      await eventually(async () => received.some((r) => r.body.content === 'heard by the bot'), 5_000);
      expect(received.map((r) => r.body.event)).to.deep.equal(['message_created']);
    } finally {
      await worker.close();
    }
  });
});
