// Which field a failed check names, for failures the sandbox cannot produce quickly: no greeting on a
// TLS port (a 10 s wait), untrusted or misnamed certificates (the test process trusts the sandbox's CA),
// a server without STARTTLS. The error shapes were recorded from imapflow 2.1 and nodemailer 10 against
// Dovecot and smtp-server.
import { expect } from 'chai';
import { describeConnectionFailure } from '../../../server/src/channels/email/checks/connection-failure.js';
import { imapProblem } from '../../../server/src/channels/email/checks/imap.check.js';
import { smtpProblem } from '../../../server/src/channels/email/checks/smtp.check.js';
import type { SmtpFailure } from '../../../server/src/channels/email/send/smtp.delivery.js';

const err = (props: Record<string, unknown>, message = 'Command failed') => Object.assign(new Error(message), props) as SmtpFailure;
const imapAt = (port: number, secure: boolean) => ({ host: 'imap.example.test', port, secure, auth: { user: 'info@example.test', pass: 'x' } });
const smtpAt = (port: number, secure: boolean) => ({ host: 'smtp.example.test', port, secure, auth: { user: 'info@example.test', pass: 'x' } });

describe('email checks: the field a failure names', () => {
  it('IMAP: certificates, a TLS port without TLS, no STARTTLS, timeouts, and a mailbox that cannot be opened', () => {
    expect(imapProblem(err({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', tlsFailed: true }, 'unable to verify the first certificate'), imapAt(143, false), 'connect')).to.deep.equal({
      path: 'channel.imap_enable_ssl',
      message: 'The certificate of imap.example.test:143 is not trusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE — use the host name your provider publishes for IMAP, whose certificate is publicly trusted',
    });
    expect(imapProblem(err({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: "Host: imap.example.test. is not in the cert's altnames: DNS:mail.other.test" }), imapAt(993, true), 'connect')).to.deep.equal({
      path: 'channel.imap_address',
      message: "The certificate of imap.example.test:993 is not valid for imap.example.test — use the host name it was issued for (Host: imap.example.test. is not in the cert's altnames: DNS:mail.other.test)",
    });
    expect(imapProblem(err({ code: 'GREETING_TIMEOUT' }, 'Failed to receive greeting from server in required time. Maybe should use TLS?'), imapAt(993, false), 'connect')).to.deep.equal({
      path: 'channel.imap_enable_ssl',
      message: 'Connected to imap.example.test:993, but the server sent no greeting — the port probably expects TLS from the first byte: turn SSL/TLS on (usually port 993)',
    });
    expect(imapProblem(err({ code: 'CONNECT_TIMEOUT' }), imapAt(993, true), 'connect').path).to.equal('channel.imap_address');
    expect(imapProblem(err({ tlsFailed: true }, 'Server does not support STARTTLS'), imapAt(143, false), 'connect')).to.deep.equal({
      path: 'channel.imap_enable_ssl',
      message: 'imap.example.test:143 does not offer STARTTLS, and LeadChat never logs in unencrypted — turn SSL/TLS on (usually port 993)',
    });
    expect(imapProblem(err({ serverResponseCode: 'NONEXISTENT', responseText: "Mailbox doesn't exist: INBOX" }), imapAt(993, true), 'session')).to.deep.equal({
      path: 'channel.imap_login',
      message: "Logged in, but INBOX could not be used: [NONEXISTENT] Mailbox doesn't exist: INBOX",
    });
  });

  it('SMTP: certificates, a TLS port without TLS, STARTTLS refused or demanded, login methods, and a refused test message', () => {
    expect(smtpProblem(err({ code: 'ESOCKET', originalCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', command: 'CONN' }, 'unable to verify the first certificate'), smtpAt(587, false), 'verify').path)
      .to.equal('channel.smtp_openssl_verify_mode');
    expect(smtpProblem(err({ code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT', command: 'CONN' }, 'Greeting never received'), smtpAt(465, false), 'verify')).to.deep.equal({
      path: 'channel.smtp_enable_ssl_tls',
      message: 'Connected to smtp.example.test:465, but the server sent no greeting — the port probably expects TLS from the first byte: turn SSL/TLS on (usually port 465)',
    });
    expect(smtpProblem(err({ code: 'ETLS', response: '454 4.7.0 TLS not available', responseCode: 454, command: 'STARTTLS' }, 'Error upgrading connection with STARTTLS'), smtpAt(587, false), 'verify')).to.deep.equal({
      path: 'channel.smtp_enable_starttls_auto',
      message: 'STARTTLS failed on smtp.example.test:587: 454 4.7.0 TLS not available — if the server offers TLS on another port (usually 465), use that with SSL/TLS on',
    });
    expect(smtpProblem(err({ code: 'EAUTH', responseCode: 538, response: '538 Error: Must issue a STARTTLS command first' }), smtpAt(587, false), 'verify').path).to.equal('channel.smtp_enable_starttls_auto');
    expect(smtpProblem(err({ code: 'EAUTH', responseCode: 504, response: '504 5.7.4 Unrecognized authentication type' }), smtpAt(587, false), 'verify')).to.deep.equal({
      path: 'channel.smtp_authentication',
      message: 'The server refused the login method: 504 5.7.4 Unrecognized authentication type',
    });
    expect(smtpProblem(err({ code: 'EMESSAGE', responseCode: 550, response: '550 5.7.60 SMTP; Client does not have permissions to send as this sender' }), smtpAt(587, false), 'send')).to.deep.equal({
      path: 'channel.email',
      message: 'The SMTP server refused the test message: 550 5.7.60 SMTP; Client does not have permissions to send as this sender',
    });
  });

  it('names the server setting to change when the endpoint comes from the configuration', () => {
    const at = { host: 'outlook.example.test', port: 1993, secure: false, tlsPort: 993, settings: { host: 'X_IMAP_HOST', port: 'X_IMAP_PORT', tls: 'X_IMAP_TLS' } };
    expect(describeConnectionFailure(err({ code: 'GREETING_TIMEOUT' }), at)).to.deep.equal({
      fault: 'tls',
      message: 'Connected to outlook.example.test:1993, but the server sent no greeting — the port probably expects TLS from the first byte: set X_IMAP_TLS=implicit (or point X_IMAP_PORT at the STARTTLS port)',
    });
    expect(describeConnectionFailure(err({ code: 'ERR_SSL_WRONG_VERSION_NUMBER', reason: 'wrong version number' }), { ...at, secure: true })?.message)
      .to.equal('Could not start TLS with outlook.example.test:1993 (wrong version number) — the port does not use TLS from the first byte: set X_IMAP_TLS=starttls (or point X_IMAP_PORT at the implicit-TLS port, usually 993)');
    expect(describeConnectionFailure(err({ code: 'ENOTFOUND' }), at)?.message).to.equal('Could not connect to outlook.example.test:1993: ENOTFOUND — no such host; check X_IMAP_HOST');
    expect(describeConnectionFailure(err({ code: 'CONNECT_TIMEOUT' }), at)?.message).to.equal('Could not connect to outlook.example.test:1993: timed out — check X_IMAP_HOST, X_IMAP_PORT, X_IMAP_TLS and any firewall in between');
  });
});
