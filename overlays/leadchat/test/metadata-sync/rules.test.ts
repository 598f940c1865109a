// The interaction rules are pure functions shared by every provider: these tests call them directly.
import { expect } from 'chai';
import { emailEvents, isNewsletter, meetingEvents } from '../../server/metadata-sync/sync/rules.js';
import type { EmailMetadata, MeetingMetadata, RuleContext } from '../../server/metadata-sync/sync/types.js';

const ctx: RuleContext = {
  mailbox: 'alice@contoso.test',
  teamEmails: new Set(['dana@contoso.test', 'support@contoso.test']),
  backfillFrom: new Date('2024-01-01T00:00:00Z'),
};

const mail = (over: Partial<EmailMetadata> = {}): EmailMetadata => ({
  itemId: 'AAMk-1',
  internetMessageId: '<m1@example.test>',
  from: { address: 'jane@example.test', name: 'Jane Customer' },
  to: [{ address: 'alice@contoso.test', name: 'Alice' }],
  cc: [],
  bcc: [],
  subject: 'Hello',
  sentAt: new Date('2025-03-01T10:00:00Z'),
  receivedAt: new Date('2025-03-01T10:00:05Z'),
  headers: {},
  folder: 'inbox',
  ...over,
});

const meeting = (over: Partial<MeetingMetadata> = {}): MeetingMetadata => ({
  itemId: 'evt-1',
  iCalUid: 'ical-1',
  subject: 'Review',
  start: new Date('2025-04-01T15:00:00Z'),
  organizer: { address: 'alice@contoso.test', name: 'Alice' },
  attendees: [],
  cancelled: false,
  ...over,
});

const addresses = (n: number) => Array.from({ length: n }, (_, i) => ({ address: `p${i}@example.test`, name: null }));

