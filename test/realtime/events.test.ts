// Live updates over Server-Sent Events, through a real HTTP listener: who receives what, how fast,
// and events emitted by another process (a worker) arriving through Redis pub/sub.
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import type { Runtime } from '../../server/src/runtime.js';
import {
  addInboxMember, addToAccount, createAccount, createAgent, createContact, createConversation, createInbox, createUser, startSecondRuntime,
  type TestAccount, type TestUser,
} from '../support/factories.js';
import { http as api, runtime } from '../support/runtime.js';

interface Stream {
  status: number;
  /** The server ended the stream. */
  ended: boolean;
  headers: http.IncomingHttpHeaders;
  events: { event: string; at: number; data: { event: string; data: Record<string, unknown> } }[];
  raw: () => string;
  close(): void;
}

/** `credentials`: an `api_access_token` header, or the dashboard's session `cookie`. */
function openStream(port: number, accountId: number, credentials: http.OutgoingHttpHeaders): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/api/v1/accounts/${accountId}/events`, headers: { ...credentials, accept: 'text/event-stream' } }, (res) => {
      let raw = '';
      let buffer = '';
      const stream: Stream = { status: res.statusCode ?? 0, ended: false, headers: res.headers, events: [], raw: () => raw, close: () => req.destroy() };
      res.on('end', () => (stream.ended = true));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = frame.match(/^event: (.+)$/m)?.[1];
          const data = frame.match(/^data: (.+)$/m)?.[1];
          if (event && data) stream.events.push({ event, at: Date.now(), data: JSON.parse(data) });
        }
      });
      res.on('error', () => undefined);
      resolve(stream);
    });
    req.on('error', (err) => (err.message.includes('aborted') || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

async function waitFor<T>(fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('live updates (Server-Sent Events)', function () {
  this.timeout(20_000);
  let rt: Runtime;
  let server: http.Server;
  let port: number;
  let account: TestAccount;
  let member: TestUser;
  let outsider: TestUser;
  let foreign: TestAccount;
  let inbox: { id: number; email: string };
  let conversation: { id: number; inbox_id: number };
  const streams: Stream[] = [];
  const open = async (user: TestUser, accountId = account.id) => {
    const s = await openStream(port, accountId, { api_access_token: user.token });
    streams.push(s);
    return s;
  };
  const ofType = (s: Stream, event: string) => s.events.filter((e) => e.event === event);

  before(async () => {
    rt = await runtime();
    server = rt.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    for (const s of streams) s.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(async () => {
    account = await createAccount();
    inbox = await createInbox(account);
    member = await createAgent(account, 'Member');
    outsider = await createAgent(account, 'Outsider');
    await addInboxMember(inbox.id, member);
    foreign = await createAccount();
    const contact = await createContact(account);
    conversation = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id });
  });

  it('streams message.created to an inbox member within a second, never to a non-member or another account', async () => {
    const [admin, memberStream, outsiderStream, foreignStream] = await Promise.all([
      open(account.admin), open(member), open(outsider), open(foreign.admin, foreign.id),
    ]);
    expect(memberStream.status).to.equal(200);
    expect(memberStream.headers['content-type']).to.match(/^text\/event-stream/);
    expect(memberStream.headers['cache-control']).to.contain('no-cache');

    const sent = Date.now();
    const res = await (await api()).post(`/api/v1/accounts/${account.id}/conversations/${conversation.id}/messages`)
      .set('api_access_token', account.admin.token).send({ content: 'Live hello' }).expect(200);
    const received = await waitFor(() => ofType(memberStream, 'message.created')[0], 1000);
    expect(received.at - sent).to.be.below(1000);
    expect(received.data).to.deep.equal({ event: 'message.created', data: res.body });
    await waitFor(() => ofType(admin, 'message.created')[0], 1000);

    // Fan-out writes every recipient of an event at once; give the others time to (wrongly) receive it.
    await new Promise((r) => setTimeout(r, 300));
    expect(outsiderStream.events, 'agent who is not a member').to.deep.equal([]);
    expect(foreignStream.events, 'another account').to.deep.equal([]);
    expect(foreignStream.raw()).to.not.contain('Live hello');
  });

  it('streams conversation.created and conversation.updated with Chatwoot\'s conversation payload', async () => {
    const memberStream = await open(member);
    const contact = await createContact(account);
    const created = await createConversation(account, { inbox_id: inbox.id, contact_id: contact.id });
    const got = await waitFor(() => ofType(memberStream, 'conversation.created')[0], 1000);
    expect(got.data.data).to.include({ id: created.id, uuid: created.uuid, inbox_id: inbox.id, status: 'open' });

    await (await api()).post(`/api/v1/accounts/${account.id}/conversations/${created.id}/toggle_status`)
      .set('api_access_token', account.admin.token).send({ status: 'resolved' }).expect(200);
    const updated = await waitFor(() => ofType(memberStream, 'conversation.updated').find((e) => e.data.data.status === 'resolved'), 1000);
    expect(updated.data.data).to.include({ id: created.id, account_id: account.id });
  });

  it('delivers events emitted by another process (a worker) through Redis, and re-checks membership per event', async () => {
    const memberStream = await open(member);
    const worker = await startSecondRuntime({ ROLE: 'worker' });
    try {
      const internal = (await rt.models.Conversation.findOne({ where: { account_id: account.id, display_id: conversation.id } }))!;
      await worker.events.emit('conversation.updated', { accountId: account.id, inboxId: inbox.id, conversationId: internal.id, changes: ['priority'] });
      const got = await waitFor(() => ofType(memberStream, 'conversation.updated')[0], 1000);
      expect(got.data.data).to.include({ id: conversation.id });

      await rt.models.InboxMember.destroy({ where: { inbox_id: inbox.id, user_id: member.id } });
      await worker.events.emit('conversation.updated', { accountId: account.id, inboxId: inbox.id, conversationId: internal.id, changes: ['priority'] });
      await new Promise((r) => setTimeout(r, 300));
      expect(ofType(memberStream, 'conversation.updated')).to.have.length(1);
    } finally {
      await worker.close();
    }
  });

  it('ends a session\'s stream when it signs out, and every older session\'s stream when the password is reset', async () => {
    const password = 'Stream-pass1';
    const user = await createUser('Streamer', { password });
    await addToAccount(account.id, user, 'administrator');
    const signIn = async () => {
      const agent = supertest.agent(rt.app);
      const res = await agent.post('/auth/sign_in').send({ email: user.email, password }).expect(200);
      const cookie = res.headers['set-cookie'] as unknown as string[];
      return { agent, csrf: res.body.csrf_token as string, cookie: cookie.map((c) => c.split(';')[0]).join('; ') };
    };
    const [first, second] = [await signIn(), await signIn()];
    const [firstStream, secondStream] = [await openStream(port, account.id, { cookie: first.cookie }), await openStream(port, account.id, { cookie: second.cookie })];
    streams.push(firstStream, secondStream);
    expect([firstStream.status, secondStream.status]).to.deep.equal([200, 200]);

    await first.agent.delete('/auth/sign_out').set('x-csrf-token', first.csrf).expect(200);
    await waitFor(() => firstStream.ended, 1000);
    expect(secondStream.ended).to.equal(false);

    const token = await rt.api.mail.tokens.issue(user.id, 'password_reset');
    await (await api()).put('/auth/password').send({ reset_password_token: token, password: 'Stream-pass2', password_confirmation: 'Stream-pass2' }).expect(200);
    await waitFor(() => secondStream.ended, 1000);
    await (await api()).post(`/api/v1/accounts/${account.id}/conversations/${conversation.id}/messages`).set('api_access_token', account.admin.token).send({ content: 'After the reset' }).expect(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(secondStream.raw()).to.not.contain('After the reset');
    expect((await openStream(port, account.id, { cookie: second.cookie })).status).to.equal(401);
  });

  it('streams notification.created to the notified user only', async () => {
    const second = await createAgent(account, 'Second admin');
    await rt.models.AccountUser.update({ role: 'administrator' }, { where: { account_id: account.id, user_id: second.id } });
    const [adminStream, secondStream, memberStream] = await Promise.all([open(account.admin), open(second), open(member)]);
    const channel = (await rt.models.ChannelEmail.findOne({ where: { email: inbox.email } }))!;
    await rt.api.reauthorization.require(channel.id, 'the password was refused');
    const mine = await waitFor(() => ofType(adminStream, 'notification.created')[0], 1000);
    const theirs = await waitFor(() => ofType(secondStream, 'notification.created')[0], 1000);
    expect(mine.data.data).to.include({ notification_type: 'email_channel_reauthorization_required', push_message_title: 'Support needs reconnecting', user_id: account.admin.id, read_at: null });
    expect(theirs.data.data).to.include({ user_id: second.id });
    expect(mine.data.data.id).to.not.equal(theirs.data.data.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(ofType(adminStream, 'notification.created'), 'one per user').to.have.length(1);
    expect(ofType(memberStream, 'notification.created'), 'an agent').to.deep.equal([]);
  });

  it('requires authentication and membership of the account', async () => {
    const anonymous = await openStream(port, account.id, { api_access_token: 'not-a-token' });
    expect(anonymous.status).to.equal(401);
    const stranger = await openStream(port, foreign.id, { api_access_token: member.token });
    expect(stranger.status).to.equal(404);
    anonymous.close();
    stranger.close();
  });
});
