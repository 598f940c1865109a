// Google stand-in, mounted at /google: OAuth 2.0 (authorize with include_granted_scopes, token,
// refresh), Gmail users.getProfile / messages.list / messages.get / history.list and Calendar
// events.list, with Google's error envelope {"error":{"code","message","status"}}.
import crypto from 'node:crypto';
import express, { type Request } from 'express';
import type { World } from '../world/world.js';
import type { Faults } from '../http/faults.js';
import { seedGoogle } from '../world/seed.js';
import type { GoogleIdTokens } from './google-id-tokens.js';
import { errorPage, signInAndConsentPage } from '../entra/pages.js';
import { GoogleData, OWNER, type GoogleEvent } from './google-data.js';
import { GoogleError, googleErrorHandler } from './google-errors.js';
import { GmailQuota } from './gmail-quota.js';
import { googleEventTime } from './event-time.js';

const SCOPE_BASE = 'https://www.googleapis.com/auth/';
const GMAIL_READ = ['gmail.metadata', 'gmail.readonly', 'gmail.modify', 'https://mail.google.com/'].map((s) => (s.startsWith('https') ? s : SCOPE_BASE + s));
const CALENDAR_READ = ['calendar', 'calendar.readonly', 'calendar.events', 'calendar.events.readonly'].map((s) => SCOPE_BASE + s);
const TOKEN_LIFETIME_S = 3599;

const HISTORY_TYPES = ['messageAdded', 'messageDeleted', 'labelAdded', 'labelRemoved'];

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

export interface GoogleStandIn {
  router: express.Router;
  data: GoogleData;
  quota: GmailQuota;
  /** An event as events.list renders it for its owner. */
  renderEvent(e: GoogleEvent): Record<string, unknown>;
  idTokens: GoogleIdTokens;
  expireHistory(): void;
}

