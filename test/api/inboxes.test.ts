import { expect } from 'chai';
import { createAccount, createAgent, createInbox, imapChannel, type TestAccount } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

describe('Inboxes API', () => {
  let account: TestAccount;
  const path = () => `/api/v1/accounts/${account.id}/inboxes`;

  beforeEach(async () => {
    account = await createAccount();
  });

  it('creates an email inbox with Chatwoot params and never returns or stores passwords in clear', async () => {
    const api = await http();
    const channel = imapChannel();
    const res = await api.post(path()).set('api_access_token', account.admin.token).send({ name: 'Support', channel }).expect(200);
    expect(res.body).to.include({ name: 'Support', channel_type: 'Channel::Email', email: channel.email, provider: 'imap', imap_port: 993, smtp_enabled: true });
    expect(res.body.forward_to_email).to.match(/^[0-9a-f]{24}@/);
    expect(res.body.imap_password_set).to.equal(true);
    expect(JSON.stringify(res.body)).not.to.contain('Secret-imap-1');

    const { sequelize } = await runtime();
    const [rows] = await sequelize.query(`SELECT imap_password_ciphertext, smtp_password_ciphertext FROM channel_email WHERE email = '${channel.email}'`);
    const row = rows[0] as Record<string, string>;
    expect(row.imap_password_ciphertext).to.match(/^v1\./).and.not.contain('Secret');
    expect((await runtime()).secrets.decrypt(row.imap_password_ciphertext)).to.equal('Secret-imap-1');
  });

  it('lists, shows, updates and deletes an inbox', async () => {
    const api = await http();
    const inbox = await createInbox(account);
    const list = await api.get(path()).set('api_access_token', account.admin.token).expect(200);
    expect(list.body.payload.map((i: { id: number }) => i.id)).to.deep.equal([inbox.id]);

    await api.get(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(200);
    const updated = await api
      .patch(`${path()}/${inbox.id}`)
      .set('api_access_token', account.admin.token)
      .send({ name: 'Billing', channel: { smtp_enabled: false } })
      .expect(200);
    expect(updated.body).to.include({ name: 'Billing', smtp_enabled: false, imap_password_set: true });
    // Another port is another server: the stored password only goes there when it is typed again.
    const moved = await api.patch(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).send({ channel: { imap_port: 1993, imap_password: 'Typed-again-1' } }).expect(200);
    expect(moved.body).to.include({ imap_port: 1993, imap_password_set: true });

    await api.delete(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(200);
    await api.get(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(404);
  });

  it('emits channel.created and channel.destroyed lifecycle events', async () => {
    const rt = await runtime();
    const seen: string[] = [];
    rt.events.on('channel.created', (e) => void seen.push(`created:${e.provider}`), 'test');
    rt.events.on('channel.destroyed', (e) => void seen.push(`destroyed:${e.inboxId}`), 'test');
    const inbox = await createInbox(account);
    await (await http()).delete(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(200);
    expect(seen).to.include.members(['created:imap', `destroyed:${inbox.id}`]);
  });

  it('starts fetching a new inbox at once, and fetches an edited one even while it was backing off', async () => {
    const rt = await runtime();
    const api = await http();
    const inbox = await createInbox(account);
    const channelId = (await api.get(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token)).body.channel_id;
    await api.patch(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).send({ channel: { imap_password: 'Fixed-pass-2' } }).expect(200);
    await api.patch(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).send({ name: 'Renamed only' }).expect(200);
    const jobs = await rt.queues.queue('email.fetch').getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    const mine = jobs.filter((j) => j.data.channelId === channelId).map((j) => j.data.force);
    expect(mine.sort()).to.deep.equal([false, true]);
  });

  describe('validation', () => {
    const post = async (body: unknown) => (await http()).post(path()).set('api_access_token', account.admin.token).send(body as object);

    it('names every missing field', async () => {
      const res = await post({ channel: { type: 'email', imap_enabled: true } });
      expect(res.status).to.equal(422);
      const paths = res.body.error.fields.map((f: { path: string }) => f.path);
      expect(paths).to.include.members(['name', 'channel.email', 'channel.imap_address', 'channel.imap_port', 'channel.imap_login', 'channel.imap_password']);
      expect(res.body.error.code).to.equal('validation_failed');
    });

    it('rejects a bad port, a bad address and an unknown channel type', async () => {
      const res = await post({ name: 'x', channel: { ...imapChannel(), type: 'sms', imap_port: 70000, email: 'not-an-email' } });
      expect(res.status).to.equal(422);
      const paths = res.body.error.fields.map((f: { path: string }) => f.path);
      expect(paths).to.include.members(['channel.type', 'channel.imap_port', 'channel.email']);
    });

    it('refuses an email address another inbox already uses', async () => {
      const channel = imapChannel();
      await post({ name: 'a', channel }).then((r) => expect(r.status).to.equal(200));
      const res = await post({ name: 'b', channel });
      expect(res.status).to.equal(422);
      expect(res.body.error.fields).to.deep.include({ path: 'channel.email', message: 'is already used by another inbox' });
    });

    it('refuses providers that are created by their own sign-in flow, and unknown providers', async () => {
      const oauth = await post({ name: 'x', channel: { ...imapChannel(), provider: 'microsoft' } });
      expect(oauth.status).to.equal(422);
      expect(oauth.body.error.fields[0].message).to.match(/signing in/);
      const unknown = await post({ name: 'x', channel: { ...imapChannel(), provider: 'carrier_pigeon' } });
      expect(unknown.body.error.fields[0]).to.deep.equal({ path: 'channel.provider', message: '"carrier_pigeon" is not a known email provider' });
    });

    it('answers 404 for an id that is not a number', async () => {
      await (await http()).get(`${path()}/abc`).set('api_access_token', account.admin.token).expect(404);
    });
  });

  describe('access', () => {
    it('shows agents only the inboxes they are members of, and lets only administrators change inboxes', async () => {
      const api = await http();
      const inbox = await createInbox(account);
      const agent = await createAgent(account);
      const list = await api.get(path()).set('api_access_token', agent.token).expect(200);
      expect(list.body.payload).to.deep.equal([]);
      await api.get(`${path()}/${inbox.id}`).set('api_access_token', agent.token).expect(404);
      const create = await api.post(path()).set('api_access_token', agent.token).send({ name: 'x', channel: imapChannel() });
      expect(create.status).to.equal(403);
      await api.delete(`${path()}/${inbox.id}`).set('api_access_token', agent.token).expect(403);
    });

    it('hides every inbox of another account (404), even from its administrators', async () => {
      const api = await http();
      const other = await createAccount();
      const inbox = await createInbox(other);
      await api.get(`/api/v1/accounts/${other.id}/inboxes`).set('api_access_token', account.admin.token).expect(404);
      await api.get(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(404);
      await api.patch(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).send({ name: 'hijack' }).expect(404);
      await api.delete(`${path()}/${inbox.id}`).set('api_access_token', account.admin.token).expect(404);
    });

    it('requires authentication (401) and rejects a wrong token', async () => {
      const api = await http();
      const anon = await api.get(path());
      expect(anon.status).to.equal(401);
      expect(anon.body.code).to.equal('unauthorized');
      await api.get(path()).set('api_access_token', 'nope').expect(401);
    });
  });
});
