// Fidelity: every Graph sample in ../shared/corpus/graph is either compared (same keys, same JSON
// types) with the sandbox's answer to the equivalent request, or listed as not served with a reason.
// The corpus is third-party data read in place; without ../shared the test is skipped.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Client } from '@microsoft/microsoft-graph-client';
import { controlFetch, eventually, repoRoot, startTestSandbox, startWebhook, type TestSandbox } from './helpers.js';

const corpusDir = path.resolve(repoRoot, '..', 'shared', 'corpus', 'graph');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const NOT_SERVED: Record<string, string> = {
  'batch-response-with-401.json': 'JSON $batch is not served by the sandbox (the product does not batch)',
  'notification-eventhub-validation.json': 'Event Hubs delivery is not modelled; notifications go to webhooks',
  'notification-with-validationTokens.jsonc': 'rich notifications (includeResourceData) are not modelled',
  'notification-encrypted-resource-data.jsonc': 'rich notifications (encrypted resource data) are not modelled',
};

/** Differences the published samples have from what Graph really returns; each must still be observed. */
const ERRATA: { file: string; path: string; reason: string }[] = [
  { file: 'message-delta-04-next-round-removed.json', path: '$.value[].isRead', reason: 'the doc sample has "isRead": "true" (a string); Graph returns a boolean' },
  { file: 'error-generic-format.json', path: '$.error.innerError.requestId', reason: 'the archived doc names it requestId; Graph sends "request-id" (as error-501 and error-429 do)' },
];

const typeOf = (v: Json | undefined): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Sample keys must exist in the actual value with the same JSON type; with `exact`, no extra keys either. */
function shapeDiff(sample: Json, actual: Json | undefined, at: string, exact: boolean): string[] {
  if (sample === null) return [];
  if (typeOf(sample) !== typeOf(actual)) return [`${at}: ${typeOf(actual)} instead of ${typeOf(sample)}`];
  if (Array.isArray(sample)) {
    const items = actual as Json[];
    if (sample.length === 0) return [];
    if (items.length === 0) return [`${at}: empty array, sample has items`];
    return sample.flatMap((s) => {
      const best = items.map((a) => shapeDiff(s, a, `${at}[]`, exact)).sort((x, y) => x.length - y.length)[0] ?? [];
      return best;
    });
  }
  if (typeof sample === 'object') {
    const act = actual as Record<string, Json>;
    const diffs = Object.entries(sample).flatMap(([k, v]) => (k in act ? shapeDiff(v, act[k], `${at}.${k}`, exact) : [`${at}.${k}: missing`]));
    if (exact) diffs.push(...Object.keys(act).filter((k) => !(k in sample)).map((k) => `${at}.${k}: extra key`));
    return diffs;
  }
  return [];
}

function parseJsonFile(file: string): Json {
  return JSON.parse(fs.readFileSync(path.join(corpusDir, file), 'utf8')) as Json;
}

