import { expect } from 'chai';
import { classifyImapError } from '../../../server/src/channels/email/receive/imap-error-classifier.js';
import { MailboxError } from '../../../server/src/lib/errors.js';

const err = (props: Record<string, unknown>, message = 'Command failed') => Object.assign(new Error(message), props);

describe('classifyImapError', () => {
  it('reads refused credentials as reauth', () => {
    expect(classifyImapError(err({ authenticationFailed: true }))).to.equal('reauth');
    expect(classifyImapError(err({ serverResponseCode: 'AUTHENTICATIONFAILED' }))).to.equal('reauth');
    expect(classifyImapError(err({ responseText: 'NO [AUTHENTICATIONFAILED] Authentication failed.' }))).to.equal('reauth');
    expect(classifyImapError(err({ serverResponseCode: 'AUTHORIZATIONFAILED' }))).to.equal('reauth');
    expect(classifyImapError(new MailboxError('refresh token revoked', 'reauth'))).to.equal('reauth');
  });

  it('reads network, TLS and timeouts as transient', () => {
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'ENOTFOUND', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'NoConnection', 'EConnectionClosed', 'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']) {
      expect(classifyImapError(err({ code })), code).to.equal('transient');
    }
    expect(classifyImapError(err({ serverResponseCode: 'UNAVAILABLE' }))).to.equal('transient');
    expect(classifyImapError(err({}, 'something odd')), 'unknown errors retry').to.equal('transient');
    expect(classifyImapError(err({ cause: err({ authenticationFailed: true }) }))).to.equal('reauth');
  });

  it('reads refusals retrying cannot fix as permanent', () => {
    expect(classifyImapError(err({ serverResponseCode: 'NONEXISTENT' }))).to.equal('permanent');
    expect(classifyImapError(err({ serverResponseCode: 'NOPERM' }))).to.equal('permanent');
    expect(classifyImapError(new MailboxError('mailbox gone', 'permanent'))).to.equal('permanent');
  });
});
