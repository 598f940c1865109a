// The inbox wizard's connection checks against the sandbox's Dovecot (IMAP, STARTTLS and implicit TLS)
// and SMTP submission: each leg passing, each kind of failure named at the field to fix, and the round
// trip's test message found and removed.
import { expect } from 'chai';
import net from 'node:net';
import { controlFetch, folderSubjects, startTestSandbox, type TestSandbox } from '../sandbox/helpers.js';
import { append, clearInbox, mime } from '../email/receive/helpers.js';
import { passwordOf, readInbox } from '../email/send/send-runtime.js';
import { createAccount, createAgent, type TestAccount } from '../support/factories.js';
import { http } from '../support/runtime.js';
import { freePort } from '../../sandbox/src/ports.js';

const INFO = 'info@example.test';
const JANE = 'jane@example.test';
const TEST_SUBJECT = /^LeadChat connection test [0-9a-f-]{36}$/;

describe('POST /inboxes/email_checks: the inbox wizard\'s connection checks (sandbox)', function () {
  this.timeout(20_000);
  let sb: TestSandbox;
  let account: TestAccount;

  before(async () => {
    sb = await startTestSandbox();
    account = await createAccount();
  });
  after(async () => {
    await sb?.close();
  });

  const imap = (over: Record<string, unknown> = {}) => ({
    email: INFO, imap_address: sb.world.imap.host, imap_port: sb.world.imap.port, imap_login: INFO, imap_password: passwordOf(sb, INFO), imap_enable_ssl: false, ...over,
  });
  const smtp = (over: Record<string, unknown> = {}) => ({
    email: INFO, smtp_address: sb.world.smtp.host, smtp_port: sb.world.smtp.port, smtp_login: INFO, smtp_password: passwordOf(sb, INFO),
    smtp_enable_ssl_tls: false, smtp_enable_starttls_auto: true, smtp_authentication: 'login', smtp_openssl_verify_mode: 'peer', ...over,
  });
  const check = async (body: Record<string, unknown>, token = account.admin.token, accountId = account.id) =>
    (await http()).post(`/api/v1/accounts/${accountId}/inboxes/email_checks`).set('api_access_token', token).send(body);
  /** The field errors of a 422 in the one error envelope. */
  const fieldsOf = (res: { status: number; body: { error?: { code: string; fields?: unknown } } }) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(422);
    expect(res.body.error!.code).to.equal('validation_failed');
    return res.body.error!.fields as { path: string; message: string }[];
  };
  const sentSubjects = async () => ((await controlFetch(sb, 'GET', '/sent')).json as { subject: string }[]).map((s) => s.subject).filter((s) => TEST_SUBJECT.test(s));

  it('imap: logs in over STARTTLS and over implicit TLS, and reports the INBOX it opened read-only', async () => {
    await clearInbox(sb);
    await append(sb, [mime({ subject: 'one' }), mime({ subject: 'two' })]);
    const res = await check({ leg: 'imap', channel: imap() });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.deep.include({ ok: true, leg: 'imap' });
    expect(res.body.details.messages).to.equal(2);
    expect(res.body.details.uidvalidity).to.be.a('number').above(0);
    expect(res.body.details.capabilities).to.include.members(['IMAP4rev1', 'IDLE', 'UIDPLUS']);

    const tls = await check({ leg: 'imap', channel: imap({ imap_port: sb.world.imap.tlsPort, imap_enable_ssl: true }) });
    expect(tls.status, JSON.stringify(tls.body)).to.equal(200);
    expect(tls.body.details).to.deep.include({ messages: 2, uidvalidity: res.body.details.uidvalidity });
  });

  it('imap: a refused login names channel.imap_password with the server\'s words', async () => {
    const res = await check({ leg: 'imap', channel: imap({ imap_password: 'not-the-password' }) });
    expect(fieldsOf(res)).to.deep.equal([{ path: 'channel.imap_password', message: 'Authentication failed: [AUTHENTICATIONFAILED] Authentication failed.' }]);
  });

  it('imap: a closed port names channel.imap_port, an unknown host channel.imap_address', async () => {
    const port = await freePort();
    const refused = await check({ leg: 'imap', channel: imap({ imap_port: port }) });
    expect(fieldsOf(refused)).to.deep.equal([
      { path: 'channel.imap_port', message: `Could not connect to 127.0.0.1:${port}: ECONNREFUSED — nothing accepts connections on port ${port}` },
    ]);
    const unknown = await check({ leg: 'imap', channel: imap({ imap_address: 'imap.example.invalid', imap_port: 993, imap_enable_ssl: true }) });
    const [field] = fieldsOf(unknown);
    expect(field.path).to.equal('channel.imap_address');
    expect(field.message).to.match(/^Could not connect to imap\.example\.invalid:993: (ENOTFOUND|EAI_AGAIN) — no such host$/);
  });

  it('imap and smtp: TLS from the first byte on a STARTTLS port names the SSL/TLS switch', async () => {
    const imapRes = await check({ leg: 'imap', channel: imap({ imap_enable_ssl: true }) });
    const [imapField] = fieldsOf(imapRes);
    expect(imapField.path).to.equal('channel.imap_enable_ssl');
    expect(imapField.message).to.match(/^Could not start TLS with 127\.0\.0\.1:\d+ \(wrong version number\) — the port does not use TLS from the first byte: turn SSL\/TLS off to use STARTTLS, or use port 993$/);

    const smtpRes = await check({ leg: 'smtp', channel: smtp({ smtp_enable_ssl_tls: true }) });
    const [smtpField] = fieldsOf(smtpRes);
    expect(smtpField.path).to.equal('channel.smtp_enable_ssl_tls');
    expect(smtpField.message).to.match(/turn SSL\/TLS off to use STARTTLS, or use port 465$/);
  });

  it('smtp: logs in with STARTTLS; a refused password names channel.smtp_password, a closed port channel.smtp_port', async () => {
    const ok = await check({ leg: 'smtp', channel: smtp() });
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(ok.body).to.deep.equal({ ok: true, leg: 'smtp', details: { authenticated: true } });

    const refused = await check({ leg: 'smtp', channel: smtp({ smtp_password: 'not-the-password' }) });
    expect(fieldsOf(refused)).to.deep.equal([{ path: 'channel.smtp_password', message: 'Authentication failed: 535 5.7.3 Authentication unsuccessful' }]);

    const port = await freePort();
    const closed = await check({ leg: 'smtp', channel: smtp({ smtp_port: port }) });
    expect(fieldsOf(closed)).to.deep.equal([
      { path: 'channel.smtp_port', message: `Could not connect to 127.0.0.1:${port}: ECONNREFUSED — nothing accepts connections on port ${port}` },
    ]);
  });

  it('round_trip: the test message (Auto-Submitted) arrives over SMTP, is found over IMAP, and is gone from INBOX afterwards', async () => {
    await clearInbox(sb);
    await append(sb, [mime({ subject: 'a customer email that stays' })]);
    const res = await check({ leg: 'round_trip', channel: { ...imap(), ...smtp() } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.deep.include({ ok: true, leg: 'round_trip' });
    expect(res.body.details.seconds).to.be.a('number').within(0, 20);

    const sent = ((await controlFetch(sb, 'GET', '/sent')).json as { subject: string; from: string; to: string[]; deliveredTo: string[]; submittedBy: string }[])
      .filter((s) => TEST_SUBJECT.test(s.subject));
    expect(sent).to.have.length(1);
    expect(sent[0]).to.deep.include({ from: INFO, to: [INFO], deliveredTo: [INFO], submittedBy: INFO });
    expect(await folderSubjects(sb, { user: INFO, pass: passwordOf(sb, INFO) }, 'INBOX')).to.deep.equal(['a customer email that stays']);
  });

  it('round_trip: sent, but read from another mailbox, it never arrives: channel.email says so (short timeout_seconds)', async () => {
    await clearInbox(sb);
    const res = await check({
      leg: 'round_trip', timeout_seconds: 1,
      channel: { ...smtp(), ...imap({ imap_login: JANE, imap_password: passwordOf(sb, JANE) }) },
    });
    expect(fieldsOf(res)).to.deep.equal([{
      path: 'channel.email',
      message: `The test message was sent, but it did not arrive in the IMAP inbox within 1 s — check that ${INFO} receives mail in this mailbox`,
    }]);
    // It went to info@, where the check could not see it; the header keeps it from ever being answered.
    const [stray] = (await readInbox(sb, INFO)).filter((m) => TEST_SUBJECT.test(m.subject ?? ''));
    expect(stray.headers.get('auto-submitted')).to.equal('auto-generated');
    await clearInbox(sb);
  });

  it('round_trip: a broken leg fails before or at sending, naming its field; nothing is sent when IMAP fails', async () => {
    const before = (await sentSubjects()).length;
    const imapFails = await check({ leg: 'round_trip', channel: { ...smtp(), ...imap({ imap_password: 'wrong' }) } });
    expect(fieldsOf(imapFails).map((f) => f.path)).to.deep.equal(['channel.imap_password']);
    const smtpFails = await check({ leg: 'round_trip', channel: { ...imap(), ...smtp({ smtp_password: 'wrong' }) } });
    expect(fieldsOf(smtpFails).map((f) => f.path)).to.deep.equal(['channel.smtp_password']);
    expect((await sentSubjects()).length).to.equal(before);
  });

  it('inbox_id: an empty password uses the stored one; a typed one replaces it; another account\'s inbox is 404', async () => {
    const api = await http();
    const created = await api.post(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', account.admin.token).send({
      name: 'Checked', channel: { type: 'email', imap_enabled: true, ...imap({ email: `checked.${Date.now()}@example.test` }) },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(200);
    const inboxId = created.body.id as number;
    try {
      const stored = await check({ leg: 'imap', inbox_id: inboxId, channel: { imap_password: '' } });
      expect(stored.status, JSON.stringify(stored.body)).to.equal(200);
      expect(stored.body.leg).to.equal('imap');
      const typed = await check({ leg: 'imap', inbox_id: inboxId, channel: { imap_password: 'typed-wrong' } });
      expect(fieldsOf(typed).map((f) => f.path)).to.deep.equal(['channel.imap_password']);

      const other = await createAccount();
      const foreign = await check({ leg: 'imap', inbox_id: inboxId, channel: {} }, other.admin.token, other.id);
      expect(foreign.status).to.equal(404);
      expect(foreign.body.code).to.equal('not_found');
    } finally {
      await api.delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', account.admin.token).expect(200);
    }
  });

  it('inbox_id: a stored password is never sent to another host, port or login — the password must be typed again', async () => {
    // A server the "administrator" controls: it greets like IMAP and records every line it is sent.
    const received: string[] = [];
    const catcher = net.createServer((socket) => {
      socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n');
      socket.on('data', (d) => {
        received.push(d.toString());
        const tag = d.toString().split(' ')[0];
        socket.write(`${tag} NO [AUTHENTICATIONFAILED] no\r\n`);
      });
    });
    await new Promise<void>((resolve) => catcher.listen(0, '127.0.0.1', () => resolve()));
    const catcherPort = (catcher.address() as net.AddressInfo).port;
    const api = await http();
    const created = await api.post(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', account.admin.token).send({
      name: 'Moved', channel: { type: 'email', imap_enabled: true, smtp_enabled: true, ...imap({ email: `moved.${Date.now()}@example.test` }), ...smtp() },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(200);
    const inboxId = created.body.id as number;
    const storedPassword = passwordOf(sb, INFO);
    try {
      for (const moved of [{ imap_address: 'localhost', imap_port: catcherPort }, { imap_port: catcherPort }, { imap_login: 'someone-else@example.test' }]) {
        const res = await check({ leg: 'imap', inbox_id: inboxId, channel: { ...moved, imap_password: '' } });
        expect(fieldsOf(res)).to.deep.equal([{ path: 'channel.imap_password', message: 'enter the password again: the server, port or login changed' }]);
      }
      const smtpMoved = await check({ leg: 'smtp', inbox_id: inboxId, channel: { smtp_address: 'localhost', smtp_port: catcherPort } });
      expect(fieldsOf(smtpMoved).map((f) => f.path)).to.deep.equal(['channel.smtp_password']);
      const saved = await api.patch(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', account.admin.token)
        .send({ channel: { imap_address: 'localhost', imap_port: catcherPort } });
      expect(fieldsOf(saved).map((f) => f.path)).to.deep.equal(['channel.imap_password']);
      expect(received.join('')).not.to.contain(storedPassword);

      // Typed again, the new host gets what was typed — and only that.
      const typed = await check({ leg: 'imap', inbox_id: inboxId, channel: { imap_address: 'localhost', imap_port: catcherPort, imap_enable_ssl: false, imap_password: 'typed-for-new-host' } });
      expect(typed.status).to.equal(422);
      expect(received.join('')).not.to.contain(storedPassword);
    } finally {
      catcher.close();
      await api.delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', account.admin.token).expect(200);
    }
  });

  it('refuses an address another inbox has (in any case) before connecting or sending anything; the inbox\'s own address passes', async () => {
    const api = await http();
    const address = `taken.${Date.now()}@example.test`;
    const created = await api.post(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', account.admin.token).send({
      name: 'Taken', channel: { type: 'email', imap_enabled: true, ...imap({ email: address }) },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(200);
    const inboxId = created.body.id as number;
    try {
      const sentBefore = (await sentSubjects()).length;
      const refused = await check({ leg: 'round_trip', channel: { ...imap(), ...smtp(), email: ` ${address.toUpperCase()} ` } });
      expect(fieldsOf(refused)).to.deep.equal([{ path: 'channel.email', message: 'is already used by another inbox' }]);
      expect((await sentSubjects()).length, 'no test message sent').to.equal(sentBefore);
      const own = await check({ leg: 'imap', inbox_id: inboxId, channel: { email: address, imap_password: '' } });
      expect(own.status, JSON.stringify(own.body)).to.equal(200);
    } finally {
      await api.delete(`/api/v1/accounts/${account.id}/inboxes/${inboxId}`).set('api_access_token', account.admin.token).expect(200);
    }
  });

  it('is for administrators of the account: an agent gets 403, an administrator of another account 404', async () => {
    const agent = await createAgent(account);
    const asAgent = await check({ leg: 'imap', channel: imap() }, agent.token);
    expect(asAgent.status).to.equal(403);
    const other = await createAccount();
    const outsider = await check({ leg: 'imap', channel: imap() }, other.admin.token);
    expect(outsider.status).to.equal(404);
  });

  it('bad params: 422 naming each field, and the fields a leg needs', async () => {
    const bad = await check({ leg: 'pop3', channel: { imap_port: 70000, email: 'nope' }, timeout_seconds: 60 });
    expect(fieldsOf(bad)).to.deep.equal([
      { path: 'leg', message: 'must be one of imap, smtp, round_trip' },
      { path: 'channel.email', message: 'is not a valid email address' },
      { path: 'channel.imap_port', message: 'must be between 1 and 65535' },
      { path: 'timeout_seconds', message: 'must be between 1 and 20' },
    ]);
    const noChannel = await check({ leg: 'imap' });
    expect(fieldsOf(noChannel)).to.deep.equal([{ path: 'channel', message: 'must be an object' }]);
    const missing = await check({ leg: 'smtp', channel: { smtp_address: sb.world.smtp.host } });
    expect(fieldsOf(missing).map((f) => f.path)).to.deep.equal(['channel.email', 'channel.smtp_port', 'channel.smtp_login', 'channel.smtp_password']);
  });
});
