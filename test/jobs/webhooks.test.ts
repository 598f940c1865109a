// Account webhooks end to end: the API, the lifecycle events, and delivery by the bull job to a real
// receiver on loopback (allowed by WEBHOOK_ALLOW_PRIVATE_NETWORKS, as an operator would for an
// internal service).
import { expect } from 'chai';
import { createHmac, randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { createAgent, imapChannel, startSecondRuntime } from '../support/factories.js';
import { eventually } from '../sandbox/helpers.js';
import { receivingRuntime } from '../support/webhook-receiver.js';

describe('Account webhooks', function () {
  this.timeout(30_000);
  const h = receivingRuntime('webhooks');
  const api = () => supertest(h.rt.app);
  const base = () => `/api/v1/accounts/${h.account.id}`;
  const auth = () => ({ api_access_token: h.account.admin.token });

  const addWebhook = async (subscriptions: string[]) =>
    (await api().post(`${base()}/webhooks`).set(auth()).send({ webhook: { url: h.receiver.url, subscriptions } }).expect(200)).body.payload.webhook;

  /** An inbox, a contact in it and a conversation, through the API. */
  async function conversation() {
    const inbox = (await api().post(`${base()}/inboxes`).set(auth()).send({ name: 'Support', channel: imapChannel() }).expect(200)).body;
    const contact = (await api().post(`${base()}/contacts`).set(auth()).send({ name: 'Hook Customer', email: `hook.${randomUUID().slice(0, 8)}@customer.test`, inbox_id: inbox.id }).expect(200)).body.payload.contact;
    const created = (await api().post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
    return { inbox, contact, conversation: created };
  }
  const note = (conversationId: number, content: string) =>
    api().post(`${base()}/conversations/${conversationId}/messages`).set(auth()).send({ content, private: true }).expect(200);

  it('is managed by administrators with Chatwoot\'s payloads; refuses bad events and private addresses; agents get 403', async () => {
    const agent = await createAgent(h.account);
    await api().get(`${base()}/webhooks`).set('api_access_token', agent.token).expect(403);

    const webhook = await addWebhook(['message_created', 'contact_created']);
    expect(webhook).to.include({ url: h.receiver.url, account_id: h.account.id, enabled: true, inbox: null });
    expect(webhook.subscriptions).to.deep.equal(['message_created', 'contact_created']);
    expect(webhook.secret).to.be.a('string').with.length.above(30);

    const list = await api().get(`${base()}/webhooks`).set(auth()).expect(200);
    expect(list.body.payload.webhooks.map((w: { id: number }) => w.id)).to.deep.equal([webhook.id]);
    const updated = await api().patch(`${base()}/webhooks/${webhook.id}`).set(auth()).send({ subscriptions: ['conversation_created'] }).expect(200);
    expect(updated.body.payload.webhook.subscriptions).to.deep.equal(['conversation_created']);

    const bad = await api().post(`${base()}/webhooks`).set(auth()).send({ url: 'ftp://x.example', subscriptions: ['nope'] }).expect(422);
    expect(bad.body.attributes).to.have.members(['webhook.url', 'webhook.subscriptions.0']);
    for (const url of ['http://10.0.0.5/hook', 'http://[::1]:8080/hook', 'http://[::ffff:192.168.0.1]/hook', 'http://169.254.169.254/latest']) {
      const refused = await api().post(`${base()}/webhooks`).set(auth()).send({ url, subscriptions: ['message_created'] }).expect(422);
      expect(refused.body.fields[0].message, url).to.match(/private, loopback or link-local/);
    }
    await api().delete(`${base()}/webhooks/${webhook.id}`).set(auth()).expect(200);
    await api().delete(`${base()}/webhooks/${webhook.id}`).set(auth()).expect(404);
  });

  it('signs each delivery (HMAC-SHA256 of timestamp.body with the secret) and sends Chatwoot\'s event payloads', async () => {
    const webhook = await addWebhook(['contact_created', 'conversation_created', 'message_created', 'conversation_status_changed', 'contact_updated']);
    const { contact, conversation: conv } = await conversation();
    await note(conv.id, 'A note for the webhook');
    await api().post(`${base()}/conversations/${conv.id}/toggle_status`).set(auth()).send({ status: 'resolved' }).expect(200);
    await api().put(`${base()}/contacts/${contact.id}`).set(auth()).send({ name: 'Renamed Customer' }).expect(200);
    // Resolving also writes an activity line, delivered as a message_created of its own (as Chatwoot's).
    await eventually(async () => new Set(h.receiver.received.map((r) => r.body.event)).size >= 5, 10_000);

    for (const r of h.receiver.received) {
      const ts = String(r.headers['x-chatwoot-timestamp']);
      expect(Math.abs(Date.now() / 1000 - Number(ts))).to.be.below(60);
      const expected = `sha256=${createHmac('sha256', webhook.secret).update(`${ts}.${r.raw}`).digest('hex')}`;
      expect(r.headers['x-chatwoot-signature']).to.equal(expected);
      expect(r.headers['x-chatwoot-delivery']).to.match(/^[0-9a-f-]{36}$/);
      expect(r.body.account).to.deep.equal({ id: h.account.id, name: r.body.account && (r.body.account as { name: string }).name });
    }
    // The first delivery of each event (the note's message_created comes before the activity line's).
    const byEvent = Object.fromEntries([...h.receiver.received].reverse().map((r) => [r.body.event, r.body]));
    expect(Object.keys(byEvent)).to.have.members(['contact_created', 'conversation_created', 'message_created', 'conversation_status_changed', 'contact_updated']);
    expect(byEvent.contact_created).to.include({ id: contact.id, email: contact.email });
    expect(byEvent.conversation_created).to.include({ id: conv.id, inbox_id: conv.inbox_id, status: 'open' });
    expect((byEvent.conversation_created.meta as { sender: { id: number } }).sender.id).to.equal(contact.id);
    expect(byEvent.message_created).to.include({ content: 'A note for the webhook', message_type: 'outgoing', private: true, conversation_id: conv.id });
    expect((byEvent.message_created.conversation as { id: number }).id).to.equal(conv.id);
    expect(byEvent.message_created.inbox).to.deep.include({ id: conv.inbox_id });
    expect(byEvent.conversation_status_changed).to.include({ id: conv.id, status: 'resolved' });
    expect(byEvent.contact_updated).to.include({ id: contact.id, name: 'Renamed Customer' });
    expect(h.receiver.received.filter((r) => r.body.event === 'message_created').map((r) => r.body.message_type)).to.deep.equal(['outgoing', 'activity']);

    const log = await api().get(`${base()}/webhooks/${webhook.id}/deliveries`).set(auth()).expect(200);
    expect(log.body.meta.count).to.equal(6);
    for (const d of log.body.payload) expect(d).to.include({ status: 'delivered', attempts: 1, response_status: 200, last_error: null });
    expect(log.body.payload[0].latency_ms).to.be.a('number');
  });

  it('retries a flaky h.receiver with backoff, with the same delivery id, and keeps each conversation\'s events in order', async () => {
    const webhook = await addWebhook(['message_created']);
    const { conversation: conv } = await conversation();
    // The first delivery fails twice; the notes after it must wait for it.
    h.receiver.answerWith((r, n) => (n <= 2 ? 500 : 200));
    for (const content of ['first', 'second', 'third']) await note(conv.id, content);
    await eventually(async () => h.receiver.received.filter((r) => r.body.event === 'message_created').length >= 5, 10_000);

    const contents = h.receiver.received.map((r) => r.body.content);
    expect(contents).to.deep.equal(['first', 'first', 'first', 'second', 'third']);
    const firstIds = new Set(h.receiver.received.slice(0, 3).map((r) => r.headers['x-chatwoot-delivery']));
    expect(firstIds.size).to.equal(1);

    const log = (await api().get(`${base()}/webhooks/${webhook.id}/deliveries`).set(auth()).expect(200)).body.payload;
    const first = log.find((d: { payload: { content: string } }) => d.payload.content === 'first');
    expect(first).to.include({ status: 'delivered', attempts: 3, response_status: 200 });

    // Resend: the same delivery id again, on demand from the log.
    await api().post(`${base()}/webhooks/${webhook.id}/deliveries/${first.id}/resend`).set(auth()).expect(200);
    await eventually(async () => h.receiver.received.length === 6, 5_000);
    expect(h.receiver.received[5]!.headers['x-chatwoot-delivery']).to.equal(first.delivery_id);
  });

  it('disables a webhook failing for days (the log says why), notifies administrators, and delivers again once re-enabled', async () => {
    const webhook = await addWebhook(['message_created']);
    const { conversation: conv } = await conversation();
    h.receiver.answerWith(() => 503);
    // Days of failures, without waiting days: the webhook has been failing since four days ago.
    await h.rt.models.Webhook.update({ failing_since: new Date(Date.now() - 4 * 24 * 3600_000) }, { where: { id: webhook.id } });
    await note(conv.id, 'into the void');
    const disabled = await eventually(async () => {
      const w = (await api().get(`${base()}/webhooks`).set(auth()).expect(200)).body.payload.webhooks[0];
      return w.enabled === false && w;
    }, 10_000);
    expect(disabled.disabled_reason).to.match(/no delivery succeeded for 72 hours \(last error: answered 503\)/);
    const log = (await api().get(`${base()}/webhooks/${webhook.id}/deliveries`).set(auth()).expect(200)).body.payload;
    expect(log[0]).to.include({ status: 'failed', response_status: 503, last_error: 'answered 503' });
    const notifications = await api().get(`${base()}/notifications`).set(auth()).expect(200);
    const notice = notifications.body.data.payload.find((n: { notification_type: string }) => n.notification_type === 'webhook_disabled');
    expect(notice, 'administrator notified').to.exist;

    // Disabled: nothing more is queued; enabled again, it delivers.
    const before = h.receiver.received.length;
    await note(conv.id, 'while disabled');
    h.receiver.answerWith(() => 200);
    await api().patch(`${base()}/webhooks/${webhook.id}`).set(auth()).send({ enabled: true }).expect(200);
    await note(conv.id, 'enabled again');
    await eventually(async () => h.receiver.received.some((r) => r.body.content === 'enabled again'), 5_000);
    expect(h.receiver.received.slice(before).map((r) => r.body.content)).to.deep.equal(['enabled again']);
  });

  it('a webhook added in one process gets the events another process raises, also after that one had asked (web and worker split)', async () => {
    const worker = await startSecondRuntime({ REDIS_PREFIX: h.rt.config.REDIS_PREFIX, WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' });
    try {
      const onWorker = () => supertest(worker.app);
      const contact = (email: string) => onWorker().post(`${base()}/contacts`).set(auth()).send({ name: 'Split Customer', email }).expect(200);
      await contact(`before.${randomUUID().slice(0, 8)}@customer.test`);
      await addWebhook(['contact_created']);
      const email = `after.${randomUUID().slice(0, 8)}@customer.test`;
      await contact(email);
      await eventually(async () => h.receiver.received.some((r) => r.body.email === email), 5_000);
      expect(h.receiver.received.map((r) => r.body.event)).to.deep.equal(['contact_created']);
    } finally {
      await worker.close();
    }
  });
});
