import { expect } from 'chai';
import { classifySmtpError } from '../../../server/src/channels/email/send/smtp.delivery.js';
import { classifyLeadmailResponse, retryAfterMs } from '../../../server/src/channels/email/send/leadmail.client.js';

const smtpError = (props: { code?: string; responseCode?: number; response?: string; message?: string }) =>
  Object.assign(new Error(props.message ?? props.response ?? 'smtp failure'), props);

describe('email send: failure classifiers', () => {
  describe('SMTP', () => {
    const cases: [string, Parameters<typeof smtpError>[0], 'transient' | 'permanent' | 'reauth'][] = [
      ['535 credentials refused', { code: 'EAUTH', responseCode: 535, response: '535 5.7.3 Authentication unsuccessful' }, 'reauth'],
      ['534 web login required', { code: 'EAUTH', responseCode: 534, response: '534 5.7.9 Application-specific password required' }, 'reauth'],
      ['auth failure without a reply code', { code: 'EAUTH', message: 'Invalid login' }, 'reauth'],
      ['550 Send As refused', { code: 'EMESSAGE', responseCode: 550, response: '550 5.7.60 SMTP; Client does not have permissions to send as this sender' }, 'permanent'],
      ['552 message too large', { code: 'EMESSAGE', responseCode: 552, response: '552 5.3.4 Message size exceeds fixed limit' }, 'permanent'],
      ['421 service not available', { code: 'ECONNECTION', responseCode: 421, response: '421 4.3.2 Service not available' }, 'transient'],
      ['451 local error', { code: 'EMESSAGE', responseCode: 451, response: '451 4.4.0 Temporary server error' }, 'transient'],
      ['454 temporary auth failure', { code: 'EAUTH', responseCode: 454, response: '454 4.7.0 Temporary authentication failure' }, 'transient'],
      ['connection refused', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'transient'],
      ['timeout', { code: 'ETIMEDOUT', message: 'Connection timeout' }, 'transient'],
      ['untrusted certificate', { code: 'ESOCKET', message: 'self-signed certificate in certificate chain' }, 'permanent'],
      ['TLS refused', { code: 'ETLS', message: 'Error initiating TLS' }, 'permanent'],
    ];
    for (const [name, err, kind] of cases) {
      it(`${name} -> ${kind}`, () => {
        const classified = classifySmtpError(smtpError(err));
        expect(classified.kind).to.equal(kind);
        expect(classified.message).to.equal((err.response ?? err.message ?? '').trim());
      });
    }
  });

  describe('LeadMail', () => {
    it('maps 401 to reauth, 429 and 5xx to transient with Retry-After, other 4xx to permanent with the field errors', () => {
      expect(classifyLeadmailResponse(401, { error: { message: 'Missing or invalid API key.' } }, null)).to.include({ kind: 'reauth', message: 'LeadMail 401: Missing or invalid API key.' });
      expect(classifyLeadmailResponse(429, {}, '7')).to.include({ kind: 'transient', retryAfterMs: 7000 });
      expect(classifyLeadmailResponse(503, null, null)).to.include({ kind: 'transient', retryAfterMs: undefined, message: 'LeadMail 503: HTTP 503' });
      const invalid = classifyLeadmailResponse(422, { error: { message: 'The request is invalid.', fields: [{ path: 'from', message: 'domain x.test is not verified' }] } }, null);
      expect(invalid).to.include({ kind: 'permanent', message: 'LeadMail 422: The request is invalid.; from domain x.test is not verified' });
      expect(classifyLeadmailResponse(400, { errors: ['to is required'] }, null)).to.include({ kind: 'permanent', message: 'LeadMail 400: HTTP 400; to is required' });
    });

    it('reads Retry-After as seconds or as an HTTP date', () => {
      const now = Date.parse('2026-11-21T10:00:00Z');
      expect(retryAfterMs('120', now)).to.equal(120_000);
      expect(retryAfterMs('Sat, 21 Nov 2026 10:00:30 GMT', now)).to.equal(30_000);
      expect(retryAfterMs('soon', now)).to.equal(undefined);
      expect(retryAfterMs(null, now)).to.equal(undefined);
    });
  });
});
