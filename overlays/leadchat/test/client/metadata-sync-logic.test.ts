// The "Mail & calendar insights" screens' logic (overlays/leadchat/client/metadata-sync/metadata-sync.logic.ts):
// the scope toggles and the bodies they become, the return from a provider's sign-in, source labels,
// status badges, backfill progress, when the page polls, shared-mailbox checks and relative times.
import { expect } from 'chai';
import {
  anyFeature, authorizationBody, circuitProvider, connectReturn, featureKey, featuresBody, featuresNeedingConsent, initialFeatures,
  interactionLabelKey, openCircuits, POLL_GRACE_MS, progressPercent, relativeTime, sharedMailboxProblem, shouldPoll,
  showsProgress, sortSources, sourceLabelKey, statusBadge,
} from '../../client/metadata-sync/metadata-sync.logic.js';

describe('client: metadata sync logic', () => {
  describe('scope toggles', () => {
    it('start with mail and calendar for a first connect, and with the connection\'s own features once connected', () => {
      expect(initialFeatures('microsoft')).to.deep.equal({ mail: true, calendar: true, shared_mail: false, shared_calendar: false });
      expect(initialFeatures('google')).to.deep.equal({ mail: true, calendar: true });
      expect(initialFeatures('microsoft', { shared_mail: true })).to.deep.equal({ mail: false, calendar: false, shared_mail: true, shared_calendar: false });
      // A Microsoft-only flag stored on a Google connection is not a Google toggle.
      expect(initialFeatures('google', { calendar: true, shared_mail: true })).to.deep.equal({ mail: false, calendar: true });
    });

    it('become a body naming every toggle of the provider as a boolean, and nothing else', () => {
      expect(featuresBody('microsoft', { mail: true })).to.deep.equal({ mail: true, calendar: false, shared_mail: false, shared_calendar: false });
      expect(featuresBody('google', { mail: true, calendar: true, shared_mail: true })).to.deep.equal({ mail: true, calendar: true });
      expect(anyFeature('google', { mail: false, calendar: false, shared_mail: true })).to.equal(false);
      expect(anyFeature('microsoft', { shared_calendar: true })).to.equal(true);
    });

    it('send the work email as login_hint only when typed, trimmed and lower-cased', () => {
      expect(authorizationBody('microsoft', { mail: true, calendar: true }, '  Alice@Contoso.TEST ')).to.deep.equal({
        features: { mail: true, calendar: true, shared_mail: false, shared_calendar: false },
        login_hint: 'alice@contoso.test',
      });
      expect(authorizationBody('google', { calendar: true }, '   ')).to.deep.equal({ features: { mail: false, calendar: true } });
      expect(authorizationBody('google', { mail: true })).to.not.have.property('login_hint');
    });

    it('name Google\'s mail "Gmail" and list the switched-on features whose permission is missing', () => {
      expect(featureKey('google', 'mail')).to.equal('GMAIL');
      expect(featureKey('microsoft', 'mail')).to.equal('MAIL');
      expect(featureKey('microsoft', 'shared_calendar')).to.equal('SHARED_CALENDAR');
      const scopes = { mail: 'Mail.ReadBasic', calendar: 'Calendars.ReadBasic', shared_mail: 'Mail.Read.Shared', shared_calendar: 'Calendars.Read.Shared' };
      // Graph compares permission names case-insensitively.
      expect(featuresNeedingConsent('microsoft', scopes, ['mail.read.shared', 'Calendars.ReadBasic'])).to.deep.equal(['calendar', 'shared_mail']);
      expect(featuresNeedingConsent('microsoft', scopes, [])).to.deep.equal([]);
      expect(featuresNeedingConsent('google', { mail: 'https://www.googleapis.com/auth/gmail.metadata' }, ['https://www.googleapis.com/auth/gmail.metadata'])).to.deep.equal(['mail']);
    });
  });

  describe('the return from the provider\'s sign-in', () => {
    it('reads ?connected= and ignores an unknown provider', () => {
      expect(connectReturn({ connected: 'microsoft' })).to.deep.equal({ kind: 'connected', provider: 'microsoft' });
      expect(connectReturn({ connected: 'yahoo' })).to.deep.equal({ kind: 'none' });
      expect(connectReturn({})).to.deep.equal({ kind: 'none' });
    });

    it('reads ?provider=&error= as a code only: neither text nor a link from the URL is kept', () => {
      const url = 'https://evil.test/adminconsent?client_id=abc';
      expect(connectReturn({ provider: 'microsoft', error: 'admin_approval_required', message: 'Call +1 555 0100 to unlock your account', admin_consent_url: url })).to.deep.equal({
        kind: 'error', provider: 'microsoft', code: 'admin_approval_required',
      });
      expect(connectReturn({ error: 'access_denied' })).to.deep.equal({ kind: 'error', provider: null, code: 'access_denied' });
      expect(connectReturn({ error: 'Your account is locked, call us' })).to.include({ code: 'unknown' });
      // Vue Router gives repeated parameters as arrays: the first counts.
      expect(connectReturn({ provider: ['google', 'x'], error: ['denied'] })).to.include({ provider: 'google', code: 'denied' });
    });
  });

  describe('sources', () => {
    it('label each source, and leave an unknown one to show its raw name', () => {
      expect(['mail:inbox', 'mail:sentitems', 'calendar', 'gmail', 'google_calendar'].map(sourceLabelKey)).to.deep.equal([
        'METADATA_SYNC.SOURCE.INBOX', 'METADATA_SYNC.SOURCE.SENT', 'METADATA_SYNC.SOURCE.CALENDAR', 'METADATA_SYNC.SOURCE.GMAIL', 'METADATA_SYNC.SOURCE.GOOGLE_CALENDAR',
      ]);
      expect(sourceLabelKey('contacts')).to.equal(null);
      expect(sourceLabelKey('toString')).to.equal(null);
    });

    it('list the own mailbox first (Inbox, Sent, Calendar), then shared mailboxes by address', () => {
      const row = (mailbox: string, source: string, shared = false) => ({ mailbox, source, shared });
      expect(sortSources([
        row('support@contoso.test', 'mail:sentitems', true), row('alice@contoso.test', 'calendar'), row('sales@contoso.test', 'mail:inbox', true),
        row('alice@contoso.test', 'mail:sentitems'), row('support@contoso.test', 'mail:inbox', true), row('alice@contoso.test', 'mail:inbox'),
      ]).map((r) => `${r.mailbox} ${r.source}`)).to.deep.equal([
        'alice@contoso.test mail:inbox', 'alice@contoso.test mail:sentitems', 'alice@contoso.test calendar',
        'sales@contoso.test mail:inbox', 'support@contoso.test mail:inbox', 'support@contoso.test mail:sentitems',
      ]);
    });

    it('map each status to a badge; idle counts as synced only once a round completed', () => {
      const at = '2026-11-20T10:00:00Z';
      expect(statusBadge('pending', null)).to.deep.equal({ key: 'METADATA_SYNC.STATUS.PENDING', tone: '' });
      expect(statusBadge('running', null)).to.deep.equal({ key: 'METADATA_SYNC.STATUS.RUNNING', tone: 'primary' });
      expect(statusBadge('idle', at)).to.deep.equal({ key: 'METADATA_SYNC.STATUS.SYNCED', tone: 'ok' });
      expect(statusBadge('idle', null)).to.deep.equal({ key: 'METADATA_SYNC.STATUS.PENDING', tone: '' });
      expect(statusBadge('throttled', at)).to.deep.equal({ key: 'METADATA_SYNC.STATUS.THROTTLED', tone: 'warn' });
      expect(statusBadge('error', at)).to.deep.equal({ key: 'METADATA_SYNC.STATUS.ERROR', tone: 'danger' });
    });

    it('show backfill progress in whole percent, bounded, and indeterminate without a total', () => {
      expect(progressPercent({ processed: 0, total: 40 })).to.equal(0);
      expect(progressPercent({ processed: 13, total: 40 })).to.equal(32);
      expect(progressPercent({ processed: 39_999, total: 40_000 })).to.equal(99);
      expect(progressPercent({ processed: 50, total: 40 })).to.equal(100);
      expect(progressPercent({ processed: 12 })).to.equal(null);
      expect(progressPercent({ processed: 0, total: 0 })).to.equal(null);
      expect(progressPercent(undefined)).to.equal(null);
    });

    it('show the progress bar only while the backfill is pending or running', () => {
      expect(showsProgress({ status: 'running', backfill_completed_at: null })).to.equal(true);
      expect(showsProgress({ status: 'pending', backfill_completed_at: null })).to.equal(true);
      expect(showsProgress({ status: 'running', backfill_completed_at: '2026-11-20T10:00:00Z' })).to.equal(false);
      expect(showsProgress({ status: 'error', backfill_completed_at: null })).to.equal(false);
    });
  });

  it('polls while a source is pending or running, or within the grace period after an action, and stops when all are idle', () => {
    const now = 1_000_000;
    expect(shouldPoll([{ status: 'idle' }, { status: 'running' }], now, 0)).to.equal(true);
    expect(shouldPoll([{ status: 'pending' }], now, 0)).to.equal(true);
    expect(shouldPoll([{ status: 'idle' }, { status: 'error' }, { status: 'throttled' }], now, 0)).to.equal(false);
    // Right after connecting, the jobs have not written a status yet.
    expect(shouldPoll([], now, now + POLL_GRACE_MS)).to.equal(true);
    expect(shouldPoll([], now + POLL_GRACE_MS, now + POLL_GRACE_MS)).to.equal(false);
  });

  it('shows a provider\'s circuits that are not closed', () => {
    const circuits = [
      { name: 'ms_graph_mail', state: 'open' }, { name: 'ms_graph_calendar', state: 'closed' },
      { name: 'google_gmail_metadata', state: 'half_open' }, { name: 'google_calendar', state: 'closed' }, { name: 'other', state: 'open' },
    ];
    expect(openCircuits('microsoft', circuits).map((c) => c.name)).to.deep.equal(['ms_graph_mail']);
    expect(openCircuits('google', circuits).map((c) => c.name)).to.deep.equal(['google_gmail_metadata']);
    expect(circuitProvider('other')).to.equal(null);
  });

  it('checks a shared mailbox address before sending it', () => {
    const listed = [{ email: 'Sales@contoso.test' }];
    expect(sharedMailboxProblem('  ', 'alice@contoso.test', listed)).to.equal('EMAIL_REQUIRED');
    expect(sharedMailboxProblem('support@contoso', 'alice@contoso.test', listed)).to.equal('EMAIL_INVALID');
    expect(sharedMailboxProblem('Alice@Contoso.test', 'alice@contoso.test', listed)).to.equal('OWN_MAILBOX');
    expect(sharedMailboxProblem('sales@contoso.test ', 'alice@contoso.test', listed)).to.equal('DUPLICATE');
    expect(sharedMailboxProblem('support@contoso.test', 'alice@contoso.test', listed)).to.equal(null);
  });

  it('labels interactions by kind and direction', () => {
    expect(interactionLabelKey('meeting', 'outbound')).to.equal('METADATA_SYNC.INTERACTIONS.MEETING');
    expect(interactionLabelKey('email', 'outbound')).to.equal('METADATA_SYNC.INTERACTIONS.EMAIL_OUTBOUND');
    expect(interactionLabelKey('email', 'inbound')).to.equal('METADATA_SYNC.INTERACTIONS.EMAIL_INBOUND');
  });

  it('writes times relative to now in the largest whole unit', () => {
    const now = Date.parse('2026-11-20T12:00:00Z');
    expect(relativeTime('2026-11-20T11:59:40Z', now, 'en')).to.equal('now');
    expect(relativeTime('2026-11-20T11:55:00Z', now, 'en')).to.equal('5 minutes ago');
    expect(relativeTime('2026-11-20T09:00:00Z', now, 'en')).to.equal('3 hours ago');
    expect(relativeTime('2026-11-19T12:00:00Z', now, 'en')).to.equal('yesterday');
    expect(relativeTime('2026-11-16T12:00:00Z', now, 'en')).to.equal('4 days ago');
    expect(relativeTime('2026-10-01T12:00:00Z', now, 'en')).to.equal('last month');
    expect(relativeTime('2026-11-20T14:00:00Z', now, 'en')).to.equal('in 2 hours');
  });
});
