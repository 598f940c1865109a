// Chatwoot's notifications API for the dashboard's bell: the caller's own notifications, the unread
// count, one marked read (or unread again), all marked read; nobody reads another user's.
import { expect } from 'chai';
import type { Runtime } from '../../server/src/runtime.js';
import { createAccount, createAgent, createInbox, type TestAccount } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

describe('notifications API', () => {
  let rt: Runtime;
  let account: TestAccount;
  const base = () => `/api/v1/accounts/${account.id}/notifications`;
  const as = async (method: 'get' | 'post' | 'patch', path: string, token = account.admin.token) => (await http())[method](path).set('api_access_token', token);

  /** An inbox whose sign-in stops working: the account's administrators are notified. */
  async function inboxNeedsReconnecting(name: string) {
    const inbox = await createInbox(account, name);
    const channel = (await rt.models.ChannelEmail.findOne({ where: { email: inbox.email } }))!;
    await rt.api.reauthorization.require(channel.id, 'the password was refused');
    return { inbox, channel };
  }

  before(async () => {
    rt = await runtime();
  });
  beforeEach(async () => {
    account = await createAccount();
  });

  it('lists the caller\'s notifications newest first in Chatwoot\'s shape, with the unread count', async () => {
    const { inbox } = await inboxNeedsReconnecting('Support');
    await inboxNeedsReconnecting('Billing');
    const res = await as('get', base());
    expect(res.status).to.equal(200);
    expect(res.body.data.meta).to.deep.equal({ count: 2, unread_count: 2, current_page: 1 });
    const [newest, oldest] = res.body.data.payload;
    expect(newest.push_message_title).to.equal('Billing needs reconnecting');
    expect(oldest).to.include({
      notification_type: 'email_channel_reauthorization_required', push_message_title: 'Support needs reconnecting',
      primary_actor_type: 'Inbox', primary_actor_id: inbox.id, account_id: account.id, user_id: account.admin.id, read_at: null,
    });
    expect(oldest.meta).to.include({ inbox_id: inbox.id, inbox_name: 'Support', email: inbox.email });
    expect(oldest.created_at).to.be.a('number');
    expect((await as('get', `${base()}/unread_count`)).body).to.equal(2);
  });

  it('PATCH marks one read (keeping the first read time), unread marks it unread again, read_all marks the rest', async () => {
    await inboxNeedsReconnecting('Support');
    await inboxNeedsReconnecting('Billing');
    const [first, second] = (await as('get', base())).body.data.payload;
    const read = await as('patch', `${base()}/${first.id}`);
    expect(read.status).to.equal(200);
    expect(read.body).to.include({ id: first.id });
    expect(read.body.read_at).to.be.a('number');
    expect((await as('patch', `${base()}/${first.id}`)).body.read_at).to.equal(read.body.read_at);
    expect((await as('get', `${base()}/unread_count`)).body).to.equal(1);

    expect((await as('post', `${base()}/${first.id}/unread`)).body.read_at).to.equal(null);
    expect((await as('get', `${base()}/unread_count`)).body).to.equal(2);

    expect((await as('post', `${base()}/read_all`)).status).to.equal(200);
    const after = (await as('get', base())).body.data;
    expect(after.meta.unread_count).to.equal(0);
    expect(after.payload.map((n: { id: number }) => n.id)).to.deep.equal([first.id, second.id]);
    expect(after.payload.every((n: { read_at: number | null }) => typeof n.read_at === 'number')).to.equal(true);
  });

  it('keeps each user to their own: another user\'s notification is a 404, an agent has none, read_all touches only the caller\'s', async () => {
    await inboxNeedsReconnecting('Support');
    const [mine] = (await as('get', base())).body.data.payload;
    const agent = await createAgent(account);
    expect((await as('get', base(), agent.token)).body.data.payload).to.deep.equal([]);
    expect((await as('patch', `${base()}/${mine.id}`, agent.token)).status).to.equal(404);
    expect((await as('patch', `${base()}/not-an-id`)).status).to.equal(404);
    expect((await as('post', `${base()}/read_all`, agent.token)).status).to.equal(200);
    expect((await as('get', `${base()}/unread_count`)).body).to.equal(1);
    const other = await createAccount();
    expect((await as('patch', `/api/v1/accounts/${other.id}/notifications/${mine.id}`, other.admin.token)).status).to.equal(404);
  });
});