describe('metadata sync rules', () => {
  describe('isNewsletter', () => {
    it('flags List-Unsubscribe, Precedence bulk/list/junk and more than 20 recipients, nothing else', () => {
      expect(isNewsletter(mail({ headers: { 'list-unsubscribe': '<mailto:u@list.test>' } }))).to.equal(true);
      for (const p of ['bulk', 'List', ' junk ']) expect(isNewsletter(mail({ headers: { precedence: p } })), p).to.equal(true);
      expect(isNewsletter(mail({ headers: { precedence: 'first-class' } }))).to.equal(false);
      expect(isNewsletter(mail({ to: addresses(10), cc: addresses(10), bcc: addresses(1) }))).to.equal(true);
      expect(isNewsletter(mail({ to: addresses(10), cc: addresses(10) }))).to.equal(false);
      expect(isNewsletter(mail())).to.equal(false);
    });
  });

  describe('emailEvents', () => {
    it('an inbound message counts its sender only, at its receive time, keyed by the bare Message-ID', () => {
      const drafts = emailEvents(mail({ cc: [{ address: 'bob@example.test' }] }), ctx);
      expect(drafts).to.have.length(1);
      expect(drafts[0]).to.deep.include({
        kind: 'email', direction: 'inbound', remote_id: 'm1@example.test', item_id: 'AAMk-1', counterpart_email: 'jane@example.test',
        counterpart_name: 'Jane Customer', subject: 'Hello', newsletter: false,
      });
      expect(drafts[0]!.occurred_at.toISOString()).to.equal('2025-03-01T10:00:05.000Z');
    });

    it('an outbound message counts To, Cc and Bcc at its send time; Bcc never counts on inbound mail', () => {
      const sent = mail({
        from: { address: 'Alice@Contoso.test' }, folder: 'sent',
        to: [{ address: 'jane@example.test' }], cc: [{ address: 'bob@example.test' }], bcc: [{ address: 'carol@example.test' }],
      });
      const drafts = emailEvents(sent, ctx);
      expect(drafts.map((d) => [d.direction, d.counterpart_email])).to.deep.equal([
        ['outbound', 'jane@example.test'], ['outbound', 'bob@example.test'], ['outbound', 'carol@example.test'],
      ]);
      expect(drafts[0]!.occurred_at.toISOString()).to.equal('2025-03-01T10:00:00.000Z');
      const inbound = emailEvents(mail({ bcc: [{ address: 'carol@example.test' }] }), ctx);
      expect(inbound.map((d) => d.counterpart_email)).to.deep.equal(['jane@example.test']);
    });

    it('mail listed from the sent folder is outbound even without a From (a partial item)', () => {
      const drafts = emailEvents(mail({ from: null, folder: 'sent', to: [{ address: 'jane@example.test' }] }), ctx);
      expect(drafts.map((d) => d.direction)).to.deep.equal(['outbound']);
    });

    it('skips team members, inbox addresses and the mailbox itself, and counts an address once', () => {
      const drafts = emailEvents(mail({
        from: { address: 'alice@contoso.test' },
        to: [{ address: 'dana@contoso.test' }, { address: 'support@contoso.test' }, { address: 'JANE@example.test', name: 'Jane' }],
        cc: [{ address: 'jane@example.test' }, { address: 'alice@contoso.test' }],
      }), ctx);
      expect(drafts.map((d) => d.counterpart_email)).to.deep.equal(['jane@example.test']);
      expect(drafts[0]!.counterpart_name).to.equal('Jane');
      expect(emailEvents(mail({ from: { address: 'dana@contoso.test' } }), ctx)).to.deep.equal([]);
    });

    it('keeps newsletters, flagged', () => {
      const drafts = emailEvents(mail({ headers: { precedence: 'bulk' } }), ctx);
      expect(drafts).to.have.length(1);
      expect(drafts[0]!.newsletter).to.equal(true);
    });

    it('falls back to the other time, keys by item id without a Message-ID, and drops what is older than the window or undated', () => {
      const fallback = emailEvents(mail({ receivedAt: null, internetMessageId: null }), ctx);
      expect(fallback[0]!.occurred_at.toISOString()).to.equal('2025-03-01T10:00:00.000Z');
      expect(fallback[0]!.remote_id).to.equal('item:AAMk-1');
      expect(emailEvents(mail({ sentAt: new Date('2023-12-31T23:59:59Z'), receivedAt: new Date('2023-12-31T23:59:59Z') }), ctx)).to.deep.equal([]);
      expect(emailEvents(mail({ sentAt: null, receivedAt: null }), ctx)).to.deep.equal([]);
    });
  });

  describe('meetingEvents', () => {
    it('counts the organizer and attendees who did not decline, minus the mailbox and the team; outbound when the mailbox organises', () => {
      const drafts = meetingEvents(meeting({
        attendees: [
          { address: 'jane@example.test', name: 'Jane', response: 'accepted' },
          { address: 'bob@example.test', name: 'Bob', response: 'declined' },
          { address: 'carol@example.test', name: 'Carol', response: 'none' },
          { address: 'dana@contoso.test', name: 'Dana', response: 'accepted' },
          { address: 'alice@contoso.test', name: 'Alice', response: 'organizer' },
        ],
      }), ctx);
      expect(drafts.map((d) => d.counterpart_email)).to.deep.equal(['jane@example.test', 'carol@example.test']);
      expect(drafts[0]).to.deep.include({ kind: 'meeting', direction: 'outbound', remote_id: 'ical-1', item_id: 'evt-1', newsletter: false });
      expect(drafts[0]!.occurred_at.toISOString()).to.equal('2025-04-01T15:00:00.000Z');
    });

    it('an invitation from someone else is inbound and counts its organizer', () => {
      const drafts = meetingEvents(meeting({ organizer: { address: 'jane@example.test' }, attendees: [{ address: 'alice@contoso.test', response: 'accepted' }], iCalUid: null }), ctx);
      expect(drafts.map((d) => [d.direction, d.counterpart_email, d.remote_id])).to.deep.equal([['inbound', 'jane@example.test', 'evt-1']]);
    });

    it('gives nothing for a cancelled meeting, one the mailbox declined, or one before the window', () => {
      const attendees = [{ address: 'jane@example.test', response: 'accepted' as const }];
      expect(meetingEvents(meeting({ attendees, cancelled: true }), ctx)).to.deep.equal([]);
      expect(meetingEvents(meeting({ organizer: { address: 'jane@example.test' }, attendees: [{ address: 'alice@contoso.test', response: 'declined' }] }), ctx)).to.deep.equal([]);
      expect(meetingEvents(meeting({ attendees, start: new Date('2023-06-01T00:00:00Z') }), ctx)).to.deep.equal([]);
    });
  });
});
