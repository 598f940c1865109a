// The API channel end to end: inbox create/list/update through the inbox API, a customer's messages
// through the Application API, and agents' replies POSTed by the bull job to a real receiver on
// loopback (allowed by WEBHOOK_ALLOW_PRIVATE_NETWORKS, as an operator would for an internal service).
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import supertest from 'supertest';
import { createAgent, startSecondRuntime } from '../support/factories.js';
import { eventually } from '../sandbox/helpers.js';
import { receivingRuntime } from '../support/webhook-receiver.js';

describe('API channel inboxes', function () {
  this.timeout(30_000);
  const h = receivingRuntime('api-inbox');
  const api = () => supertest(h.rt.app);
  const base = () => `/api/v1/accounts/${h.account.id}`;
  const auth = () => ({ api_access_token: h.account.admin.token });

  const createApiInbox = async (channel: Record<string, unknown> = { type: 'api', webhook_url: h.receiver.url }) =>
    (await api().post(`${base()}/inboxes`).set(auth()).send({ name: 'Shop bot', channel }).expect(200)).body;

  /** A contact of the inbox (its source id) and a conversation started by source id, as an integration does. */
  async function conversationIn(inbox: { id: number }) {
    const contact = (await api().post(`${base()}/contacts`).set(auth()).send({ name: 'Api Customer', inbox_id: inbox.id }).expect(200)).body.payload;
    const sourceId = contact.contact_inbox.source_id;
    expect(sourceId).to.be.a('string').and.not.empty;
    const conversation = (await api().post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, source_id: sourceId }).expect(200)).body;
    return { contact: contact.contact, sourceId, conversation };
  }

  it('creates an API inbox with Chatwoot\'s payload, lists it the same way, and changes its webhook URL', async () => {
    const inbox = await createApiInbox({ type: 'api', webhook_url: h.receiver.url, hmac_mandatory: true });
    expect(inbox).to.include({ name: 'Shop bot', channel_type: 'Channel::Api', webhook_url: h.receiver.url, hmac_mandatory: true });
    expect(inbox.inbox_identifier).to.match(/^[A-Za-z0-9]{24}$/);
    expect(inbox.hmac_token).to.match(/^[A-Za-z0-9]{24}$/);
    expect(inbox.secret).to.match(/^[A-Za-z0-9]{24}$/);
    expect(inbox).not.to.have.any.keys('email', 'imap_address', 'smtp_address', 'forward_to_email');

    const list = (await api().get(`${base()}/inboxes`).set(auth()).expect(200)).body.payload;
    expect(list).to.have.length(1);
    expect(list[0]).to.deep.equal(inbox);

    // Agents see their API inboxes, without the tokens (Chatwoot shows them to administrators only).
    const agent = await createAgent(h.account);
    await api().post(`${base()}/inbox_members`).set(auth()).send({ inbox_id: inbox.id, user_ids: [agent.id] }).expect(200);
    const seen = (await api().get(`${base()}/inboxes/${inbox.id}`).set('api_access_token', agent.token).expect(200)).body;
    expect(seen).to.include({ channel_type: 'Channel::Api', inbox_identifier: inbox.inbox_identifier, webhook_url: h.receiver.url });
    expect(seen).not.to.have.any.keys('hmac_token', 'secret');

    const moved = `${h.receiver.url}/v2`;
    const updated = (await api().patch(`${base()}/inboxes/${inbox.id}`).set(auth()).send({ name: 'Shop', channel: { webhook_url: moved } }).expect(200)).body;
    expect(updated).to.include({ name: 'Shop', webhook_url: moved, inbox_identifier: inbox.inbox_identifier, hmac_token: inbox.hmac_token });

    await api().delete(`${base()}/inboxes/${inbox.id}`).set(auth()).expect(200);
    expect(await h.rt.models.ChannelApi.count({ where: { id: inbox.channel_id } })).to.equal(0);
  });

  it('refuses a bad or private webhook URL, an unknown channel type and a missing name, and changes nothing', async () => {
    const post = (body: Record<string, unknown>) => api().post(`${base()}/inboxes`).set(auth()).send(body).expect(422);
    const bad = await post({ name: 'x', channel: { type: 'api', webhook_url: 'ftp://example.com/hook' } });
    expect(bad.body.fields).to.deep.equal([{ path: 'channel.webhook_url', message: 'must be an http(s) URL' }]);
    for (const url of ['http://10.0.0.5/hook', 'http://[::1]:8080/hook', 'http://169.254.169.254/latest']) {
      const refused = await post({ name: 'x', channel: { type: 'api', webhook_url: url } });
      expect(refused.body.fields[0], url).to.deep.include({ path: 'channel.webhook_url' });
      expect(refused.body.fields[0].message, url).to.match(/private, loopback or link-local/);
    }
    expect((await post({ name: 'x', channel: { type: 'sms' } })).body.fields[0]).to.deep.equal({ path: 'channel.type', message: 'must be one of email, api' });
    expect((await post({ channel: { type: 'api', webhook_url: h.receiver.url } })).body.attributes).to.deep.equal(['name']);

    const inbox = await createApiInbox();
    const patched = await api().patch(`${base()}/inboxes/${inbox.id}`).set(auth()).send({ channel: { webhook_url: 'http://192.168.1.10/hook' } }).expect(422);
    expect(patched.body.attributes).to.deep.equal(['channel.webhook_url']);
    const list = (await api().get(`${base()}/inboxes`).set(auth()).expect(200)).body.payload;
    expect(list.map((i: { webhook_url: string }) => i.webhook_url)).to.deep.equal([h.receiver.url]);
  });

  it('takes the customer\'s messages through the Application API (source id, incoming) with the usual events', async () => {
    const inbox = await createApiInbox();
    const seen: string[] = [];
    h.rt.events.on('conversation.created', (e) => void (e.inboxId === inbox.id && seen.push('conversation.created')), 'test');
    h.rt.events.on('message.created', (e) => void (e.inboxId === inbox.id && seen.push(`message.created:${e.messageType}`)), 'test');
    const { contact, conversation } = await conversationIn(inbox);
    expect(conversation).to.include({ inbox_id: inbox.id });

    const message = (await api().post(`${base()}/conversations/${conversation.id}/messages`).set(auth()).send({ content: 'Where is my order?', message_type: 'incoming' }).expect(200)).body;
    expect(message).to.include({ content: 'Where is my order?', message_type: 0, status: 'sent' });
    expect(message.sender).to.include({ id: contact.id, type: 'contact' });
    const shown = (await api().get(`${base()}/conversations/${conversation.id}`).set(auth()).expect(200)).body;
    expect(shown.waiting_since).to.be.a('number');
    expect(seen).to.deep.equal(['conversation.created', 'message.created:incoming']);
    // As Chatwoot, the inbox's webhook hears of the conversation and the customer's message too, signed alike.
    await eventually(async () => h.receiver.received.length >= 2, 10_000);
    expect(h.receiver.received.map((r) => r.body.event)).to.have.members(['conversation_created', 'message_created']);
    const incoming = h.receiver.received.find((r) => r.body.event === 'message_created')!;
    expect(incoming.body).to.include({ id: message.id, message_type: 'incoming', content: 'Where is my order?' });
    for (const r of h.receiver.received) {
      const ts = String(r.headers['x-chatwoot-timestamp']);
      expect(r.headers['x-chatwoot-signature']).to.equal(`sha256=${createHmac('sha256', inbox.secret).update(`${ts}.${r.raw}`).digest('hex')}`);
    }
  });

  it('POSTs an agent\'s reply to the webhook URL with Chatwoot\'s message_created payload, signed with the channel\'s secret; the reply becomes sent', async () => {
    const inbox = await createApiInbox();
    const { conversation, sourceId } = await conversationIn(inbox);
    await api().post(`${base()}/conversations/${conversation.id}/messages`).set(auth()).send({ content: 'A private note', private: true }).expect(200);
    const reply = (await api().post(`${base()}/conversations/${conversation.id}/messages`).set(auth()).send({ content: 'It ships today', cc_emails: 'ignored@example.com' }).expect(200)).body;
    expect(reply).to.include({ status: 'sending', message_type: 1 });

    const delivered = await eventually(async () => h.receiver.received.find((r) => r.body.event === 'message_created' && r.body.message_type === 'outgoing'), 10_000);
    const ts = String(delivered.headers['x-chatwoot-timestamp']);
    expect(delivered.headers['x-chatwoot-signature']).to.equal(`sha256=${createHmac('sha256', inbox.secret).update(`${ts}.${delivered.raw}`).digest('hex')}`);
    expect(delivered.headers['x-chatwoot-delivery']).to.match(/^[0-9a-f-]{36}$/);
    expect(delivered.body).to.include({ event: 'message_created', id: reply.id, content: 'It ships today', message_type: 'outgoing', private: false });
    expect(delivered.body.conversation).to.deep.include({ id: conversation.id, inbox_id: inbox.id });
    // The integration finds its end user by the contact inbox's source id, as with Chatwoot.
    expect((delivered.body.conversation as { contact_inbox: Record<string, unknown> }).contact_inbox).to.include({ source_id: sourceId, inbox_id: inbox.id });
    expect(delivered.body.inbox).to.deep.equal({ id: inbox.id, name: 'Shop bot' });
    expect(delivered.body.account).to.deep.include({ id: h.account.id });
    expect((delivered.body.sender as { id: number }).id).to.equal(h.account.admin.id);

    const sent = await eventually(async () => {
      const messages = (await api().get(`${base()}/conversations/${conversation.id}/messages`).set(auth()).expect(200)).body.payload;
      const m = messages.find((x: { id: number }) => x.id === reply.id);
      return m.status === 'sent' && m;
    }, 10_000);
    expect(sent.external_error).to.equal(null);
    // The private note never left.
    expect(h.receiver.received.filter((r) => r.body.event === 'message_created').map((r) => r.body.content)).to.deep.equal(['It ships today']);
  });

  it('marks a reply failed with the h.receiver\'s answer after the retries, and sends it again on retry', async () => {
    const inbox = await createApiInbox();
    const { conversation } = await conversationIn(inbox);
    h.receiver.answerWith(() => 500);
    const reply = (await api().post(`${base()}/conversations/${conversation.id}/messages`).set(auth()).send({ content: 'Are you there?' }).expect(200)).body;
    const messageOf = async () => (await api().get(`${base()}/conversations/${conversation.id}/messages`).set(auth()).expect(200)).body.payload.find((x: { id: number }) => x.id === reply.id);
    const failed = await eventually(async () => ((await messageOf()).status === 'failed' ? messageOf() : undefined), 15_000);
    expect(failed.external_error).to.equal("Not delivered to the inbox's webhook: answered 500");
    // Every attempt of the one send carried the same delivery id.
    const replies = () => h.receiver.received.filter((r) => r.body.id === reply.id);
    expect(replies()).to.have.length(4);
    expect(new Set(replies().map((r) => r.headers['x-chatwoot-delivery'])).size).to.equal(1);

    h.receiver.answerWith(() => 200);
    await api().post(`${base()}/conversations/${conversation.id}/messages/${reply.id}/retry`).set(auth()).expect(200);
    await eventually(async () => (await messageOf()).status === 'sent', 10_000);
    expect(replies()).to.have.length(5);
  });

  it('posts a status change as conversation_status_changed, to the webhook URL the inbox has now', async () => {
    const inbox = await createApiInbox();
    const { conversation } = await conversationIn(inbox);
    await eventually(async () => h.receiver.received.some((r) => r.body.event === 'conversation_created'), 10_000);
    await api().patch(`${base()}/inboxes/${inbox.id}`).set(auth()).send({ channel: { webhook_url: `${h.receiver.url}/moved` } }).expect(200);
    await api().post(`${base()}/conversations/${conversation.id}/toggle_status`).set(auth()).send({ status: 'resolved' }).expect(200);
    const changed = await eventually(async () => h.receiver.received.find((r) => r.body.event === 'conversation_status_changed'), 10_000);
    expect(changed.url).to.equal('/hook/moved');
    expect(changed.body).to.include({ id: conversation.id, status: 'resolved' });
    expect((changed.body.contact_inbox as { inbox_id: number }).inbox_id).to.equal(inbox.id);
  });

  it('posts an outgoing message that is not a reply being sent (a conversation\'s opening message) as message_created', async () => {
    const inbox = await createApiInbox();
    const contact = (await api().post(`${base()}/contacts`).set(auth()).send({ name: 'Opened', inbox_id: inbox.id }).expect(200)).body.payload;
    const conversation = (await api().post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, source_id: contact.contact_inbox.source_id, message: { content: 'We noticed your cart' } }).expect(200)).body;
    const opening = await eventually(async () => h.receiver.received.find((r) => r.body.event === 'message_created'), 10_000);
    expect(opening.body).to.include({ content: 'We noticed your cart', message_type: 'outgoing', private: false });
    expect((opening.body.conversation as { id: number }).id).to.equal(conversation.id);
  });

  it('a reply in an API inbox without a webhook URL becomes sent without a post, for the integration to read through the API', async () => {
    const inbox = await createApiInbox({ type: 'api' });
    expect(inbox.webhook_url).to.equal(null);
    const { conversation } = await conversationIn(inbox);
    const reply = (await api().post(`${base()}/conversations/${conversation.id}/messages`).set(auth()).send({ content: 'Polled by the bot' }).expect(200)).body;
    await eventually(async () => {
      const messages = (await api().get(`${base()}/conversations/${conversation.id}/messages`).set(auth()).expect(200)).body.payload;
      return messages.find((x: { id: number }) => x.id === reply.id).status === 'sent';
    }, 10_000);
    expect(h.receiver.received).to.have.length(0);
  });

  it('a webhook URL set through one process is used by another at its next event, though that one had read the inbox before', async () => {
    const other = await startSecondRuntime({ REDIS_PREFIX: h.rt.config.REDIS_PREFIX, WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' });
    try {
      const onOther = () => supertest(other.app);
      const inbox = await createApiInbox({ type: 'api' });
      const { conversation } = await conversationIn(inbox);
      // The other process hears of an event of the inbox while it has no URL (and keeps that answer) ...
      await onOther().post(`${base()}/conversations/${conversation.id}/toggle_priority`).set(auth()).send({ priority: 'high' }).expect(200);
      // ... then the URL is set through this one; the other process's next event goes there.
      await api().patch(`${base()}/inboxes/${inbox.id}`).set(auth()).send({ channel: { webhook_url: `${h.receiver.url}/late` } }).expect(200);
      await onOther().post(`${base()}/conversations/${conversation.id}/toggle_status`).set(auth()).send({ status: 'resolved' }).expect(200);
      const changed = await eventually(async () => h.receiver.received.find((r) => r.body.event === 'conversation_status_changed' && r.body.id === conversation.id), 10_000);
      expect(changed.url).to.equal('/hook/late');
    } finally {
      await other.close();
    }
  });
});
