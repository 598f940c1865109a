// LeadMail (threading headers forwarded into a real delivery) and the Google stand-in (OAuth with
// include_granted_scopes, Gmail metadata rules, history 404, Calendar sync tokens and 410).
import { expect } from 'chai';
import { controlFetch, eventually, googleCodeFlow, imapConnect, startTestSandbox, type TestSandbox } from './helpers.js';

describe('sandbox: LeadMail and Google', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });

  const leadmail = (body: unknown, key = sb.world.leadmail.apiKey) => fetch(`${sb.world.leadmail.baseUrl}/v1/messages`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  describe('LeadMail', () => {
    it('accepts a message (202 {id}) and delivers it with message_id / in_reply_to / references as RFC 5322 headers', async () => {
      const res = await leadmail({
        from: { email: 'support@contoso.test', name: 'Contoso Support' }, to: 'jane@example.test', subject: 'LeadMail reply', text: 'Thanks!',
        message_id: '<conversation/1/messages/2@contoso.test>', in_reply_to: '<jane-1@example.test>', references: ['<jane-0@example.test>', '<jane-1@example.test>'],
      });
      expect(res.status).to.equal(202);
      const { id } = await res.json() as { id: string };
      const status = await (await fetch(`${sb.world.leadmail.baseUrl}/v1/messages/${id}`, { headers: { authorization: `Bearer ${sb.world.leadmail.apiKey}` } })).json() as { message_id: string };
      expect(status.message_id).to.equal('<conversation/1/messages/2@contoso.test>');
      const client = await imapConnect(sb, { user: 'jane@example.test', pass: 'jane-pass' });
      try {
        const lock = await client.getMailboxLock('INBOX');
        try {
          const uids = await eventually(async () => {
            const found = await client.search({ header: { 'message-id': '<conversation/1/messages/2@contoso.test>' } }, { uid: true });
            return found && found.length ? found : false;
          });
          const msg = await client.fetchOne(String(uids[0]), { headers: ['in-reply-to', 'references'] }, { uid: true });
          const headers = msg ? msg.headers?.toString() ?? '' : '';
          expect(headers).to.match(/In-Reply-To: <jane-1@example\.test>/);
          expect(headers).to.match(/References: <jane-0@example\.test> <jane-1@example\.test>/);
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
    });

    it('answers 401 without the API key and 422 with field errors for an invalid message', async () => {
      expect((await leadmail({}, 'wrong')).status).to.equal(401);
      const res = await leadmail({ from: 'someone@unverified.test', to: [], subject: '' });
      expect(res.status).to.equal(422);
      const body = await res.json() as { error: { fields: { path: string }[] } };
      expect(body.error.fields.map((f) => f.path)).to.include.members(['to', 'subject', 'text']);
      const unverified = await leadmail({ from: 'someone@unverified.test', to: 'jane@example.test', subject: 's', text: 't' });
      expect(unverified.status).to.equal(422);
    });
  });

  describe('Google', () => {
    const g = () => sb.world.google;
    const GMAIL_META = 'https://www.googleapis.com/auth/gmail.metadata';
    const CALENDAR = 'https://www.googleapis.com/auth/calendar.readonly';

    async function authorize(scope: string, includeGranted: boolean): Promise<{ access_token: string; refresh_token?: string; scope: string }> {
      const token = await googleCodeFlow(sb, scope, { access_type: 'offline', include_granted_scopes: String(includeGranted), state: 'g1' });
      expect(token.status).to.equal(200);
      return token.json() as Promise<{ access_token: string; refresh_token?: string; scope: string }>;
    }

    const api = async (token: string, url: string) => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: await res.json() as Record<string, unknown> };
    };

    it('adds scopes with include_granted_scopes and refreshes', async () => {
      await authorize(GMAIL_META, false);
      const both = await authorize(CALENDAR, true);
      expect(both.scope.split(' ')).to.include.members([GMAIL_META, CALENDAR]);
      const refreshed = await fetch(g().tokenUrl, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: both.refresh_token ?? '', client_id: g().clientId, client_secret: g().clientSecret }).toString(),
      });
      expect(((await refreshed.json()) as { scope: string }).scope.split(' ')).to.include(GMAIL_META);
    });

    it('lists and reads Gmail metadata, refuses q under gmail.metadata, 404s on a too-old history id', async () => {
      const { access_token: t } = await authorize(GMAIL_META, false);
      const list = await api(t, `${g().gmailBaseUrl}/users/me/messages?labelIds=INBOX&maxResults=2`);
      const messages = list.body.messages as { id: string }[];
      expect(messages).to.have.length(2);
      expect(list.body.nextPageToken).to.be.a('string');
      const q = await api(t, `${g().gmailBaseUrl}/users/me/messages?q=pricing`);
      expect(q.status).to.equal(403);
      const msg = await api(t, `${g().gmailBaseUrl}/users/me/messages/${messages[0]?.id}?format=metadata&metadataHeaders=From&metadataHeaders=Subject`);
      expect((msg.body.payload as { headers: { name: string }[] }).headers.map((h) => h.name).sort()).to.deep.equal(['From', 'Subject']);
      expect((await api(t, `${g().gmailBaseUrl}/users/me/messages/${messages[0]?.id}?format=full`)).status).to.equal(403);
      const profile = await api(t, `${g().gmailBaseUrl}/users/me/profile`);
      expect(profile.body.emailAddress).to.equal('gina@fabrikam.test');
      const history = await api(t, `${g().gmailBaseUrl}/users/me/history?startHistoryId=${profile.body.historyId}`);
      expect(history.status).to.equal(200);
      expect((await api(t, `${g().gmailBaseUrl}/users/me/history?startHistoryId=5`)).status).to.equal(404);
    });

    it('syncs Calendar with syncToken and answers 410 once the token is invalid', async () => {
      const { access_token: t } = await authorize(CALENDAR, false);
      const full = await api(t, `${g().calendarBaseUrl}/calendars/primary/events?singleEvents=true&timeMin=${new Date(Date.now() - 60 * 86_400_000).toISOString()}`);
      const items = full.body.items as { summary: string; status: string; recurringEventId?: string }[];
      expect(items.filter((i) => i.summary === 'Weekly pipeline')).to.have.length(3);
      expect(items.map((i) => i.status)).to.not.include('cancelled');
      const withDeleted = await api(t, `${g().calendarBaseUrl}/calendars/primary/events?showDeleted=true`);
      expect((withDeleted.body.items as { status: string }[]).map((i) => i.status)).to.include('cancelled');
      const sync = full.body.nextSyncToken as string;
      const incremental = await api(t, `${g().calendarBaseUrl}/calendars/primary/events?syncToken=${sync}`);
      expect(incremental.status).to.equal(200);
      expect(incremental.body.items).to.deep.equal([]);
      await controlFetch(sb, 'POST', '/google/history/expire');
      const gone = await api(t, `${g().calendarBaseUrl}/calendars/primary/events?syncToken=${sync}`);
      expect(gone.status).to.equal(410);
    });
  });
});
