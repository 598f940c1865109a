// Dovecot as the sandbox runs it: XOAUTH2 as the shared mailbox with a delegate's token only when the
// delegate has Full Access, password logins only for plain mailboxes, LMTP delivery visible over IMAP.
import { expect } from 'chai';
import { controlFetch, eventually, folderSubjects, imapConnect, startTestSandbox, type TestSandbox } from './helpers.js';

const IMAP_SCOPE = ['IMAP.AccessAsUser.All'];

describe('sandbox: Dovecot IMAP', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });

  const token = (user: string, extra: { scopes?: string[]; lifetimeSeconds?: number; resource?: string } = {}) =>
    sb.control.issueToken({ user, scopes: extra.scopes ?? IMAP_SCOPE, lifetimeSeconds: extra.lifetimeSeconds, resource: extra.resource });

  it('advertises plain login xoauth2 (as Outlook does), never OAUTHBEARER', async () => {
    const client = await imapConnect(sb, { user: 'info@example.test', pass: 'info-pass' });
    try {
      const caps = [...client.capabilities.keys()];
      expect(caps).to.not.include('AUTH=OAUTHBEARER');
      // Capabilities after login no longer list AUTH=; read the greeting's through a raw connection instead.
      const raw = await new Promise<string>((resolve, reject) => {
        import('node:net').then(({ connect }) => {
          const s = connect(sb.world.imap.port, sb.world.imap.host);
          s.once('data', (d) => { resolve(d.toString()); s.destroy(); });
          s.once('error', reject);
        }, reject);
      });
      expect(raw).to.match(/AUTH=PLAIN AUTH=LOGIN AUTH=XOAUTH2\]/);
    } finally {
      await client.logout();
    }
  });

  it("opens support@ with alice's token (Full Access) and sees the seeded mail", async () => {
    const subjects = await folderSubjects(sb, { user: 'support@contoso.test', accessToken: await token('alice@contoso.test') }, 'INBOX');
    expect(subjects).to.include('My order has not arrived');
  });

  it("opens support@ with dana's token too (Full Access without Send As)", async () => {
    const client = await imapConnect(sb, { user: 'support@contoso.test', accessToken: await token('dana@contoso.test') });
    await client.logout();
  });

  it("refuses support@ with bob's token (no Full Access)", async () => {
    const err = await imapConnect(sb, { user: 'support@contoso.test', accessToken: await token('bob@contoso.test') }).then(() => null, (e: Error & { authenticationFailed?: boolean }) => e);
    expect(err, 'login must fail').to.not.equal(null);
    expect(err?.authenticationFailed).to.equal(true);
  });

  it('refuses an expired token', async () => {
    const expired = await token('alice@contoso.test', { lifetimeSeconds: -60 });
    const err = await imapConnect(sb, { user: 'support@contoso.test', accessToken: expired }).then(() => null, (e: Error & { authenticationFailed?: boolean }) => e);
    expect(err?.authenticationFailed).to.equal(true);
  });

  it('refuses a token without the IMAP scope, and a Graph token', async () => {
    const smtpOnly = await token('alice@contoso.test', { scopes: ['SMTP.Send'] });
    const graph = await token('alice@contoso.test', { scopes: ['IMAP.AccessAsUser.All'], resource: 'https://graph.microsoft.com' });
    for (const t of [smtpOnly, graph]) {
      const err = await imapConnect(sb, { user: 'support@contoso.test', accessToken: t }).then(() => null, (e: Error & { authenticationFailed?: boolean }) => e);
      expect(err?.authenticationFailed).to.equal(true);
    }
  });

  it('applies a removed Full Access at the next login (no auth cache)', async () => {
    const dana = await token('dana@contoso.test');
    await controlFetch(sb, 'POST', '/permissions', { mailbox: 'support@contoso.test', user: 'dana@contoso.test', right: 'FullAccess', grant: false });
    try {
      const err = await imapConnect(sb, { user: 'support@contoso.test', accessToken: dana }).then(() => null, (e: Error & { authenticationFailed?: boolean }) => e);
      expect(err?.authenticationFailed).to.equal(true);
    } finally {
      await controlFetch(sb, 'POST', '/permissions', { mailbox: 'support@contoso.test', user: 'dana@contoso.test', right: 'FullAccess', grant: true });
    }
  });

  it('takes a password for a plain mailbox, refuses a wrong one and refuses passwords for tenant mailboxes', async () => {
    const ok = await imapConnect(sb, { user: 'info@example.test', pass: 'info-pass' });
    await ok.logout();
    for (const auth of [{ user: 'info@example.test', pass: 'nope' }, { user: 'alice@contoso.test', pass: 'alice-pass' }]) {
      const err = await imapConnect(sb, auth).then(() => null, (e: Error & { authenticationFailed?: boolean }) => e);
      expect(err?.authenticationFailed, auth.user).to.equal(true);
    }
  });

  it('serves implicit TLS on the IMAPS port with the CA-issued certificate', async () => {
    const client = await imapConnect(sb, { user: 'info@example.test', pass: 'info-pass' }, true);
    expect(client.secureConnection).to.equal(true);
    await client.logout();
  });

  it('delivers control-API mail over LMTP with its threading headers', async () => {
    const res = await controlFetch(sb, 'POST', '/mail/deliver', {
      to: 'support@contoso.test', subject: 'Re: My order has not arrived', text: 'Still waiting',
      inReplyTo: '<order-1@example.test>', references: ['<order-0@example.test>', '<order-1@example.test>'],
    });
    expect(res.status).to.equal(201);
    expect((res.json as { deliveredTo: string[] }).deliveredTo).to.deep.equal(['support@contoso.test']);
    const client = await imapConnect(sb, { user: 'support@contoso.test', accessToken: await token('alice@contoso.test') });
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const found = await eventually(async () => {
          const uids = await client.search({ subject: 'Still waiting' }, { uid: true }) || [];
          const bySubject = await client.search({ header: { 'in-reply-to': '<order-1@example.test>' } }, { uid: true }) || [];
          return bySubject.length ? bySubject : uids.length ? uids : false;
        });
        const msg = await client.fetchOne(String(found[0]), { headers: ['references', 'in-reply-to'] }, { uid: true });
        const headers = msg ? msg.headers?.toString() ?? '' : '';
        expect(headers).to.match(/In-Reply-To: <order-1@example\.test>/i);
        expect(headers).to.match(/References: <order-0@example\.test> <order-1@example\.test>/i);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  });
});
