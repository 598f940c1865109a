// Gmail metadata sync against the sandbox's Google stand-in, through a LeadChat runtime whose workers
// run the real `google_mail` job: the connection is made through Google's consent page, rounds are
// started with `POST /integrations/google/sync`, and what they leave is read from the database and
// the integrations API.
import { expect } from 'chai';
import { Op } from 'sequelize';
import { controlFetch, eventually, startTestSandbox, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { createAccount, createAgent, type TestAccount, type TestUser } from '../../../../test/support/factories.js';
import { GoogleAccount, InteractionEvent, SyncState } from '../../server/metadata-sync/metadata-sync.model.js';
import { connectGoogle, googleSyncRound, startMetadataRuntime, type MetadataRuntime } from '../support/metadata-connect.js';
import { overlayEnabled } from '../support/metadata-sync-harness.js';

const GINA = 'gina@fabrikam.test';
const DAY = 24 * 3600_000;

interface NewMessage {
  from: string | { name?: string; address: string };
  to: (string | { name?: string; address: string })[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  labelIds: string[];
  at: number;
  headers?: Record<string, string>;
}

interface QuotaReport {
  unitsPerMinute: number;
  unitsUsed: number;
  throttled: number;
}

describe('Gmail metadata sync (sandbox Google, real runtime and workers)', function () {
  this.timeout(180_000);
  let sb: TestSandbox;
  let rt: MetadataRuntime;
  let account: TestAccount;
  let teammate: TestUser;
  let connection: GoogleAccount;
  const at = { zoe: Date.now() - 30 * DAY + 123, sent: Date.now() - 20 * DAY + 456 };

  async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, json } = await controlFetch(sb, method, path, body);
    expect(status, `${method} ${path}: ${JSON.stringify(json)}`).to.be.within(200, 299);
    return json as T;
  }

  const addMessages = (messages: NewMessage[], record = true) => control('POST', '/google/messages', { messages, record });

  const events = () => InteractionEvent.findAll({ where: { account_id: account.id, source: 'google_mail' }, order: [['id', 'ASC']] });
  const gmailState = () => SyncState.findOne({ where: { account_id: account.id, provider: 'google', mailbox: GINA, source: 'gmail' } });

  /** Starts a round through the API and waits for it to end (googleSyncRound); it must end idle. */
  async function syncRound(runtime: MetadataRuntime = rt, timeoutMs = 60_000): Promise<SyncState> {
    const state = await googleSyncRound(runtime, account, gmailState, timeoutMs);
    expect(state.status, state.error ?? '').to.equal('idle');
    return state;
  }

  const counterparts = async (where: Record<string, unknown> = {}) =>
    (await InteractionEvent.findAll({ where: { account_id: account.id, source: 'google_mail', ...where } })).map((e) => e.counterpart_email).sort();

  before(async function () {
    if (!overlayEnabled()) this.skip();
    sb = await startTestSandbox();
    rt = await startMetadataRuntime(sb, { workers: true });
    account = await createAccount();
    teammate = await createAgent(account, 'Teammate');
    // The mailbox as it is before LeadChat is connected (not in history: the backfill must find it).
    await addMessages([
      { from: { name: 'Zoe Client', address: 'Zoe@Client.test' }, to: [GINA], cc: ['carl@client.test'], headers: { Bcc: 'hidden@client.test' }, subject: 'Proposal', labelIds: ['INBOX', 'UNREAD'], at: at.zoe },
      { from: GINA, to: ['ext1@client.test'], cc: [teammate.email], bcc: ['bcc@client.test'], subject: 'Terms', labelIds: ['SENT'], at: at.sent },
      { from: 'promo@shop.test', to: [GINA], headers: { Precedence: 'bulk' }, subject: 'Sale', labelIds: ['INBOX'], at: Date.now() - 10 * DAY },
      { from: GINA, to: Array.from({ length: 21 }, (_, i) => `r${i + 1}@crowd.test`), subject: 'Announcement', labelIds: ['SENT'], at: Date.now() - 9 * DAY },
      { from: teammate.email, to: [GINA], subject: 'Internal', labelIds: ['INBOX'], at: Date.now() - 8 * DAY },
      { from: 'ancient@client.test', to: [GINA], subject: 'Long ago', labelIds: ['INBOX'], at: Date.now() - 25 * 31 * DAY },
      { from: 'spam@client.test', to: [GINA], subject: 'Spam', labelIds: ['SPAM'], at: Date.now() - 7 * DAY },
    ], false);
    connection = await connectGoogle(rt, { account, login: GINA, features: { mail: true } });
  });

  after(async () => {
    await rt?.close();
    await sb?.close();
  });

  it('backfills INBOX and SENT: direction, counterparts, Bcc only on sent mail, newsletters, team members, the window, UTC', async () => {
    const state = await syncRound();
    const all = await events();
    // Seeded mailbox: jane in + out, news@ (List-Unsubscribe), alice in + out = 5; added: zoe, ext1 + bcc, promo, 21 recipients.
    expect(all).to.have.length(30);
    expect(new Set(all.map((e) => `${e.remote_id}|${e.counterpart_email}`)).size).to.equal(30);
    expect(all.every((e) => e.provider === 'google' && e.mailbox === GINA && Number(e.user_id) === account.admin.id && e.kind === 'email')).to.equal(true);

    const zoe = all.find((e) => e.counterpart_email === 'zoe@client.test')!;
    expect(zoe, 'inbound mail counts its sender, lower-cased').to.exist;
    expect({ direction: zoe.direction, name: zoe.counterpart_name, subject: zoe.subject, newsletter: zoe.newsletter }).to.deep.equal({
      direction: 'inbound', name: 'Zoe Client', subject: 'Proposal', newsletter: false,
    });
    expect(zoe.occurred_at.getTime(), 'internalDate, to the millisecond (UTC)').to.equal(at.zoe);
    expect(zoe.remote_id).to.match(/@mail\.gmail\.test$/);

    const outbound = await counterparts({ direction: 'outbound', newsletter: false });
    expect(outbound).to.deep.equal(['alice@contoso.test', 'bcc@client.test', 'ext1@client.test', 'jane@example.test']);
    const ext1 = all.find((e) => e.counterpart_email === 'ext1@client.test')!;
    expect(ext1.occurred_at.getTime()).to.equal(at.sent);

    const absent = ['carl@client.test', 'hidden@client.test', teammate.email.toLowerCase(), 'ancient@client.test', 'spam@client.test', GINA];
    expect(all.filter((e) => absent.includes(e.counterpart_email))).to.deep.equal([]);

    expect(await counterparts({ newsletter: true })).to.deep.equal([
      'news@list.example.test', 'promo@shop.test', ...Array.from({ length: 21 }, (_, i) => `r${i + 1}@crowd.test`).sort(),
    ].sort());
    expect(all.filter((e) => e.counterpart_email.endsWith('@crowd.test')).every((e) => e.direction === 'outbound')).to.equal(true);

    expect(state.cursor, 'the history id read before the first page').to.match(/^\d+$/);
    expect(state.page_cursor).to.equal(null);
    expect(state.backfill_completed_at).to.be.instanceOf(Date);
    // INBOX: jane, news, alice, zoe, promo, teammate, ancient; SENT: 2 seeded + 2 added. SPAM is never listed.
    expect(state.progress).to.deep.include({ processed: 11, total: 12, round: 'backfill' });

    const card = await rt.http().get(`/api/v1/accounts/${account.id}/integrations/metadata_sync`).set('api_access_token', account.admin.token).expect(200);
    const source = (card.body.google.connection.sources as { source: string; status: string; progress: { processed: number } }[]).find((s) => s.source === 'gmail');
    expect(source).to.deep.include({ status: 'idle' });
    expect(source!.progress.processed).to.equal(11);
    expect((card.body.google.circuits as { name: string }[]).map((c) => c.name)).to.include('google_gmail_metadata');
  });

  it('then follows history.list: new INBOX and SENT mail appears once, drafts do not', async () => {
    const before = (await gmailState())!.cursor!;
    await addMessages([
      { from: 'newbie@client.test', to: [GINA], subject: 'Hello', labelIds: ['INBOX'], at: Date.now() - 60_000 },
      { from: GINA, to: ['partner@client.test'], subject: 'Offer', labelIds: ['SENT'], at: Date.now() - 30_000 },
      { from: GINA, to: ['draft@client.test'], subject: 'Unsent', labelIds: ['DRAFT'], at: Date.now() - 10_000 },
    ]);
    const state = await syncRound();
    expect(await events()).to.have.length(32);
    expect(await counterparts({ counterpart_email: { [Op.in]: ['newbie@client.test', 'partner@client.test', 'draft@client.test'] } }))
      .to.deep.equal(['newbie@client.test', 'partner@client.test']);
    expect(Number(state.cursor)).to.be.greaterThan(Number(before));
    expect(state.progress).to.deep.include({ processed: 2, round: 'incremental' });

    await syncRound();
    expect(await events(), 'a round with nothing new adds nothing').to.have.length(32);
  });

  it('runs a full sync when the history id has expired (404), without duplicates', async () => {
    const before = (await gmailState())!;
    await control('POST', '/google/history/expire');
    await addMessages([{ from: 'late@client.test', to: [GINA], subject: 'Late', labelIds: ['INBOX'], at: Date.now() - 5_000 }]);
    const state = await syncRound();
    const all = await events();
    expect(all).to.have.length(33);
    expect(new Set(all.map((e) => `${e.remote_id}|${e.counterpart_email}`)).size).to.equal(33);
    expect(all.map((e) => e.counterpart_email)).to.include('late@client.test');
    expect(state.backfill_completed_at!.getTime(), 'a new backfill ran').to.be.greaterThan(before.backfill_completed_at!.getTime());
    expect(Number(state.cursor)).to.be.greaterThan(Number(before.cursor));
  });

  it('refreshes the access token once on a 401 and finishes the round', async () => {
    await connection.reload();
    const tokensBefore = connection.tokens_ciphertext;
    await control('POST', '/faults', { path: '/google/gmail/v1/users/me/history', status: 401, count: 1 });
    await addMessages([{ from: 'refresh@client.test', to: [GINA], subject: 'After refresh', labelIds: ['INBOX'], at: Date.now() - 1_000 }]);
    await syncRound();
    expect(await control<unknown[]>('GET', '/faults'), 'the 401 was served').to.deep.equal([]);
    await connection.reload();
    expect(connection.tokens_ciphertext, 'a new access token was stored').to.not.equal(tokensBefore);
    expect(connection.status).to.equal('active');
    expect(await counterparts({ counterpart_email: 'refresh@client.test' })).to.deep.equal(['refresh@client.test']);
  });

  describe('Gmail quota (per user, units per minute)', () => {
    const QUOTA = 400;
    const perSecond = QUOTA / 60;
    const twentyTwo = (tag: string) => Array.from({ length: 22 }, (_, i) => ({
      from: `${tag}${i + 1}@quota.test`, to: [GINA], subject: `Quota ${tag} ${i + 1}`, labelIds: ['INBOX'], at: Date.now() - (i + 1) * 1000,
    }));

    afterEach(() => control('POST', '/google/quota', { unitsPerMinute: 6000 }));

    it('paces itself to a quota it is configured with: no 429, never above the quota', async () => {
      const previous = process.env.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE;
      process.env.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE = String(QUOTA);
      const paced = await startMetadataRuntime(sb, { workers: true });
      if (previous === undefined) delete process.env.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE;
      else process.env.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE = previous;
      try {
        await control('POST', '/google/quota', { unitsPerMinute: QUOTA });
        await addMessages(twentyTwo('paced'));
        const usage = await control<QuotaReport>('GET', '/google/quota');
        const started = Date.now();
        await syncRound(paced);
        const seconds = (Date.now() - started) / 1000;
        const after = await control<QuotaReport>('GET', '/google/quota');
        const units = after.unitsUsed - usage.unitsUsed;
        expect(after.throttled - usage.throttled, 'no 429').to.equal(0);
        expect(units, 'history.list + 22 × messages.get').to.equal(2 + 22 * 20);
        // A token bucket of one minute's units: at most its capacity plus what refills meanwhile.
        expect(units).to.be.at.most(QUOTA + perSecond * seconds);
        expect(seconds, 'the quota, not the round trips, set the pace').to.be.at.least((units - QUOTA) / perSecond - 0.5);
        expect(await counterparts({ counterpart_email: { [Op.like]: 'paced%' } })).to.have.length(22);
      } finally {
        await paced.close();
      }
    });

    it('honours 429 + Retry-After when Google allows less than it was told, and completes', async () => {
      await control('POST', '/google/quota', { unitsPerMinute: QUOTA });
      await addMessages(twentyTwo('tight'));
      const usage = await control<QuotaReport>('GET', '/google/quota');
      const started = Date.now();
      await syncRound();
      const seconds = (Date.now() - started) / 1000;
      const after = await control<QuotaReport>('GET', '/google/quota');
      expect(after.throttled - usage.throttled, 'Google answered 429 at least once').to.be.greaterThan(0);
      expect(after.throttled - usage.throttled, 'each 429 was waited out rather than retried at once').to.be.at.most(22);
      expect(after.unitsUsed - usage.unitsUsed).to.equal(2 + 22 * 20);
      expect(seconds).to.be.at.least((2 + 22 * 20 - QUOTA) / perSecond - 0.5);
      expect(await counterparts({ counterpart_email: { [Op.like]: 'tight%' } })).to.have.length(22);
      expect((await gmailState())!.error).to.equal(null);
    });
  });

  describe('a backfill interrupted by a worker restart', () => {
    /**
     * A LeadChat worker process as `npm start` runs one (background workers included: they tell a run
     * that the process is stopping), whose quota limiter never holds a call back (the sandbox's quota is off too).
     */
    async function unthrottledWorker(): Promise<MetadataRuntime> {
      const previous = process.env.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE;
      process.env.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE = '1000000';
      try {
        const worker = await startMetadataRuntime(sb);
        await worker.startWorkers();
        return worker;
      } finally {
        if (previous === undefined) delete process.env.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE;
        else process.env.GOOGLE_GMAIL_QUOTA_UNITS_PER_MINUTE = previous;
      }
    }

    after(() => control('POST', '/google/quota', { enabled: true, unitsPerMinute: 6000 }));

    it('resumes from the saved page: nothing lost, nothing twice, the round not started over', async () => {
      await control('POST', '/google/quota', { enabled: false });
      // 1,000 older received messages: with what INBOX holds already, three pages of 500.
      const older = Array.from({ length: 1000 }, (_, i) => ({
        from: `restart${i + 1}@resume.test`, to: [GINA], subject: `Backlog ${i + 1}`, labelIds: ['INBOX'], at: Date.now() - 40 * DAY - i * 60_000,
      }));
      await addMessages(older, false);
      await control('POST', '/google/history/expire');
      const restartEvents = () => counterparts({ counterpart_email: { [Op.like]: 'restart%' } });

      const first = await unthrottledWorker();
      let interrupted: SyncState;
      try {
        await first.http().post(`/api/v1/accounts/${account.id}/integrations/google/sync`).set('api_access_token', account.admin.token).expect(202);
        interrupted = await eventually(async () => {
          const s = await gmailState();
          return s?.page_cursor?.includes('"label":"INBOX"') && s.page_cursor.includes('pageToken') ? s : undefined;
        }, 60_000);
      } finally {
        await first.close();
      }
      interrupted = (await gmailState())!;
      expect(interrupted.status, 'the run ended early, to be resumed').to.equal('pending');
      const partial = (await restartEvents()).length;
      expect(partial, 'the first page was written before the worker stopped').to.be.within(1, 999);
      expect(interrupted.page_cursor, 'the next page to read is saved').to.match(/"pageToken"/);
      const usage = await control<QuotaReport & { requests: Record<string, number> }>('GET', '/google/quota');

      const second = await unthrottledWorker();
      try {
        const state = await syncRound(second);
        const after = await control<QuotaReport & { requests: Record<string, number> }>('GET', '/google/quota');
        expect(after.requests.profile - usage.requests.profile, 'the round went on from its page; it did not start over').to.equal(0);
        const restarted = await restartEvents();
        expect(restarted).to.have.length(1000);
        expect(new Set(restarted).size).to.equal(1000);
        const all = await events();
        expect(new Set(all.map((e) => `${e.remote_id}|${e.counterpart_email}`)).size).to.equal(all.length);
        expect(state.cursor, 'the history id read when the interrupted round began').to.equal(JSON.parse(interrupted.page_cursor!).historyId);
      } finally {
        await second.close();
      }
    });
  });

  // Last: it ends the connection.
  describe('revoked consent', () => {
    it('stops with reauthorization_required when the user revoked access at Google', async () => {
      await connection.reload();
      const tokens = rt.secrets.decryptJson<{ access_token: string; refresh_token: string }>(connection.tokens_ciphertext!);
      const revoke = new URL('revoke', sb.world.google.tokenUrl);
      // What removing the app at myaccount.google.com does: the grant and its access tokens stop working.
      const revoked = await Promise.all([tokens.refresh_token, tokens.access_token].map((token) =>
        fetch(revoke, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() })));
      expect(revoked[0]!.status, 'the refresh token is revoked').to.equal(200);
      await rt.http().post(`/api/v1/accounts/${account.id}/integrations/google/sync`).set('api_access_token', account.admin.token).expect(202);
      const state = await eventually(async () => {
        const s = await gmailState();
        return s?.status === 'error' ? s : undefined;
      }, 30_000);
      expect(state.error).to.match(/google/i);
      await connection.reload();
      expect(connection.status).to.equal('reauthorization_required');
      const card = await rt.http().get(`/api/v1/accounts/${account.id}/integrations/metadata_sync`).set('api_access_token', account.admin.token).expect(200);
      expect(card.body.google.connection.status).to.equal('reauthorization_required');
    });
  });
});