describe('sandbox: Graph fidelity against ../shared/corpus/graph', function () {
  this.timeout(60_000);
  let sb: TestSandbox;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  const actual = new Map<string, { body: Json; exact: boolean }>();
  const observedErrata = new Set<string>();

  before(async function () {
    if (!fs.existsSync(corpusDir)) {
      // eslint-disable-next-line no-console
      console.log(`      skipped: Graph corpus not found at ${corpusDir} (it lives in ../shared beside the repository)`);
      this.skip();
    }
    sb = await startTestSandbox();
    webhook = await startWebhook();
    await collect();
  });
  after(async () => {
    await webhook?.close();
    await sb?.close();
  });

  const graph = (token: string): Client => Client.init({ baseUrl: sb.world.microsoft.graphBaseUrl, customHosts: new Set([sb.world.microsoft.graphHost]), authProvider: (d) => d(null, token) });

  /** Issues the requests equivalent to each sample and keeps the sandbox's answers. */
  async function collect(): Promise<void> {
    const bob = graph(await sb.control.issueToken({ user: 'bob@contoso.test', scopes: ['Mail.ReadWrite.Shared', 'Mail.Send.Shared'] }));
    // The documented request: $select and page size come from the sample request itself.
    const request = fs.readFileSync(path.join(corpusDir, 'message-delta-01-initial.request.http'), 'utf8');
    const select = request.match(/\$select=([^\s&]+)/)?.[1] ?? '';
    const prefer = request.match(/^Prefer:\s*(.+)$/m)?.[1]?.trim() ?? '';
    for (let i = 0; i < 4; i += 1) await controlFetch(sb, 'POST', '/mail/deliver', { to: 'sales@contoso.test', subject: `Fidelity ${i}` });
    const folder = '/users/sales@contoso.test/mailFolders/inbox/messages/delta';
    const pages: Json[] = [];
    let page = await bob.api(`${folder}?$select=${select}`).header('Prefer', prefer).get() as Record<string, Json>;
    pages.push(page);
    while (page['@odata.nextLink']) {
      page = await bob.api(String(page['@odata.nextLink'])).header('Prefer', prefer).get() as Record<string, Json>;
      pages.push(page);
    }
    expect(pages, 'five messages in pages of two').to.have.length(3);
    const ids = pages.flatMap((p) => ((p as { value: { id: string }[] }).value).map((m) => m.id));
    await bob.api(`/users/sales@contoso.test/messages/${ids[0]}`).delete();
    await bob.api(`/users/sales@contoso.test/messages/${ids[1]}`).patch({ isRead: true });
    // The read message comes back as a partial update (id, isRead, changeKey); the sample's full item is a new arrival.
    await controlFetch(sb, 'POST', '/mail/deliver', { to: 'sales@contoso.test', subject: 'Fidelity next round' });
    const round2 = await bob.api(String(page['@odata.deltaLink'])).get() as Json;
    ['01-initial-nextlink', '02-second-nextlink', '03-final-deltalink'].forEach((n, i) => actual.set(`message-delta-${n}.json`, { body: pages[i] as Json, exact: true }));
    actual.set('message-delta-04-next-round-removed.json', { body: round2, exact: true });

    const alice = graph(await sb.control.issueToken({ user: 'alice@contoso.test', scopes: ['Calendars.Read', 'Mail.Read'] }));
    const w = `startDateTime=${new Date(Date.now() - 30 * 86_400_000).toISOString()}&endDateTime=${new Date(Date.now() + 30 * 86_400_000).toISOString()}`;
    const calPages: Json[] = [];
    let cal = await alice.api(`/me/calendarView/delta?${w}`).header('Prefer', 'odata.maxpagesize=2').get() as Record<string, Json>;
    calPages.push(cal);
    while (cal['@odata.nextLink']) {
      cal = await alice.api(String(cal['@odata.nextLink'])).header('Prefer', 'odata.maxpagesize=2').get() as Record<string, Json>;
      calPages.push(cal);
    }
    await controlFetch(sb, 'DELETE', '/calendar/alice@contoso.test/events/AAMkAGEvt-alice-003');
    const review = sb.control.upsertEvent('alice@contoso.test', { id: 'AAMkAGEvt-alice-002', subject: 'Quarterly review (moved)', start: new Date(Date.now() + 86_400_000).toISOString(), end: new Date(Date.now() + 90_000_000).toISOString() });
    review.location = { displayName: 'Contoso HQ', address: { street: '1 Main Street', city: 'Seattle', state: 'WA', countryOrRegion: 'United States', postalCode: '98101' }, coordinates: { latitude: 47.6, longitude: -122.3 } };
    const calRound2 = await alice.api(String(cal['@odata.deltaLink'])).get() as Json;
    ['01-initial-nextlink', '02-second-nextlink', '03-final-deltalink'].forEach((n, i) => actual.set(`calendarview-delta-${n}.json`, { body: calPages[i] as Json, exact: false }));
    actual.set('calendarview-delta-04-next-round-removed.json', { body: calRound2, exact: false });

    const app = graph(await sb.control.issueToken({ roles: ['Mail.Read'] }));
    const sub = await app.api('/subscriptions').post({
      changeType: 'created', notificationUrl: `${webhook.url}/notify`, lifecycleNotificationUrl: `${webhook.url}/lifecycle`,
      resource: "users/support@contoso.test/mailFolders('inbox')/messages", clientState: 'fidelity', expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
    }) as { id: string };
    await controlFetch(sb, 'POST', '/mail/deliver', { to: 'support@contoso.test', subject: 'Fidelity notification' });
    actual.set('notification-message-created.json', { body: (await eventually(async () => webhook.received.find((r) => r.path === '/notify'))).body as Json, exact: false });
    for (const event of ['missed', 'reauthorizationRequired', 'subscriptionRemoved']) {
      await controlFetch(sb, 'POST', `/graph/subscriptions/${sub.id}/lifecycle`, { event });
      const got = await eventually(async () => webhook.received.find((r) => r.path === '/lifecycle' && JSON.stringify(r.body).includes(event)));
      actual.set(`lifecycle-${event}.json`, { body: got.body as Json, exact: false });
    }

    const token = await sb.control.issueToken({ user: 'alice@contoso.test', scopes: ['Mail.ReadWrite.Shared'] });
    const raw = async (url: string) => fetch(`${sb.world.microsoft.graphBaseUrl}/v1.0${url}`, { headers: { authorization: `Bearer ${token}` } });
    const notImplemented = await raw('/users/support@contoso.test/messages/delta');
    actual.set('error-501-not-implemented.json', { body: await notImplemented.json() as Json, exact: false });
    actual.set('error-generic-format.json', { body: await (await raw('/users/support@contoso.test/messages/AAMkADbm90LWFuLWlk')).json() as Json, exact: false });
    await controlFetch(sb, 'POST', '/graph/limits', { budgetPer10Min: 1 });
    await raw('/users/support@contoso.test/mailFolders/inbox');
    const throttled = await raw('/users/support@contoso.test/mailFolders/inbox');
    await controlFetch(sb, 'POST', '/graph/limits', { budgetPer10Min: 10_000 });
    actual.set('error-429-throttled.json', { body: await throttled.json() as Json, exact: false });
    actual.set('error-429-throttled.http', { body: { status: throttled.status, contentType: throttled.headers.get('content-type'), retryAfter: throttled.headers.get('retry-after') }, exact: false });
  }

  it('classifies every sample in the corpus (compared or not served, with a reason)', () => {
    const files = fs.readdirSync(corpusDir).sort();
    const handled = new Set([...actual.keys(), ...Object.keys(NOT_SERVED), 'message-delta-01-initial.request.http', 'notification-validation-request.http']);
    expect(files.filter((f) => !handled.has(f)), 'samples nobody compares').to.deep.equal([]);
  });

  it('matches the keys and value types of every JSON sample it serves', () => {
    const failures: string[] = [];
    for (const [file, { body, exact }] of actual) {
      if (!file.endsWith('.json')) continue;
      const diffs = shapeDiff(parseJsonFile(file), body, '$', exact);
      for (const d of diffs) {
        const erratum = ERRATA.find((e) => e.file === file && d.startsWith(e.path));
        if (erratum) observedErrata.add(`${file}|${erratum.path}`);
        else failures.push(`${file}: ${d}`);
      }
    }
    expect(failures).to.deep.equal([]);
    expect([...observedErrata].sort(), 'every listed erratum is still real').to.deep.equal(ERRATA.map((e) => `${e.file}|${e.path}`).sort());
  });

  it('throttles like error-429-throttled.http: 429, JSON, numeric Retry-After', () => {
    const http = fs.readFileSync(path.join(corpusDir, 'error-429-throttled.http'), 'utf8');
    const got = actual.get('error-429-throttled.http')?.body as { status: number; contentType: string; retryAfter: string };
    expect(got.status).to.equal(Number(http.match(/^HTTP\/1\.1 (\d{3})/)?.[1]));
    expect(got.contentType).to.contain(http.match(/^Content-Type: (.+)$/m)?.[1]?.trim() ?? '?');
    expect(Number(got.retryAfter)).to.be.greaterThan(0);
  });

  it('validates subscriptions like notification-validation-request.http: POST ?validationToken=... as text/plain', () => {
    const http = fs.readFileSync(path.join(corpusDir, 'notification-validation-request.http'), 'utf8');
    const contentType = http.match(/^Content-Type: ([^;\s]+)/m)?.[1];
    expect(http).to.match(/^POST .*\?validationToken=/m);
    expect(webhook.validations.length).to.be.greaterThan(0);
    for (const v of webhook.validations) {
      expect(v.method).to.equal('POST');
      expect(v.contentType).to.contain(contentType ?? '?');
      expect(v.token.length).to.be.greaterThan(0);
    }
  });
});
