// Automation rules end to end: rules saved through the API, the lifecycle events of real requests,
// the bull job on a worker, and the conversation changed through the normal services.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import MailComposer from 'nodemailer/lib/mail-composer';
import supertest from 'supertest';
import type { Runtime } from '../../server/src/runtime.js';
import { AUTOMATION_JOB } from '../../server/src/services/automation/automation-rules.job.js';
import { createAccount, createAgent, imapChannel, startSecondRuntime, type TestAccount } from '../support/factories.js';
import { clearRedisPrefix } from '../support/runtime.js';
import { eventually } from '../sandbox/helpers.js';

interface Msg {
  id: number;
  content: string;
  message_type: number | string;
  private: boolean;
  sender?: unknown;
  content_attributes?: Record<string, unknown>;
}

describe('Automation rules, run by the job', function () {
  this.timeout(30_000);
  let rt: Runtime;
  let account: TestAccount;
  const api = () => supertest(rt.app);
  const base = () => `/api/v1/accounts/${account.id}`;
  const auth = () => ({ api_access_token: account.admin.token });

  before(async () => {
    // Loopback allowed as a webhook address, as an operator would for an internal service (send_webhook_event's receiver).
    rt = await startSecondRuntime({ REDIS_PREFIX: `leadchat-test-automation-jobs-${randomUUID().slice(0, 8)}`, WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' });
    rt.queues.startWorkers();
  });
  after(async () => {
    await rt.close();
    await clearRedisPrefix(rt.config);
  });
  beforeEach(async () => {
    account = await createAccount();
  });

  const rule = async (body: Record<string, unknown>) => (await api().post(`${base()}/automation_rules`).set(auth()).send(body).expect(200)).body;
  async function inboxAndContact(email = `customer.${randomUUID().slice(0, 8)}@customer.test`) {
    const inbox = (await api().post(`${base()}/inboxes`).set(auth()).send({ name: 'Support', channel: imapChannel() }).expect(200)).body;
    const contact = (await api().post(`${base()}/contacts`).set(auth()).send({ name: 'Casey', email, inbox_id: inbox.id }).expect(200)).body.payload.contact;
    return { inbox, contact };
  }
  const open = async (attrs: Record<string, unknown> = {}, email?: string) => {
    const { inbox, contact } = await inboxAndContact(email);
    return (await api().post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id, ...attrs }).expect(200)).body;
  };
  const show = async (id: number) => (await api().get(`${base()}/conversations/${id}`).set(auth()).expect(200)).body;
  const messages = async (id: number): Promise<Msg[]> => (await api().get(`${base()}/conversations/${id}/messages`).set(auth()).expect(200)).body.payload;
  /** Every automation job queued so far has finished (nothing waiting, running or delayed). */
  const settled = () =>
    eventually(async () => {
      const counts = await rt.queues.queue(AUTOMATION_JOB).getJobCounts();
      return counts.waiting + counts.active + counts.delayed === 0 ? counts : undefined;
    }, 10_000);

  it('labels, assigns and prioritises a new conversation that matches, with activity lines naming the automation', async () => {
    const agent = await createAgent(account, 'Robin');
    await rule({
      name: 'VIP customers',
      event_name: 'conversation_created',
      conditions: [
        { attribute_key: 'email', filter_operator: 'contains', values: ['@vip.test'], query_operator: 'AND' },
        { attribute_key: 'mail_subject', filter_operator: 'contains', values: ['order'] },
      ],
      actions: [
        { action_name: 'add_label', action_params: ['vip'] },
        { action_name: 'assign_agent', action_params: [agent.id] },
        { action_name: 'change_priority', action_params: ['urgent'] },
      ],
    });
    const other = await open({ additional_attributes: { mail_subject: 'Order 1234' } });
    // Only administrators and members of the inbox may be assigned, as for an agent's assignment.
    const { inbox, contact } = await inboxAndContact(`ceo.${randomUUID().slice(0, 8)}@vip.test`);
    await api().post(`${base()}/inbox_members`).set(auth()).send({ inbox_id: inbox.id, user_ids: [agent.id] }).expect(200);
    const vip = (await api().post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id, additional_attributes: { mail_subject: 'Where is my order?' } }).expect(200)).body;
    expect(vip.labels).to.deep.equal([]);

    const changed = await eventually(async () => {
      const c = await show(vip.id);
      return c.labels.includes('vip') && c.priority === 'urgent' && c.meta.assignee ? c : undefined;
    }, 10_000);
    expect(changed.labels).to.deep.equal(['vip']);
    expect(changed.meta.assignee.id).to.equal(agent.id);
    await settled();
    const lines = (await messages(vip.id)).filter((m) => m.message_type === 2 || m.message_type === 'activity').map((m) => m.content);
    expect(lines).to.have.members(['Automation System added vip', 'Assigned to Robin by Automation System', 'Automation System set the priority to urgent']);
    expect((await show(other.id)).labels).to.deep.equal([]);
    expect((await show(other.id)).priority).to.equal(null);
  });

  it('answers an incoming message that matches with a reply and a private note, sent by no agent', async () => {
    await rule({
      name: 'Refunds',
      event_name: 'message_created',
      conditions: [
        { attribute_key: 'message_type', filter_operator: 'equal_to', values: ['incoming'], query_operator: 'AND' },
        { attribute_key: 'content', filter_operator: 'contains', values: ['refund'] },
      ],
      actions: [
        { action_name: 'send_message', action_params: ['Hello {{contact.name}}, we have your refund request #{{conversation.id}}.'] },
        { action_name: 'add_private_note', action_params: ['Refund request from {{contact.email}}{{unknown.key}}: check the order.'] },
        { action_name: 'add_label', action_params: ['refund'] },
      ],
    });
    const contactEmail = `casey.${randomUUID().slice(0, 8)}@customer.test`;
    const conversation = await open({}, contactEmail);
    const say = (content: string) => api().post(`${base()}/conversations/${conversation.id}/messages`).set(auth()).send({ content, message_type: 'incoming' }).expect(200);
    await say('Hello, a question about shipping');
    await settled();
    expect((await messages(conversation.id)).filter((m) => m.message_type === 1)).to.have.length(0);

    await say('I would like a REFUND please');
    await eventually(async () => (await show(conversation.id)).labels.includes('refund'), 10_000);
    await settled();
    const all = await messages(conversation.id);
    // The placeholders are filled with the contact and the conversation; unknown ones become empty.
    const reply = all.filter((m) => m.content === `Hello Casey, we have your refund request #${conversation.id}.`);
    expect(reply).to.have.length(1);
    expect(reply[0]).to.include({ private: false });
    expect(reply[0]!.content_attributes).to.have.property('automation_rule_id');
    expect(reply[0]!.sender ?? null).to.equal(null);
    expect(all.filter((m) => m.content === `Refund request from ${contactEmail}: check the order.` && m.private)).to.have.length(1);
    // An automation's reply is no agent's first reply.
    expect((await show(conversation.id)).first_reply_created_at || null).to.equal(null);
  });

  it('posts the conversation to a webhook once (automation_event.<event>) and mutes it, with activity lines', async () => {
    const received: Record<string, unknown>[] = [];
    const receiver = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        received.push(JSON.parse(raw));
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await rule({
        name: 'Stop mail',
        event_name: 'message_created',
        conditions: [{ attribute_key: 'content', filter_operator: 'contains', values: ['unsubscribe'] }],
        actions: [
          { action_name: 'send_webhook_event', action_params: [`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/automation`] },
          { action_name: 'mute_conversation' },
        ],
      });
      const conversation = await open();
      await api().post(`${base()}/conversations/${conversation.id}/messages`).set(auth()).send({ content: 'Please UNSUBSCRIBE me', message_type: 'incoming' }).expect(200);
      await eventually(async () => (await show(conversation.id)).muted === true, 10_000);
      await settled();
      expect(received).to.have.length(1);
      expect(received[0]).to.include({ event: 'automation_event.message_created', id: conversation.id, status: 'open' });
      expect((await show(conversation.id)).status).to.equal('resolved');
      const lines = (await messages(conversation.id)).filter((m) => m.message_type === 2).map((m) => m.content);
      expect(lines).to.deep.equal(['Conversation was marked resolved by Automation System', 'Automation System has muted the conversation']);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('reads an email\'s sender, To/Cc and subject: a customer email through the ingestion pipeline is labelled by the alias it was sent to', async () => {
    await rule({
      name: 'Sales alias',
      event_name: 'message_created',
      conditions: [
        { attribute_key: 'email_to', filter_operator: 'contains', values: ['sales@'], query_operator: 'AND' },
        { attribute_key: 'mail_subject', filter_operator: 'contains', values: ['quote'], query_operator: 'AND' },
        { attribute_key: 'email', filter_operator: 'does_not_contain', values: ['@competitor.test'] },
      ],
      actions: [{ action_name: 'add_label', action_params: ['sales'] }, { action_name: 'change_priority', action_params: ['high'] }],
    });
    const { inbox } = await inboxAndContact();
    const inboxRow = (await rt.models.Inbox.findByPk(inbox.id))!;
    const channel = (await rt.models.ChannelEmail.findByPk(inboxRow.channel_id))!;
    const receive = async (mail: { from: string; to: string; cc?: string; subject: string }) => {
      const raw = await new MailComposer({ ...mail, text: 'Hello', messageId: `<${randomUUID()}@customer.test>` }).compile().build();
      const result = await rt.api.emailReceive.ingestion.ingest({ channel, inbox: inboxRow, raw, source: { kind: 'test', ref: randomUUID() } });
      return (await rt.models.Conversation.findByPk(result.conversationId!))!.display_id;
    };
    const viaCc = await receive({ from: 'Quinn <quinn@customer.test>', to: inbox.email, cc: 'Sales <sales@example.test>', subject: 'Quote for 20 seats' });
    const support = await receive({ from: 'Rae <rae@customer.test>', to: 'support@example.test', subject: 'Quote please' });
    const rival = await receive({ from: 'Spy <spy@competitor.test>', to: 'sales@example.test', subject: 'Your quote' });
    await eventually(async () => (await show(viaCc)).labels.includes('sales'), 10_000);
    await settled();
    expect(await show(viaCc)).to.deep.include({ labels: ['sales'], priority: 'high' });
    for (const id of [support, rival]) expect(await show(id)).to.deep.include({ labels: [], priority: null });
  });

  it('matches the account\'s custom attributes (a contact\'s plan) and labels conditions', async () => {
    await api().post(`${base()}/custom_attribute_definitions`).set(auth())
      .send({ attribute_display_name: 'Plan', attribute_key: 'plan', attribute_model: 'contact_attribute', attribute_display_type: 'text' }).expect(200);
    await rule({
      name: 'Enterprise first', event_name: 'conversation_updated',
      conditions: [
        { attribute_key: 'plan', filter_operator: 'equal_to', values: ['enterprise'], query_operator: 'AND' },
        { attribute_key: 'labels', filter_operator: 'not_equal_to', values: ['spam'] },
      ],
      actions: [{ action_name: 'change_priority', action_params: ['urgent'] }],
    });
    const { inbox, contact } = await inboxAndContact();
    await api().put(`${base()}/contacts/${contact.id}`).set(auth()).send({ custom_attributes: { plan: 'enterprise' } }).expect(200);
    const start = async () => (await api().post(`${base()}/conversations`).set(auth()).send({ inbox_id: inbox.id, contact_id: contact.id }).expect(200)).body;
    const [wanted, spam] = [await start(), await start()];
    await api().post(`${base()}/conversations/${spam.id}/labels`).set(auth()).send({ labels: ['spam'] }).expect(200);
    await api().post(`${base()}/conversations/${wanted.id}/labels`).set(auth()).send({ labels: ['renewal'] }).expect(200);
    await eventually(async () => (await show(wanted.id)).priority === 'urgent', 10_000);
    await settled();
    expect((await show(spam.id)).priority).to.equal(null);
  });

  it('unassigns the agent and the team and marks the conversation pending', async () => {
    const team = (await api().post(`${base()}/teams`).set(auth()).send({ name: 'Night shift' }).expect(200)).body;
    await rule({
      name: 'Back to the queue', event_name: 'conversation_created',
      actions: [{ action_name: 'remove_assigned_agent' }, { action_name: 'remove_assigned_team' }, { action_name: 'pending_conversation' }],
    });
    const conversation = await open({ team_id: team.id, assignee_id: account.admin.id });
    await eventually(async () => (await show(conversation.id)).status === 'pending', 10_000);
    await settled();
    const c = await show(conversation.id);
    expect([c.meta.assignee ?? null, c.meta.team ?? null]).to.deep.equal([null, null]);
    const lines = (await messages(conversation.id)).filter((m) => m.message_type === 2).map((m) => m.content);
    expect(lines).to.deep.equal(['Conversation unassigned by Automation System', 'Unassigned from Night shift by Automation System', 'Conversation was marked pending by Automation System']);
  });

  it('does not let rules trigger rules: an automation\'s own changes and messages start no run', async () => {
    // Without loop protection these would answer each other's changes (and Echo its own message) forever.
    await rule({ name: 'Echo', event_name: 'message_created', actions: [{ action_name: 'send_message', action_params: ['Noted.'] }] });
    await rule({ name: 'Touch', event_name: 'conversation_updated', actions: [{ action_name: 'add_label', action_params: ['touched'] }, { action_name: 'change_priority', action_params: ['low'] }] });
    await rule({ name: 'Bump', event_name: 'conversation_updated', conditions: [{ attribute_key: 'labels', filter_operator: 'equal_to', values: ['touched'] }], actions: [{ action_name: 'change_priority', action_params: ['high'] }] });
    const conversation = await open();
    await settled();
    const completed = async () => (await rt.queues.queue(AUTOMATION_JOB).getJobCounts()).completed;
    const start = await completed();

    await api().post(`${base()}/conversations/${conversation.id}/messages`).set(auth()).send({ content: 'Hi there', message_type: 'incoming' }).expect(200);
    await eventually(async () => (await messages(conversation.id)).some((m) => m.content === 'Noted.'), 10_000);
    await settled();
    expect(await completed()).to.equal(start + 1);

    // The agent's change runs the conversation_updated rules once, in order: Touch labels, then Bump sees the label.
    await api().post(`${base()}/conversations/${conversation.id}/toggle_priority`).set(auth()).send({ priority: 'medium' }).expect(200);
    await eventually(async () => (await show(conversation.id)).priority === 'high', 10_000);
    await settled();
    await new Promise((r) => setTimeout(r, 300));
    await settled();
    expect(await completed()).to.equal(start + 2);
    const c = await show(conversation.id);
    expect(c.labels).to.deep.equal(['touched']);
    expect(c.priority).to.equal('high');
    expect((await messages(conversation.id)).filter((m) => m.content === 'Noted.')).to.have.length(1);
  });

  it('runs conversation_resolved and conversation_opened rules on the status change; inactive rules never run', async () => {
    await rule({ name: 'Resolved note', event_name: 'conversation_resolved', actions: [{ action_name: 'add_private_note', action_params: ['Resolved: send the survey.'] }] });
    await rule({ name: 'Reopened', event_name: 'conversation_opened', actions: [{ action_name: 'add_label', action_params: ['reopened'] }] });
    const paused = await rule({ name: 'Paused', event_name: 'conversation_resolved', active: false, actions: [{ action_name: 'add_label', action_params: ['paused'] }] });
    expect(paused.active).to.equal(false);
    const conversation = await open();
    const toggle = (status: string) => api().post(`${base()}/conversations/${conversation.id}/toggle_status`).set(auth()).send({ status }).expect(200);
    await settled();
    expect((await show(conversation.id)).labels).to.deep.equal([]);

    await toggle('resolved');
    await eventually(async () => (await messages(conversation.id)).some((m) => m.content === 'Resolved: send the survey.'), 10_000);
    await toggle('open');
    await eventually(async () => (await show(conversation.id)).labels.includes('reopened'), 10_000);
    await settled();
    expect((await show(conversation.id)).labels).to.deep.equal(['reopened']);
    const lines = (await messages(conversation.id)).map((m) => m.content);
    expect(lines).to.include('Automation System added reopened');
    expect(lines.filter((l) => l === 'Resolved: send the survey.')).to.have.length(1);
  });
});
