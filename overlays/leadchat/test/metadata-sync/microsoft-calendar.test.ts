// Microsoft calendar metadata against the sandbox: calendarView delta in UTC over the backfill
// window, declined attendees and cancelled meetings not counted, changes replacing a meeting's events.
import { expect } from 'chai';
import { ALICE, DANA, JANE, overlayEnabled, startMetadataSyncHarness, type MetadataSyncHarness } from '../support/metadata-sync-harness.js';

describe('metadata sync: Microsoft calendar (calendarView delta)', function () {
  this.timeout(60_000);
  let h: MetadataSyncHarness;
  let aliceId: number;
  const meetings = () => h.events({ user_id: aliceId, source: 'microsoft_calendar' });
  const bySubject = async () => (await meetings()).map((e) => [e.subject, e.direction, e.counterpart_email]);

  before(async function () {
    if (!overlayEnabled()) this.skip();
    h = await startMetadataSyncHarness();
    aliceId = (await h.member(ALICE)).id;
    // Dana connects too: a connected colleague is a team member, never a counterpart.
    await h.connect(DANA, { mail: true });
    await h.settle();
  });
  after(async () => { await h?.close(); });

  it('backfills meetings: organizer and non-declined attendees, no team members, nothing for cancelled ones, UTC starts', async () => {
    // A meeting written in Pacific time: 09:00 at -08:00 is 17:00 UTC.
    const created = (await h.control('POST', `/calendar/${ALICE}/events`, {
      subject: 'Pacific call', start: '2026-11-25T09:00:00-08:00', end: '2026-11-25T10:00:00-08:00',
      attendees: [{ name: 'Kim Prospect', address: 'kim@example.test', response: 'accepted' }, { name: 'Lou', address: 'lou@example.test', response: 'declined' }],
    })) as { id: string };
    await h.connect(ALICE, { calendar: true });
    await h.settle();
    expect((await bySubject()).sort()).to.deep.equal([
      ['Onboarding call with Jane', 'outbound', JANE],
      ['Pacific call', 'outbound', 'kim@example.test'],
    ]);
    const pacific = (await meetings()).find((e) => e.item_id === created.id)!;
    expect(pacific.occurred_at.toISOString()).to.equal('2026-11-25T17:00:00.000Z');
    expect(pacific.kind).to.equal('meeting');
    expect(pacific.remote_id).to.match(/^040000008200E00074C5B7101A82E008/);
    const [calendar] = await h.sources(ALICE);
    expect([calendar!.source, calendar!.status, calendar!.progress.round]).to.deep.equal(['calendar', 'idle', 'backfill']);
    expect(calendar!.progress.processed, "five seeded meetings and the new one").to.equal(6);
  });

  it('an attendee who declines later drops out; a new attendee is added; a cancelled or deleted meeting loses its events', async () => {
    await h.control('POST', `/calendar/${ALICE}/events`, {
      id: 'AAMkAGEvt-alice-001', subject: 'Onboarding call with Jane', start: '2026-11-20T14:00:00Z', end: '2026-11-20T15:00:00Z',
      attendees: [{ name: 'Jane Customer', address: JANE, response: 'declined' }, { name: 'Max', address: 'max@example.test', response: 'tentativelyAccepted' }],
    });
    await h.sync(ALICE);
    expect((await bySubject()).sort()).to.deep.equal([
      ['Onboarding call with Jane', 'outbound', 'max@example.test'],
      ['Pacific call', 'outbound', 'kim@example.test'],
    ]);
    expect((await h.state(ALICE, 'calendar')).progress).to.include({ round: 'incremental', processed: 1 });

    const pacific = (await meetings()).find((e) => e.subject === 'Pacific call')!;
    await h.control('POST', `/calendar/${ALICE}/events`, {
      id: pacific.item_id, subject: 'Pacific call', start: '2026-11-25T09:00:00-08:00', end: '2026-11-25T10:00:00-08:00', isCancelled: true,
      attendees: [{ name: 'Kim Prospect', address: 'kim@example.test', response: 'accepted' }],
    });
    await h.control('DELETE', `/calendar/${ALICE}/events/AAMkAGEvt-alice-001`);
    await h.sync(ALICE);
    expect(await bySubject()).to.deep.equal([]);
    expect((await h.state(ALICE, 'calendar')).progress).to.include({ round: 'incremental', processed: 2, removed: 1 });
  });

  it('a meeting Graph answers in a Windows zone ("Pacific Standard Time") is converted, not a failed sync', async () => {
    const created = (await h.control('POST', `/calendar/${ALICE}/events`, {
      subject: 'Windows zone call', start: '2026-07-14T09:30:00-07:00', end: '2026-07-14T10:00:00-07:00',
      timeZone: 'Pacific Standard Time', preferIgnored: true,
      attendees: [{ name: 'Kim Prospect', address: 'kim@example.test', response: 'accepted' }],
    })) as { id: string };
    await h.sync(ALICE);
    const state = await h.state(ALICE, 'calendar');
    expect(state.status, String(state.error)).to.equal('idle');
    // 09:30 Pacific daylight time (-07:00) is 16:30 UTC.
    expect((await meetings()).find((e) => e.item_id === created.id)?.occurred_at.toISOString()).to.equal('2026-07-14T16:30:00.000Z');
  });
});