export function createGoogle(o: { world: World; faults: Faults; lifetimeSeconds: () => number; idTokens: GoogleIdTokens }): GoogleStandIn {
  const data = new GoogleData();
  const quota = new GmailQuota();
  o.world.onReset(() => {
    data.reset();
    quota.reset();
  });
  const router = express.Router();
  const pending = new Map<string, { clientId: string; redirectUri: string; state?: string; scopes: Set<string>; challenge: string | null; method: string | null; offline: boolean; includeGranted: boolean; loginHint?: string; nonce?: string }>();
  router.use(o.faults.middleware());
  router.use(express.urlencoded({ extended: false }));

  // ---- OAuth ------------------------------------------------------------------------------------
  router.get('/o/oauth2/v2/auth', (req, res) => {
    const q = req.query as Record<string, unknown>;
    if (str(q.client_id) !== seedGoogle.client.clientId) return void res.status(401).type('html').send(errorPage('invalid_client', 'The OAuth client was not found.'));
    const redirectUri = str(q.redirect_uri) ?? '';
    let loopback = false;
    try {
      loopback = ['localhost', '127.0.0.1'].includes(new URL(redirectUri).hostname);
    } catch { /* not a URL */ }
    if (!loopback) return void res.status(400).type('html').send(errorPage('redirect_uri_mismatch', `The redirect URI ${redirectUri} is not registered for this client.`));
    const scopes = new Set((str(q.scope) ?? '').split(/\s+/).filter(Boolean));
    if (scopes.size === 0) return void res.redirect(302, `${redirectUri}?error=invalid_scope${q.state ? `&state=${encodeURIComponent(String(q.state))}` : ''}`);
    const id = crypto.randomBytes(16).toString('base64url');
    pending.set(id, {
      clientId: seedGoogle.client.clientId, redirectUri, state: str(q.state), scopes,
      challenge: str(q.code_challenge) ?? null, method: str(q.code_challenge) ? (str(q.code_challenge_method) ?? 'plain') : null,
      offline: str(q.access_type) === 'offline', includeGranted: str(q.include_granted_scopes) === 'true', loginHint: str(q.login_hint), nonce: str(q.nonce),
    });
    res.type('html').send(signInAndConsentPage({
      action: `${req.baseUrl}/o/oauth2/v2/auth`, requestId: id, appName: 'LeadChat (Google)', loginHint: str(q.login_hint),
      users: data.users.map((u) => ({ upn: u.email, displayName: u.name })), permissions: [...scopes], heading: 'Sign in with Google',
    }));
  });

  router.post('/o/oauth2/v2/auth', (req, res) => {
    const body = req.body as Record<string, unknown>;
    const p = pending.get(str(body.request) ?? '');
    if (!p) return void res.status(400).type('html').send(errorPage('invalid_request', 'Unknown or expired sign-in request.'));
    const back = new URL(p.redirectUri);
    if (p.state !== undefined) back.searchParams.set('state', p.state);
    if (str(body.decision) !== 'accept') {
      pending.delete(str(body.request) ?? '');
      back.searchParams.set('error', 'access_denied');
      return void res.redirect(302, back.toString());
    }
    const user = data.users.find((u) => u.email === str(body.login));
    if (!user || user.password !== str(body.password)) {
      return void res.status(400).type('html').send(signInAndConsentPage({
        action: `${req.baseUrl}/o/oauth2/v2/auth`, requestId: String(body.request), appName: 'LeadChat (Google)', loginHint: p.loginHint,
        users: data.users.map((u) => ({ upn: u.email, displayName: u.name })), permissions: [...p.scopes], heading: 'Sign in with Google',
        error: 'Wrong password. Try again.',
      }));
    }
    pending.delete(String(body.request));
    const key = `${user.email}|${p.clientId}`;
    const previously = data.granted.get(key) ?? new Set<string>();
    const scopes = p.includeGranted ? new Set([...previously, ...p.scopes]) : new Set(p.scopes);
    data.granted.set(key, new Set([...previously, ...p.scopes]));
    const code = `4/${crypto.randomBytes(24).toString('base64url')}`;
    data.codes.set(code, { email: user.email, clientId: p.clientId, redirectUri: p.redirectUri, scopes, challenge: p.challenge, method: p.method, offline: p.offline, nonce: p.nonce, expiresAt: Date.now() + 10 * 60_000 });
    back.searchParams.set('code', code);
    back.searchParams.set('scope', [...scopes].join(' '));
    res.redirect(302, back.toString());
  });

  function issueAccess(email: string, clientId: string, scopes: Set<string>): Record<string, unknown> {
    const token = `ya29.sandbox-${crypto.randomBytes(24).toString('base64url')}`;
    const lifetime = Math.min(TOKEN_LIFETIME_S, o.lifetimeSeconds());
    data.accessTokens.set(token, { email, clientId, scopes, expiresAt: Date.now() + lifetime * 1000 });
    return { access_token: token, expires_in: lifetime, scope: [...scopes].join(' '), token_type: 'Bearer' };
  }

  router.get('/oauth2/v3/certs', (_req, res) => { res.json({ keys: [o.idTokens.jwk] }); });

  router.post('/token', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    if (str(body.client_id) !== seedGoogle.client.clientId || str(body.client_secret) !== seedGoogle.client.clientSecret) {
      return void res.status(401).json({ error: 'invalid_client', error_description: 'Unauthorized' });
    }
    if (str(body.grant_type) === 'authorization_code') {
      const code = data.codes.get(str(body.code) ?? '');
      data.codes.delete(str(body.code) ?? '');
      if (!code || code.expiresAt < Date.now() || code.redirectUri !== str(body.redirect_uri)) {
        return void res.status(400).json({ error: 'invalid_grant', error_description: 'Bad Request' });
      }
      if (code.challenge) {
        const v = str(body.code_verifier) ?? '';
        const computed = code.method === 'S256' ? crypto.createHash('sha256').update(v).digest('base64url') : v;
        if (computed !== code.challenge) return void res.status(400).json({ error: 'invalid_grant', error_description: 'Invalid code verifier.' });
      }
      const out = issueAccess(code.email, code.clientId, code.scopes);
      if (code.offline) {
        const refresh = `1//sandbox-${crypto.randomBytes(24).toString('base64url')}`;
        data.refreshTokens.set(refresh, { email: code.email, clientId: code.clientId, revoked: false });
        out.refresh_token = refresh;
        out.refresh_token_expires_in = 604799;
      }
      const user = data.users.find((u) => u.email === code.email);
      if (code.scopes.has('openid') && user) {
        out.id_token = await o.idTokens.sign({ sub: user.id, email: user.email, name: user.name, aud: code.clientId, nonce: code.nonce }, Number(out.expires_in));
      }
      return void res.json(out);
    }
    if (str(body.grant_type) === 'refresh_token') {
      const grant = data.refreshTokens.get(str(body.refresh_token) ?? '');
      if (!grant || grant.revoked) return void res.status(400).json({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      // Google does not rotate refresh tokens; scopes are everything granted so far.
      return void res.json(issueAccess(grant.email, grant.clientId, data.granted.get(`${grant.email}|${grant.clientId}`) ?? new Set()));
    }
    res.status(400).json({ error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' });
  });

  router.post('/revoke', (req, res) => {
    const token = str((req.body as Record<string, unknown>).token) ?? str(req.query.token) ?? '';
    const grant = data.refreshTokens.get(token);
    if (grant) grant.revoked = true;
    data.accessTokens.delete(token);
    res.status(grant ? 200 : 400).json(grant ? {} : { error: 'invalid_token', error_description: 'Token expired or revoked' });
  });

  // ---- APIs -------------------------------------------------------------------------------------
  function authorize(req: Request, wanted: string[]): { email: string; scopes: Set<string> } {
    const token = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1] ?? '';
    const grant = data.accessTokens.get(token);
    if (!grant || grant.expiresAt < Date.now()) {
      throw new GoogleError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'UNAUTHENTICATED', 'authError');
    }
    if (!wanted.some((w) => grant.scopes.has(w))) throw new GoogleError(403, 'Request had insufficient authentication scopes.', 'PERMISSION_DENIED', 'insufficientPermissions');
    const userId = String(req.params.userId ?? 'me');
    if (userId !== 'me' && userId !== grant.email) throw new GoogleError(403, 'Delegation denied for ' + grant.email, 'PERMISSION_DENIED', 'forbidden');
    return grant;
  }

  const metadataOnly = (scopes: Set<string>): boolean => !GMAIL_READ.filter((s) => !s.endsWith('gmail.metadata')).some((s) => scopes.has(s));

  router.get('/gmail/v1/users/:userId/profile', (req, res) => {
    const grant = authorize(req, GMAIL_READ);
    quota.charge(grant.email, 'profile');
    res.json({ emailAddress: grant.email, messagesTotal: data.messages.length, threadsTotal: data.messages.length, historyId: String(data.historyId) });
  });

  router.get('/gmail/v1/users/:userId/messages', (req, res) => {
    const grant = authorize(req, GMAIL_READ);
    quota.charge(grant.email, 'list');
    const q = req.query as Record<string, unknown>;
    if (str(q.q) && metadataOnly(grant.scopes)) throw new GoogleError(403, "Metadata scope does not support 'q' parameter", 'PERMISSION_DENIED', 'forbidden');
    const max = Math.min(Number(str(q.maxResults) ?? 100) || 100, 500);
    const labels = list(q.labelIds);
    const matching = data.messages
      .filter((m) => labels.every((l) => m.labelIds.includes(l)))
      .filter((m) => !str(q.q) || m.headers.some((h) => h.value.toLowerCase().includes(String(q.q).toLowerCase())))
      .sort((a, b) => b.internalDate - a.internalDate);
    const offset = Number(str(q.pageToken) ? Buffer.from(String(q.pageToken), 'base64url').toString() : 0) || 0;
    const page = matching.slice(offset, offset + max);
    res.json({
      messages: page.map((m) => ({ id: m.id, threadId: m.threadId })),
      ...(offset + max < matching.length ? { nextPageToken: Buffer.from(String(offset + max)).toString('base64url') } : {}),
      resultSizeEstimate: matching.length,
    });
  });

  router.get('/gmail/v1/users/:userId/messages/:id', (req, res) => {
    const grant = authorize(req, GMAIL_READ);
    quota.charge(grant.email, 'get');
    const format = str(req.query.format) ?? 'full';
    if (format !== 'metadata' && format !== 'minimal' && metadataOnly(grant.scopes)) {
      throw new GoogleError(403, `Metadata scope doesn't allow format ${format.toUpperCase()}`, 'PERMISSION_DENIED', 'forbidden');
    }
    const m = data.message(req.params.id);
    if (!m) throw new GoogleError(404, 'Requested entity was not found.', 'NOT_FOUND', 'notFound');
    const wanted = list(req.query.metadataHeaders).map((h) => h.toLowerCase());
    const headers = wanted.length ? m.headers.filter((h) => wanted.includes(h.name.toLowerCase())) : m.headers;
    res.json({
      id: m.id, threadId: m.threadId, labelIds: m.labelIds, snippet: m.snippet, historyId: String(m.historyId),
      internalDate: String(m.internalDate), sizeEstimate: m.sizeEstimate,
      ...(format === 'minimal' ? {} : { payload: { partId: '', mimeType: 'text/plain', filename: '', headers, body: { size: 0 } } }),
    });
  });

  router.get('/gmail/v1/users/:userId/history', (req, res) => {
    const grant = authorize(req, GMAIL_READ);
    quota.charge(grant.email, 'history');
    const start = Number(str(req.query.startHistoryId));
    if (!Number.isInteger(start)) throw new GoogleError(400, 'Invalid startHistoryId', 'INVALID_ARGUMENT', 'invalidArgument');
    if (start < data.minHistoryId) throw new GoogleError(404, 'Requested entity was not found.', 'NOT_FOUND', 'notFound');
    const types = list(req.query.historyTypes);
    const unknown = types.find((t) => !HISTORY_TYPES.includes(t));
    if (unknown) throw new GoogleError(400, `Invalid value at 'history_types' (${unknown})`, 'INVALID_ARGUMENT', 'invalidArgument');
    const label = str(req.query.labelId);
    const records = data.history.filter((h) => h.id > start && (!label || h.labelIds.includes(label)) && (types.length === 0 || types.includes(h.type)));
    const max = Math.min(Number(str(req.query.maxResults) ?? 100) || 100, 500);
    const offset = Number(str(req.query.pageToken) ? Buffer.from(String(req.query.pageToken), 'base64url').toString() : 0) || 0;
    const page = records.slice(offset, offset + max);
    res.json({
      ...(page.length ? {
        history: page.map((h) => {
          const message = { id: h.messageId, threadId: h.threadId, labelIds: h.labelIds };
          return {
            id: String(h.id), messages: [{ id: h.messageId, threadId: h.threadId }],
            ...(h.type === 'messageAdded' ? { messagesAdded: [{ message }] } : { messagesDeleted: [{ message }] }),
          };
        }),
      } : {}),
      ...(offset + max < records.length ? { nextPageToken: Buffer.from(String(offset + max)).toString('base64url') } : {}),
      historyId: String(data.historyId),
    });
  });

  function renderEvent(e: GoogleEvent, owner: string, instance?: { startMs: number; index: number }): Record<string, unknown> {
    const start = instance?.startMs ?? e.startMs;
    const duration = e.endMs - e.startMs;
    const time = (ms: number) => googleEventTime(ms, e.timeZone, e.allDay);
    const organizerIsSelf = e.organizer === owner;
    return {
      kind: 'calendar#event', etag: `"${e.seq}000"`, id: instance ? `${e.id}_${new Date(start).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}` : e.id,
      status: e.status, htmlLink: `https://calendar.google.test/event?eid=${e.id}`, created: e.created, updated: e.updated,
      summary: e.summary,
      creator: { email: e.organizer, ...(organizerIsSelf ? { self: true } : {}) },
      organizer: { email: e.organizer, ...(organizerIsSelf ? { self: true } : {}) },
      start: time(start), end: time(start + duration),
      iCalUID: `${e.id}@google.test`, sequence: 0,
      attendees: e.attendees.map((a) => ({ ...a })),
      reminders: { useDefault: true }, eventType: 'default',
      ...(e.recurringWeekly && !instance ? { recurrence: [`RRULE:FREQ=WEEKLY;COUNT=${e.recurringWeekly}`] } : {}),
      ...(instance ? { recurringEventId: e.id, originalStartTime: time(start) } : {}),
    };
  }

  router.get('/calendar/v3/calendars/:calendarId/events', (req, res) => {
    const grant = authorize(req, CALENDAR_READ);
    const calendarId = req.params.calendarId;
    if (calendarId !== 'primary' && calendarId !== grant.email) throw new GoogleError(404, 'Not Found', 'NOT_FOUND', 'notFound');
    const q = req.query as Record<string, unknown>;
    const syncToken = str(q.syncToken);
    let sinceSeq: number | null = null;
    if (syncToken) {
      if (str(q.timeMin) || str(q.timeMax)) throw new GoogleError(400, 'Sync token cannot be used with timeMin or timeMax.', 'INVALID_ARGUMENT', 'invalid');
      const seq = data.syncTokens.get(syncToken);
      if (seq === undefined) throw new GoogleError(410, 'Sync token is no longer valid, a full sync is required.', 'GONE', 'fullSyncRequired');
      sinceSeq = seq;
    }
    const showDeleted = sinceSeq !== null || str(q.showDeleted) === 'true';
    const single = str(q.singleEvents) === 'true';
    const timeMin = str(q.timeMin) ? Date.parse(String(q.timeMin)) : -Infinity;
    const timeMax = str(q.timeMax) ? Date.parse(String(q.timeMax)) : Infinity;
    const items: Record<string, unknown>[] = [];
    for (const e of [...data.events].sort((a, b) => a.startMs - b.startMs)) {
      if (sinceSeq !== null && e.seq <= sinceSeq) continue;
      if (e.status === 'cancelled' && !showDeleted) continue;
      const starts = single && e.recurringWeekly ? Array.from({ length: e.recurringWeekly }, (_, i) => e.startMs + i * 7 * 24 * 3600_000) : [e.startMs];
      starts.forEach((s, index) => {
        if (s + (e.endMs - e.startMs) <= timeMin || s >= timeMax) return;
        items.push(renderEvent(e, grant.email, single && e.recurringWeekly ? { startMs: s, index } : undefined));
      });
    }
    const max = Math.min(Number(str(q.maxResults) ?? 250) || 250, 2500);
    const offset = Number(str(q.pageToken) ? Buffer.from(String(q.pageToken), 'base64url').toString() : 0) || 0;
    const page = items.slice(offset, offset + max);
    const more = offset + max < items.length;
    res.json({
      kind: 'calendar#events', etag: `"${data.seq}"`, summary: grant.email, description: '', updated: new Date().toISOString(),
      timeZone: 'UTC', accessRole: 'owner', defaultReminders: [{ method: 'popup', minutes: 10 }],
      ...(more ? { nextPageToken: Buffer.from(String(offset + max)).toString('base64url') } : { nextSyncToken: data.issueSyncToken() }),
      items: page,
    });
  });

  router.use((_req, _res, next) => next(new GoogleError(404, 'Not Found', 'NOT_FOUND', 'notFound')));
  router.use(googleErrorHandler);

  return { router, data, idTokens: o.idTokens, quota, renderEvent: (e) => renderEvent(e, OWNER), expireHistory: () => data.expireHistory() };
}
