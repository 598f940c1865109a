// The sandbox's Google side for the metadata sync: Gmail's per-user quota (429 rateLimitExceeded with
// Retry-After), seeded messages with Cc/Bcc and extra headers, history.list by type and label, and
// Calendar events with attendee responses, time zones, all-day dates and cancellation.
import { expect } from 'chai';
import { controlFetch, googleCodeFlow, startTestSandbox, type TestSandbox } from './helpers.js';

type Json = Record<string, unknown>;
const SCOPES = 'https://www.googleapis.com/auth/gmail.metadata https://www.googleapis.com/auth/calendar.readonly';

describe('sandbox: Google for the metadata sync', function () {
  this.timeout(60_000);
  let sb: TestSandbox;
  let token: string;
  const g = () => sb.world.google;

  /** The OAuth code flow with PKCE through the consent form, as the product walks it. */
  async function authorize(): Promise<string> {
    const res = await googleCodeFlow(sb, SCOPES);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function api(url: string): Promise<{ status: number; headers: Headers; body: Json }> {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, headers: res.headers, body: await res.json() as Json };
  }

  const headersOf = (m: Json): Record<string, string> => Object.fromEntries(((m.payload as { headers: { name: string; value: string }[] }).headers).map((h) => [h.name, h.value]));

  before(async () => {
    sb = await startTestSandbox();
    token = await authorize();
  });
  after(async () => { await sb?.close(); });

  describe('Gmail quota', () => {
    afterEach(async () => {
      await controlFetch(sb, 'POST', '/google/quota', { unitsPerMinute: 6000, enabled: true });
      await controlFetch(sb, 'POST', '/google/quota/reset-usage');
    });

    it('is on by default at 6000 units per minute', async () => {
      const quota = (await controlFetch(sb, 'GET', '/google/quota')).json as Json;
      expect(quota).to.include({ enabled: true, unitsPerMinute: 6000 });
      expect(quota).to.have.keys('enabled', 'unitsPerMinute', 'unitsUsed', 'requests', 'throttled');
    });

    it('charges each method its units and answers 429 rateLimitExceeded with Retry-After when the user is out of units', async () => {
      expect((await controlFetch(sb, 'POST', '/google/quota', { unitsPerMinute: 60 })).json).to.deep.equal({ enabled: true, unitsPerMinute: 60 });
      await controlFetch(sb, 'POST', '/google/quota/reset-usage');
      const list = await api(`${g().gmailBaseUrl}/users/me/messages?labelIds=INBOX`);
      expect(list.status).to.equal(200);
      const id = (list.body.messages as { id: string }[])[0]?.id;
      expect((await api(`${g().gmailBaseUrl}/users/me/messages/${id}?format=metadata`)).status).to.equal(200);
      expect((await api(`${g().gmailBaseUrl}/users/me/messages/${id}?format=metadata`)).status).to.equal(200);
      const refused = await api(`${g().gmailBaseUrl}/users/me/messages/${id}?format=metadata`);
      expect(refused.status).to.equal(429);
      // 60 units/min refill one unit a second; 45 were spent, a get needs 20: about 5 seconds.
      expect(Number(refused.headers.get('retry-after'))).to.be.within(4, 6);
      const error = refused.body.error as { code: number; message: string; status: string; errors: Json[] };
      expect(error.code).to.equal(429);
      expect(error.status).to.equal('RESOURCE_EXHAUSTED');
      expect(error.message).to.match(/^Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'gmail.googleapis.com'/);
      expect(error.errors[0]).to.include({ domain: 'usageLimits', reason: 'rateLimitExceeded' });
      // Calendar is not under the Gmail quota.
      expect((await api(`${g().calendarBaseUrl}/calendars/primary/events`)).status).to.equal(200);
      const usage = (await controlFetch(sb, 'GET', '/google/quota')).json as Json;
      expect(usage).to.deep.include({ unitsUsed: 45, throttled: 1, requests: { list: 1, get: 2, history: 0, profile: 0 } });
      await controlFetch(sb, 'POST', '/google/quota/reset-usage');
      expect((await api(`${g().gmailBaseUrl}/users/me/messages/${id}?format=metadata`)).status).to.equal(200);
      expect((await api(`${g().gmailBaseUrl}/users/me/profile`)).status).to.equal(200);
      expect((await controlFetch(sb, 'GET', '/google/quota')).json).to.deep.include({ unitsUsed: 21, throttled: 0 });
    });

    it('can be switched off', async () => {
      await controlFetch(sb, 'POST', '/google/quota', { unitsPerMinute: 20, enabled: false });
      for (let i = 0; i < 3; i += 1) expect((await api(`${g().gmailBaseUrl}/users/me/history?startHistoryId=1000`)).status).to.equal(200);
      expect((await controlFetch(sb, 'GET', '/google/quota')).json).to.deep.include({ unitsUsed: 6, throttled: 0 });
    });
  });

  describe('Gmail messages and history', () => {
    it('keeps Cc and extra headers, and Bcc only on SENT messages', async () => {
      const added = (await controlFetch(sb, 'POST', '/google/messages', {
        messages: [
          { from: { name: 'Jane Customer', address: 'jane@example.test' }, to: ['gina@fabrikam.test'], cc: ['dana@contoso.test'], bcc: ['hidden@example.test'], subject: 'Received with Bcc', labelIds: ['INBOX'], at: '2025-05-01T09:00:00Z', headers: { 'List-Unsubscribe': '<mailto:u@example.test>', Precedence: 'bulk' } },
          { from: 'gina@fabrikam.test', to: ['jane@example.test'], cc: ['alice@contoso.test'], bcc: ['boss@fabrikam.test'], subject: 'Sent with Bcc', labelIds: ['SENT'], at: Date.parse('2025-05-01T10:00:00Z') },
        ],
      })).json as { ids: string[]; historyId: string };
      expect(added.ids).to.have.length(2);
      const received = (await api(`${g().gmailBaseUrl}/users/me/messages/${added.ids[0]}?format=metadata`)).body;
      expect(headersOf(received)).to.include({ From: '"Jane Customer" <jane@example.test>', To: 'gina@fabrikam.test', Cc: 'dana@contoso.test', 'List-Unsubscribe': '<mailto:u@example.test>', Precedence: 'bulk' });
      expect(headersOf(received)).to.not.have.property('Bcc');
      expect(received.internalDate).to.equal(String(Date.parse('2025-05-01T09:00:00Z')));
      const sent = (await api(`${g().gmailBaseUrl}/users/me/messages/${added.ids[1]}?format=metadata`)).body;
      expect(headersOf(sent)).to.include({ Cc: 'alice@contoso.test', Bcc: 'boss@fabrikam.test' });
    });

    it('logs messageAdded and messageDeleted, filtered by historyTypes and labelId; record:false stays out of history', async () => {
      const start = String((await api(`${g().gmailBaseUrl}/users/me/profile`)).body.historyId);
      const msg = (label: string, subject: string) => ({ from: 'jane@example.test', to: ['gina@fabrikam.test'], subject, labelIds: [label], at: Date.now() });
      const { ids } = (await controlFetch(sb, 'POST', '/google/messages', { messages: [msg('INBOX', 'h-in'), msg('SENT', 'h-sent')] })).json as { ids: string[] };
      await controlFetch(sb, 'POST', '/google/messages', { messages: [msg('INBOX', 'h-quiet')], record: false });
      expect((await controlFetch(sb, 'DELETE', `/google/messages/${ids[0]}`)).status).to.equal(200);
      expect((await controlFetch(sb, 'DELETE', `/google/messages/${ids[0]}`)).status).to.equal(404);
      expect((await api(`${g().gmailBaseUrl}/users/me/messages/${ids[0]}?format=metadata`)).status).to.equal(404);

      type History = { history?: { messagesAdded?: { message: { id: string } }[]; messagesDeleted?: { message: { id: string } }[] }[] };
      const all = (await api(`${g().gmailBaseUrl}/users/me/history?startHistoryId=${start}`)).body as History;
      expect(all.history).to.have.length(3);
      const deleted = (await api(`${g().gmailBaseUrl}/users/me/history?startHistoryId=${start}&historyTypes=messageDeleted`)).body as History;
      expect(deleted.history?.map((h) => h.messagesDeleted?.[0]?.message.id)).to.deep.equal([ids[0]]);
      expect(deleted.history?.[0]).to.not.have.property('messagesAdded');
      const sentAdded = (await api(`${g().gmailBaseUrl}/users/me/history?startHistoryId=${start}&historyTypes=messageAdded&labelId=SENT`)).body as History;
      expect(sentAdded.history?.map((h) => h.messagesAdded?.[0]?.message.id)).to.deep.equal([ids[1]]);
      const both = (await api(`${g().gmailBaseUrl}/users/me/history?startHistoryId=${start}&historyTypes=messageAdded&historyTypes=messageDeleted&labelId=INBOX`)).body as History;
      expect(both.history).to.have.length(2);
    });

    it('adds 5000 messages in one call quickly and lists them 500 a page', async () => {
      const started = Date.now();
      const messages = Array.from({ length: 5000 }, (_, i) => ({ from: `c${i}@example.test`, to: ['gina@fabrikam.test'], subject: `Bulk ${i}`, labelIds: ['INBOX', 'CATEGORY_UPDATES'], at: Date.now() - i * 60_000 }));
      const { ids } = (await controlFetch(sb, 'POST', '/google/messages', { messages, record: false })).json as { ids: string[] };
      expect(ids).to.have.length(5000);
      expect(Date.now() - started).to.be.below(5000);
      let pageToken = '';
      let count = 0;
      do {
        const page = (await api(`${g().gmailBaseUrl}/users/me/messages?labelIds=CATEGORY_UPDATES&maxResults=500${pageToken ? `&pageToken=${pageToken}` : ''}`)).body;
        count += (page.messages as unknown[]).length;
        pageToken = String(page.nextPageToken ?? '');
      } while (pageToken);
      expect(count).to.equal(5000);
    });
  });

  describe('Calendar events', () => {
    const events = (query: string) => api(`${g().calendarBaseUrl}/calendars/primary/events?${query}`);

    it('renders time zones, all-day dates and attendee responses, and reports upserts and cancellations to sync tokens', async () => {
      const full = await events('singleEvents=true');
      const syncToken = String(full.body.nextSyncToken);
      const created = (await controlFetch(sb, 'POST', '/google/events', {
        summary: 'Berlin review', start: '2025-03-10T08:00:00Z', end: '2025-03-10T09:30:00Z', timeZone: 'Europe/Berlin',
        attendees: [
          { email: 'gina@fabrikam.test', responseStatus: 'accepted', organizer: true },
          { email: 'jane@example.test', responseStatus: 'declined' },
          { email: 'dana@contoso.test', responseStatus: 'tentative' },
        ],
      })).json as Json;
      expect(created.start).to.deep.equal({ dateTime: '2025-03-10T09:00:00+01:00', timeZone: 'Europe/Berlin' });
      expect(created.end).to.deep.equal({ dateTime: '2025-03-10T10:30:00+01:00', timeZone: 'Europe/Berlin' });
      expect(created.attendees).to.deep.equal([
        { email: 'gina@fabrikam.test', responseStatus: 'accepted', organizer: true, self: true },
        { email: 'jane@example.test', responseStatus: 'declined' },
        { email: 'dana@contoso.test', responseStatus: 'tentative' },
      ]);
      const summer = (await controlFetch(sb, 'POST', '/google/events', {
        summary: 'New York call', start: '2025-07-01T14:00:00Z', end: '2025-07-01T15:00:00Z', timeZone: 'America/New_York', organizer: 'jane@example.test',
        attendees: [{ email: 'gina@fabrikam.test', responseStatus: 'needsAction' }],
      })).json as Json;
      expect(summer.start).to.deep.equal({ dateTime: '2025-07-01T10:00:00-04:00', timeZone: 'America/New_York' });
      expect(summer.organizer).to.deep.equal({ email: 'jane@example.test' });
      const allDay = (await controlFetch(sb, 'POST', '/google/events', {
        summary: 'Offsite', start: '2025-04-02T00:00:00Z', end: '2025-04-04T00:00:00Z', allDay: true, attendees: [],
      })).json as Json;
      expect(allDay.start).to.deep.equal({ date: '2025-04-02' });
      expect(allDay.end).to.deep.equal({ date: '2025-04-04' });

      const round1 = await events(`syncToken=${syncToken}`);
      expect((round1.body.items as Json[]).map((e) => e.summary).sort()).to.deep.equal(['Berlin review', 'New York call', 'Offsite']);

      const moved = (await controlFetch(sb, 'POST', '/google/events', {
        id: created.id, summary: 'Berlin review (moved)', start: '2025-03-11T08:00:00Z', end: '2025-03-11T09:00:00Z', timeZone: 'Europe/Berlin',
        attendees: [{ email: 'jane@example.test', responseStatus: 'accepted' }],
      })).json as Json;
      expect(moved.id).to.equal(created.id);
      expect((await controlFetch(sb, 'DELETE', `/google/events/${String(allDay.id)}`)).json).to.include({ status: 'cancelled' });
      const round2 = await events(`syncToken=${String(round1.body.nextSyncToken)}`);
      const changed = Object.fromEntries((round2.body.items as Json[]).map((e) => [String(e.summary), e]));
      expect(Object.keys(changed).sort()).to.deep.equal(['Berlin review (moved)', 'Offsite']);
      expect(changed.Offsite?.status).to.equal('cancelled');
      expect(changed['Berlin review (moved)']?.attendees).to.deep.equal([{ email: 'jane@example.test', responseStatus: 'accepted' }]);
      // A full listing without showDeleted leaves the cancelled event out.
      expect(((await events('singleEvents=true')).body.items as Json[]).map((e) => e.summary)).to.not.include('Offsite');
      expect((await controlFetch(sb, 'DELETE', '/google/events/nosuchevent')).status).to.equal(404);
    });
  });
});
