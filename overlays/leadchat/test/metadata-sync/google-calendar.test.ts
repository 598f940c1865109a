// Google Calendar metadata sync against the sandbox's Google stand-in, through a LeadChat runtime whose
// workers run the real `google_calendar` job. Rounds start with `POST /integrations/google/sync`;
// events are changed through the sandbox's control API as a user would change them in Calendar.
import { expect } from 'chai';
import { controlFetch, eventually, startTestSandbox, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { createAccount, createAgent, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import { InteractionEvent, SyncState } from '../../server/metadata-sync/metadata-sync.model.js';
import { connectGoogle, googleSyncRound, startMetadataRuntime, type MetadataRuntime } from '../support/metadata-connect.js';
import { overlayEnabled } from '../support/metadata-sync-harness.js';

const GINA = 'gina@fabrikam.test';
const DAY = 24 * 3600_000;

interface EventInput {
  id: string;
  summary: string;
  start: string;
  end: string;
  timeZone?: string;
  allDay?: boolean;
  organizer?: string;
  attendees: { email: string; responseStatus: 'needsAction' | 'declined' | 'tentative' | 'accepted' }[];
}

/** A whole second (Calendar's dateTime has no milliseconds). */
const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('Google Calendar metadata sync (sandbox Google, real runtime and workers)', function () {
  this.timeout(120_000);
  let sb: TestSandbox;
  let rt: MetadataRuntime;
  let account: TestAccount;
  let teammate: TestUser;
  const nyStart = wholeSecond(Date.now() - 10 * DAY);
  const offsiteDay = isoDate(Date.now() - 5 * DAY);

  async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, json } = await controlFetch(sb, method, path, body);
    expect(status, `${method} ${path}: ${JSON.stringify(json)}`).to.be.within(200, 299);
    return json as T;
  }

  const upsertEvent = (e: EventInput) => control('POST', '/google/events', e);
  const events = () => InteractionEvent.findAll({ where: { account_id: account.id, source: 'google_calendar' }, order: [['id', 'ASC']] });
  const calendarState = () => SyncState.findOne({ where: { account_id: account.id, provider: 'google', mailbox: GINA, source: 'google_calendar' } });
  const byCounterpart = async () => Object.fromEntries((await events()).map((e) => [e.counterpart_email, e]));

  /** Starts a round through the API and waits for it to end (repeating the request while nothing has started). */
  async function syncRound(): Promise<SyncState> {
    const state = await googleSyncRound(rt, account, calendarState);
    expect(state.status, state.error ?? '').to.equal('idle');
    return state;
  }

  before(async function () {
    if (!overlayEnabled()) this.skip();
    sb = await startTestSandbox();
    rt = await startMetadataRuntime(sb, { workers: true });
    account = await createAccount();
    teammate = await createAgent(account, 'Teammate');
    await upsertEvent({
      id: 'breakfast01', summary: 'Breakfast in New York', start: new Date(nyStart).toISOString(), end: new Date(nyStart + 3600_000).toISOString(),
      timeZone: 'America/New_York', attendees: [{ email: 'ny@client.test', responseStatus: 'accepted' }],
    });
    await upsertEvent({
      id: 'offsite01', summary: 'Offsite', start: offsiteDay, end: isoDate(Date.parse(offsiteDay) + DAY), allDay: true,
      attendees: [{ email: 'offsite@client.test', responseStatus: 'accepted' }],
    });
    await upsertEvent({
      id: 'vendordemo1', summary: 'Vendor demo', start: new Date(Date.now() - 4 * DAY).toISOString(), end: new Date(Date.now() - 4 * DAY + 1800_000).toISOString(),
      organizer: 'vendor@client.test',
      attendees: [
        { email: 'vendor@client.test', responseStatus: 'accepted' }, { email: GINA, responseStatus: 'accepted' },
        { email: 'keen@client.test', responseStatus: 'accepted' }, { email: 'nope@client.test', responseStatus: 'declined' },
        { email: teammate.email, responseStatus: 'accepted' },
      ],
    });
    await upsertEvent({
      id: 'oldmeeting1', summary: 'Long ago', start: new Date(Date.now() - 25 * 31 * DAY).toISOString(), end: new Date(Date.now() - 25 * 31 * DAY + 3600_000).toISOString(),
      attendees: [{ email: 'old@client.test', responseStatus: 'accepted' }],
    });
    await connectGoogle(rt, { account, login: GINA, features: { calendar: true } });
  });

  after(async () => {
    await rt?.close();
    await sb?.close();
  });

  it('backfills 24 months: one event per counterpart, declined and team members left out, times in UTC', async () => {
    const state = await syncRound();
    const all = await events();
    // Seeded calendar: Jane's intro, Alice's review, a cancelled meeting, three weekly instances with Dana; added: four.
    expect(all.map((e) => e.counterpart_email).sort()).to.deep.equal([
      'alice@contoso.test', 'dana@contoso.test', 'dana@contoso.test', 'dana@contoso.test', 'jane@example.test',
      'keen@client.test', 'ny@client.test', 'offsite@client.test', 'vendor@client.test',
    ]);
    expect(all.every((e) => e.kind === 'meeting' && e.provider === 'google' && e.mailbox === GINA && Number(e.user_id) === account.admin.id)).to.equal(true);
    const dana = all.filter((e) => e.counterpart_email === 'dana@contoso.test');
    expect(new Set(dana.map((e) => e.remote_id)).size, 'each instance of the recurring meeting is its own interaction').to.equal(3);

    const by = await byCounterpart();
    expect(by['ny@client.test']!.occurred_at.toISOString(), 'a New York dateTime with its offset, as UTC').to.equal(new Date(nyStart).toISOString());
    expect(by['offsite@client.test']!.occurred_at.toISOString(), 'an all-day event at 00:00 UTC of its date').to.equal(`${offsiteDay}T00:00:00.000Z`);
    expect({ direction: by['ny@client.test']!.direction, subject: by['ny@client.test']!.subject }).to.deep.equal({ direction: 'outbound', subject: 'Breakfast in New York' });
    expect(by['vendor@client.test']!.direction, 'organised by someone else').to.equal('inbound');
    expect(by['keen@client.test']!.direction).to.equal('inbound');

    expect(state.cursor, 'the nextSyncToken').to.be.a('string').and.not.empty;
    expect(state.backfill_completed_at).to.be.instanceOf(Date);
    expect(state.progress).to.deep.include({ round: 'backfill' });
  });

  it('then follows the sync token: a changed event replaces its events, a cancelled one removes them', async () => {
    const before = (await calendarState())!.cursor;
    await upsertEvent({
      id: 'vendordemo1', summary: 'Vendor demo (moved)', start: new Date(Date.now() - 3 * DAY).toISOString(), end: new Date(Date.now() - 3 * DAY + 1800_000).toISOString(),
      organizer: 'vendor@client.test',
      attendees: [
        { email: 'vendor@client.test', responseStatus: 'accepted' }, { email: GINA, responseStatus: 'accepted' },
        { email: 'keen@client.test', responseStatus: 'declined' }, { email: 'nope@client.test', responseStatus: 'declined' },
      ],
    });
    await control('DELETE', '/google/events/breakfast01');
    await upsertEvent({
      id: 'kickoff01', summary: 'Kickoff', start: new Date(Date.now() + 2 * DAY).toISOString(), end: new Date(Date.now() + 2 * DAY + 3600_000).toISOString(),
      attendees: [{ email: 'kick@client.test', responseStatus: 'tentative' }],
    });
    const state = await syncRound();
    const by = await byCounterpart();
    expect(Object.keys(by).sort()).to.deep.equal(['alice@contoso.test', 'dana@contoso.test', 'jane@example.test', 'kick@client.test', 'offsite@client.test', 'vendor@client.test']);
    expect(await events()).to.have.length(8);
    expect(by['vendor@client.test']!.subject).to.equal('Vendor demo (moved)');
    expect(state.cursor).to.not.equal(before);
    expect(state.progress).to.deep.include({ processed: 3, round: 'incremental' });
  });

  it('runs a full sync when the sync token is no longer valid (410), without duplicates', async () => {
    const before = (await calendarState())!;
    await control('POST', '/google/history/expire');
    await upsertEvent({
      id: 'latecall01', summary: 'Late call', start: new Date(Date.now() - DAY).toISOString(), end: new Date(Date.now() - DAY + 900_000).toISOString(),
      attendees: [{ email: 'late@client.test', responseStatus: 'accepted' }],
    });
    const state = await syncRound();
    const all = await events();
    expect(all).to.have.length(9);
    expect(new Set(all.map((e) => `${e.remote_id}|${e.counterpart_email}`)).size).to.equal(9);
    expect(all.map((e) => e.counterpart_email)).to.include('late@client.test');
    expect(state.backfill_completed_at!.getTime(), 'a new full round ran').to.be.greaterThan(before.backfill_completed_at!.getTime());
    expect(state.cursor).to.not.equal(before.cursor);
  });
});
