// The local CA (created once, reused, chain valid for localhost and 127.0.0.1) and the control API:
// /world lists every endpoint and account, /reset restores the seed, /faults injects answers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureCa } from '../../sandbox/src/ca.js';
import { controlFetch, folderSubjects, repoRoot, startTestSandbox, type TestSandbox } from './helpers.js';

describe('sandbox: CA and control API', function () {
  this.timeout(30_000);

  describe('ensureCa', () => {
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadchat-ca-')); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('creates the CA once and reuses it; the server certificate chains to it for localhost and 127.0.0.1', () => {
      const first = ensureCa(dir);
      const pem = fs.readFileSync(first.caCertPath, 'utf8');
      const second = ensureCa(dir);
      expect(fs.readFileSync(second.caCertPath, 'utf8')).to.equal(pem);
      execFileSync('openssl', ['verify', '-CAfile', first.caCertPath, first.serverCertPath], { stdio: 'pipe' });
      const text = execFileSync('openssl', ['x509', '-in', first.serverCertPath, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
      expect(text).to.contain('DNS:localhost').and.contain('IP Address:127.0.0.1');
    });

    it('prints the CA path from its command line entry', () => {
      const out = execFileSync(path.join(repoRoot, 'node_modules', '.bin', 'tsx'), [path.join(repoRoot, 'sandbox', 'src', 'ca.ts'), dir], { encoding: 'utf8' });
      expect(out.trim()).to.equal(path.join(dir, 'ca.pem'));
    });
  });

  describe('control API', () => {
    let sb: TestSandbox;
    before(async () => { sb = await startTestSandbox(); });
    after(async () => { await sb?.close(); });

    it('GET /world returns every endpoint, the CA, apps, users, passwords and API keys', async () => {
      const { status, json } = await controlFetch(sb, 'GET', '/world');
      expect(status).to.equal(200);
      const w = json as typeof sb.world;
      expect(w).to.deep.equal(sb.world);
      expect(w.imap.port).to.be.a('number');
      expect(w.smtp.port).to.be.a('number');
      expect(w.lmtp.port).to.be.a('number');
      expect(w.microsoft.authority).to.match(/^https:\/\/localhost:\d+\/[0-9a-f-]{36}$/);
      expect(w.microsoft.apps[0]).to.have.keys('clientId', 'clientSecret', 'displayName', 'requiredRoles');
      expect(w.microsoft.users.map((u) => u.upn)).to.include.members(['alice@contoso.test', 'bob@contoso.test', 'dana@contoso.test']);
      expect(w.plainMailboxes.find((m) => m.address === 'info@example.test')?.password).to.equal('info-pass');
      expect(w.leadmail.apiKey).to.be.a('string');
      expect(w.google.gmailBaseUrl).to.match(/^https:\/\//);
      expect(fs.existsSync(w.caCertPath)).to.equal(true);
    });

    it('POST /reset restores permissions and mailboxes', async () => {
      await controlFetch(sb, 'POST', '/permissions', { mailbox: 'support@contoso.test', user: 'alice@contoso.test', right: 'FullAccess', grant: false });
      await controlFetch(sb, 'POST', '/mail/deliver', { to: 'info@example.test', subject: 'Before reset' });
      expect(await folderSubjects(sb, { user: 'info@example.test', pass: 'info-pass' }, 'INBOX')).to.include('Before reset');
      expect((await controlFetch(sb, 'POST', '/reset')).status).to.equal(200);
      expect(sb.control.worldInfo().microsoft.sharedMailboxes[0]?.fullAccess).to.include('alice@contoso.test');
      const subjects = await folderSubjects(sb, { user: 'info@example.test', pass: 'info-pass' }, 'INBOX');
      expect(subjects).to.deep.equal(['Hello info']);
    });

    it('POST /faults answers matching requests with the given status and headers, count times', async () => {
      await controlFetch(sb, 'POST', '/faults', { path: '/v1.0/me', status: 503, headers: { 'Retry-After': '7' }, count: 1 });
      const token = await sb.control.issueToken({ user: 'alice@contoso.test', scopes: ['User.Read'] });
      const url = `${sb.world.microsoft.graphBaseUrl}/v1.0/me`;
      const first = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(first.status).to.equal(503);
      expect(first.headers.get('retry-after')).to.equal('7');
      expect(((await first.json()) as { error: { code: string } }).error.code).to.equal('ServiceNotAvailable');
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).to.equal(200);
    });

    it('rejects malformed control requests with 400', async () => {
      expect((await controlFetch(sb, 'POST', '/faults', { status: 500 })).status).to.equal(400);
    });
  });
});
