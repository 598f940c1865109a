// SMTP submission as smtp.office365.com behaves: nodemailer OAuth2 (XOAUTH2) with the delegate as SASL
// user, Send As enforced on From, delivery into Dovecot and Sent Items copies per MessageCopyForSentAsEnabled.
import { expect } from 'chai';
import nodemailer from 'nodemailer';
import { controlFetch, eventually, folderSubjects, startTestSandbox, type TestSandbox } from './helpers.js';

describe('sandbox: SMTP submission', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });

  const smtpToken = (user: string) => sb.control.issueToken({ user, scopes: ['SMTP.Send'] });
  const transport = (auth: Record<string, string>, extra: Record<string, unknown> = {}) => nodemailer.createTransport({
    host: sb.world.smtp.host, port: sb.world.smtp.port, secure: false, requireTLS: true, tls: { servername: 'localhost' },
    auth: auth as never, ...extra,
  });
  const jane = { user: 'jane@example.test', pass: 'jane-pass' };

  it('sends as the shared mailbox with a Send As delegate token, delivers and keeps both Sent Items copies', async () => {
    const t = transport({ type: 'OAuth2', user: 'alice@contoso.test', accessToken: await smtpToken('alice@contoso.test') });
    const info = await t.sendMail({
      from: 'Contoso Support <support@contoso.test>', to: 'jane@example.test', subject: 'Your order shipped',
      text: 'It is on its way.', inReplyTo: '<order-1@example.test>', references: ['<order-1@example.test>'],
    });
    t.close();
    expect(info.accepted).to.deep.equal(['jane@example.test']);
    await eventually(async () => (await folderSubjects(sb, jane, 'INBOX')).includes('Your order shipped'));
    const delegate = { user: 'support@contoso.test', accessToken: await sb.control.issueToken({ user: 'alice@contoso.test', scopes: ['IMAP.AccessAsUser.All'] }) };
    expect(await folderSubjects(sb, delegate, 'Sent Items')).to.include('Your order shipped');
    const own = { user: 'alice@contoso.test', accessToken: delegate.accessToken };
    expect(await folderSubjects(sb, own, 'Sent Items')).to.include('Your order shipped');
    const sent = (await controlFetch(sb, 'GET', '/sent')).json as { via: string; from: string; submittedBy: string; inReplyTo: string; deliveredTo: string[] }[];
    const record = sent.find((s) => s.via === 'smtp');
    expect(record).to.include({ from: 'support@contoso.test', submittedBy: 'alice@contoso.test', inReplyTo: '<order-1@example.test>' });
    expect(record?.deliveredTo).to.deep.equal(['jane@example.test']);
  });

  it('refuses From the shared mailbox without Send As (5.7.60 SendAsDenied), as Exchange does', async () => {
    const t = transport({ type: 'OAuth2', user: 'dana@contoso.test', accessToken: await smtpToken('dana@contoso.test') });
    const err = await t.sendMail({ from: 'support@contoso.test', to: 'jane@example.test', subject: 'not allowed', text: 'x' }).then(() => null, (e: Error & { responseCode?: number; response?: string }) => e);
    t.close();
    expect(err?.responseCode).to.equal(550);
    expect(err?.response).to.match(/5\.7\.60 .*SendAsDenied/);
  });

  it('keeps no shared Sent Items copy when MessageCopyForSentAsEnabled is off', async () => {
    const t = transport({ type: 'OAuth2', user: 'bob@contoso.test', accessToken: await smtpToken('bob@contoso.test') });
    await t.sendMail({ from: 'sales@contoso.test', to: 'jane@example.test', subject: 'Quote attached', text: 'See attached.' });
    t.close();
    const bobImap = await sb.control.issueToken({ user: 'bob@contoso.test', scopes: ['IMAP.AccessAsUser.All'] });
    expect(await folderSubjects(sb, { user: 'sales@contoso.test', accessToken: bobImap }, 'Sent Items')).to.not.include('Quote attached');
    expect(await folderSubjects(sb, { user: 'bob@contoso.test', accessToken: bobImap }, 'Sent Items')).to.include('Quote attached');
  });

  it('refuses a token whose user is not the SASL user, and a token without SMTP.Send', async () => {
    for (const [user, accessToken] of [
      ['alice@contoso.test', await smtpToken('bob@contoso.test')],
      ['alice@contoso.test', await sb.control.issueToken({ user: 'alice@contoso.test', scopes: ['IMAP.AccessAsUser.All'] })],
    ] as const) {
      const t = transport({ type: 'OAuth2', user, accessToken });
      const err = await t.verify().then(() => null, (e: Error & { responseCode?: number }) => e);
      t.close();
      expect(err?.responseCode).to.equal(535);
    }
  });

  it('refuses every sign-in, OAuth included, while SMTP AUTH is off for the tenant (5.7.139)', async () => {
    await controlFetch(sb, 'POST', '/exchange/smtp-auth', { disabled: true });
    try {
      const t = transport({ type: 'OAuth2', user: 'alice@contoso.test', accessToken: await smtpToken('alice@contoso.test') });
      const err = await t.verify().then(() => null, (e: Error & { responseCode?: number; response?: string }) => e);
      t.close();
      expect(err?.responseCode).to.equal(535);
      expect(err?.response).to.match(/5\.7\.139 .*SmtpClientAuthentication is disabled for the Tenant/);
    } finally {
      await controlFetch(sb, 'POST', '/exchange/smtp-auth', { disabled: false });
    }
    const t = transport({ type: 'OAuth2', user: 'alice@contoso.test', accessToken: await smtpToken('alice@contoso.test') });
    await t.verify();
    t.close();
  });

  it('refuses AUTH before STARTTLS', async () => {
    const t = transport({ type: 'OAuth2', user: 'alice@contoso.test', accessToken: await smtpToken('alice@contoso.test') }, { requireTLS: false, ignoreTLS: true });
    const err = await t.verify().then(() => null, (e: Error) => e);
    t.close();
    expect(err, 'plaintext AUTH must be refused').to.not.equal(null);
  });

  it('takes a password for a plain mailbox and lets it send only as itself', async () => {
    const t = transport({ user: 'info@example.test', pass: 'info-pass' });
    await t.sendMail({ from: 'info@example.test', to: 'jane@example.test', subject: 'Hello from info', text: 'hi' });
    const err = await t.sendMail({ from: 'support@contoso.test', to: 'jane@example.test', subject: 'spoof', text: 'x' }).then(() => null, (e: Error & { responseCode?: number }) => e);
    t.close();
    expect(err?.responseCode).to.equal(550);
    await eventually(async () => (await folderSubjects(sb, jane, 'INBOX')).includes('Hello from info'));
  });
});
