// Microsoft Graph v1.0 stand-in, mounted at /v1.0. Order per request: token, addressed mailbox,
// throttling (per app and mailbox), injected faults, then the operation and its permission checks.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { World, Mailbox } from '../world/world.js';
import { GRAPH_RESOURCE } from '../world/seed.js';
import { TokenError, type Principal, type TokenService } from '../entra/tokens.js';
import type { Faults } from '../http/faults.js';
import type { PostOffice } from '../mail/post-office.js';
import { GraphError, badRequest, graphErrorHandler, requestIds } from './graph-errors.js';
import { canMail, requireCalendar, requireMail, requireUserRead } from './graph-access.js';
import { MessageReader, changeKey, decodeMessageId, folderId, messageId, partialMessage } from './messages.js';
import { matches, parseFilter, type Comparison, parseOrderBy, parseSelect, parseSkip, parseTop, pick, preferences } from './odata.js';
import { DeltaTracker } from './delta.js';
import { Subscriptions, type LifecycleEvent } from './subscriptions.js';
import { eventVersion, overlaps, renderEvent, resolveTimeZone } from './calendar.js';
import { sendMail } from './send-mail.js';
import { Drafts } from './drafts.js';
import type { Throttle } from './throttle.js';
import { RequestCounter } from './request-counter.js';

interface Target { mailbox: Mailbox; prefix: string }

/** Graph writes OData options with a literal `$` ($skip=10), as clients and samples expect. */
function nextLink(base: string, query: Request['query'], skip: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (typeof v === 'string' && k !== '$skip') params.set(k, v);
  params.set('$skip', String(skip));
  return `${base}?${params.toString().replace(/%24/g, '$')}`;
}

const BODY_FIELDS = ['body', 'bodyPreview', 'uniqueBody'];
/** Graph honours `Prefer: odata.maxpagesize` on message delta up to this many. */
const MAX_DELTA_PAGE = 1000;

export interface GraphStandIn {
  router: express.Router;
  /** The upload URLs of attachment upload sessions (Outlook's host in Microsoft 365), mounted at /api/v2.0. */
  uploads: express.Router;
  subscriptions: Subscriptions;
  delta: DeltaTracker;
  requests: RequestCounter;
  fireLifecycle(id: string, event: LifecycleEvent): ReturnType<Subscriptions['fireLifecycle']>;
}

export function createGraph(o: {
  world: World; tokens: TokenService; faults: Faults; throttle: Throttle; postOffice: PostOffice;
  reader: MessageReader; baseUrl: () => string; logger: Logger;
}): GraphStandIn {
  const { world, tokens, reader } = o;
  const delta = new DeltaTracker();
  const subscriptions = new Subscriptions(world, reader, o.postOffice, o.baseUrl, o.logger);
  const requests = new RequestCounter();
  const drafts = new Drafts(world, o.postOffice, o.baseUrl);
  world.onReset(() => {
    delta.expireAll();
    requests.reset();
  });
  const v1 = (): string => `${o.baseUrl()}/v1.0`;

  const router = express.Router();
  const principalOf = (res: Response): Principal => res.locals.principal as Principal;
  const targetOf = (res: Response): Target => res.locals.target as Target;

  router.use(requests.middleware((res) => (res.locals.target as Target | undefined)?.mailbox.address));

  router.use((req, res, next) => {
    const { requestId, clientRequestId } = requestIds(req);
    res.set({ 'request-id': requestId, 'client-request-id': clientRequestId, 'x-ms-ags-diagnostic': '{"ServerInfo":{"DataCenter":"Sandbox"}}' });
    // Graph accepts mailFolders('inbox') as well as mailFolders/inbox.
    req.url = req.url.replace(/\/mailFolders\('([^']+)'\)/i, '/mailFolders/$1');
    next();
  });

  router.use(async (req, res, next) => {
    const bearer = req.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    try {
      res.locals.principal = await tokens.verify(bearer, GRAPH_RESOURCE);
      next();
    } catch (err) {
      if (!(err instanceof TokenError)) return next(err);
      res.set('WWW-Authenticate', `Bearer realm="", authorization_uri="${o.baseUrl()}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`);
      next(new GraphError(401, 'InvalidAuthenticationToken', err.message));
    }
  });

  // Graph refuses any request body over 4 MB with 413 (graphErrorHandler turns the parser's refusal into Graph's body).
  router.use(express.json({ limit: '4mb' }));
  router.use(express.text({ type: 'text/plain', limit: '4mb' }));

  // ---- subscriptions (not tied to one mailbox in the URL) --------------------------------------
  const subs = express.Router();
  subs.use(o.throttle.middleware((req) => `${principalOf(req.res as Response).clientId}|subscriptions`), o.faults.middleware());
  subs.post('/', async (req, res) => {
    const sub = await subscriptions.create(principalOf(res), (req.body ?? {}) as Record<string, unknown>);
    res.status(201).json(subscriptions.render(sub, true));
  });
  subs.get('/', (_req, res) => {
    res.json({ '@odata.context': `${v1()}/$metadata#subscriptions`, value: subscriptions.list(principalOf(res)).map((s) => subscriptions.render(s, false)) });
  });
  subs.get('/:id', (req, res) => {
    res.json(subscriptions.render(subscriptions.get(principalOf(res), req.params.id), true));
  });
  subs.patch('/:id', (req, res) => {
    res.json(subscriptions.render(subscriptions.renew(principalOf(res), req.params.id, (req.body ?? {}) as Record<string, unknown>), true));
  });
  subs.delete('/:id', (req, res) => {
    subscriptions.remove(principalOf(res), req.params.id);
    res.status(204).end();
  });
  subs.post('/:id/reauthorize', (req, res) => {
    subscriptions.get(principalOf(res), req.params.id);
    res.status(204).end();
  });
  router.use('/subscriptions', subs);

  // ---- the addressed mailbox: /me or /users/{id|upn} --------------------------------------------
  function resolveTarget(req: Request, res: Response, next: NextFunction): void {
    const principal = principalOf(res);
    const param = req.params.user;
    if (param === undefined) {
      if (principal.kind !== 'delegated') return next(badRequest('/me request is only valid with delegated authentication flow.'));
      const mailbox = world.findMailbox(principal.user.upn) as Mailbox;
      res.locals.target = { mailbox, prefix: 'me' } satisfies Target;
      return next();
    }
    const key = decodeURIComponent(String(param));
    const mailbox = world.findMailbox(key);
    if (!mailbox || mailbox.kind === 'plain') {
      const userRoot = req.path === '/' || req.path === '';
      return next(userRoot
        ? new GraphError(404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`)
        : new GraphError(404, 'ErrorInvalidUser', `The requested user '${key}' is invalid.`));
    }
    res.locals.target = { mailbox, prefix: `users/${key}` } satisfies Target;
    next();
  }

  const mbox = express.Router({ mergeParams: true });
  mbox.use(o.throttle.middleware((req) => `${principalOf(req.res as Response).clientId}|${targetOf(req.res as Response).mailbox.address}`), o.faults.middleware());

  mbox.get('/', (_req, res) => {
    const { mailbox } = targetOf(res);
    requireUserRead(principalOf(res), mailbox.address);
    const user = world.findUser(mailbox.address);
    res.json({
      '@odata.context': `${v1()}/$metadata#users/$entity`,
      businessPhones: [], displayName: mailbox.displayName, givenName: user?.givenName ?? null, jobTitle: user?.jobTitle ?? null,
      mail: mailbox.address, mobilePhone: null, officeLocation: null, preferredLanguage: user ? 'en-US' : null,
      surname: user?.surname ?? null, userPrincipalName: mailbox.address, id: mailbox.id,
    });
  });

  const renderFolder = (f: Awaited<ReturnType<MessageReader['folders']>>[number]) => ({
    id: f.id, displayName: f.displayName, parentFolderId: folderId(''), childFolderCount: 0,
    unreadItemCount: f.unreadItemCount, totalItemCount: f.totalItemCount, sizeInBytes: 0, isHidden: false,
  });

  mbox.get('/mailFolders', async (_req, res) => {
    const { mailbox } = targetOf(res);
    requireMail(world, principalOf(res), mailbox.address, 'readBasic');
    const folders = await reader.folders(mailbox.address);
    res.json({ '@odata.context': `${v1()}/$metadata#users('${encodeURIComponent(mailbox.address)}')/mailFolders`, value: folders.map(renderFolder) });
  });

  mbox.get('/mailFolders/:folder', async (req, res) => {
    const { mailbox } = targetOf(res);
    requireMail(world, principalOf(res), mailbox.address, 'readBasic');
    const path = reader.resolveFolder(req.params.folder as string);
    const folder = (await reader.folders(mailbox.address)).find((f) => f.path === path);
    if (!folder) throw new GraphError(404, 'ErrorItemNotFound', 'The specified folder could not be found in the store.');
    res.json({ '@odata.context': `${v1()}/$metadata#users('${encodeURIComponent(mailbox.address)}')/mailFolders/$entity`, ...renderFolder(folder) });
  });

  /** Read rights decide whether bodies may be returned at all (Mail.ReadBasic never sees them). */
  function readLevel(res: Response): { full: boolean } {
    const { mailbox } = targetOf(res);
    const principal = principalOf(res);
    requireMail(world, principal, mailbox.address, 'readBasic');
    return { full: canMail(world, principal, mailbox.address, 'read') };
  }

  function effectiveSelect(raw: unknown, full: boolean): string[] | null {
    const select = parseSelect(raw);
    if (full) return select;
    const all = select ?? ['id', 'subject', 'sender', 'from', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo', 'receivedDateTime', 'sentDateTime', 'isRead', 'hasAttachments', 'internetMessageId', 'parentFolderId', 'conversationId', 'flag', 'importance', 'categories', 'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'isDraft', 'webLink', 'inferenceClassification'];
    return all.filter((s) => !BODY_FIELDS.includes(s));
  }

  const needsSource = (select: string[] | null): boolean => !select || select.some((s) => BODY_FIELDS.some((b) => b.toLowerCase() === s.toLowerCase()));

  async function listMessages(req: Request, res: Response, folder: string | null): Promise<void> {
    const { mailbox, prefix } = targetOf(res);
    const { full } = readLevel(res);
    const select = effectiveSelect(req.query.$select, full);
    const filter = parseFilter(req.query.$filter);
    const order = parseOrderBy(req.query.$orderby, ['receivedDateTime', 'sentDateTime', 'subject', 'isRead']) ?? { path: 'receivedDateTime', desc: true };
    const top = parseTop(req.query.$top, 10, 1000);
    const skip = parseSkip(req.query.$skip);
    const rows = folder ? await reader.list(mailbox.address, folder) : await reader.listAll(mailbox.address);
    const selected = rows.filter((r) => matches(filter, reader.lookup(r)));
    selected.sort((a, b) => {
      const x = reader.lookup(a)(order.path);
      const y = reader.lookup(b)(order.path);
      const d = String(x ?? '') < String(y ?? '') ? -1 : String(x ?? '') > String(y ?? '') ? 1 : 0;
      return order.desc ? -d : d;
    });
    const page = selected.slice(skip, skip + top);
    const withSource = needsSource(select) ? await Promise.all(page.map((r) => reader.get(mailbox.address, messageId(r), true))) : page;
    const value = await Promise.all(withSource.map(async (r) => pick(await reader.toGraph(r, select), select, ['@odata.etag', 'id'])));
    const body: Record<string, unknown> = {
      '@odata.context': `${v1()}/$metadata#users('${encodeURIComponent(mailbox.address)}')/${folder ? `mailFolders('${req.params.folder}')/` : ''}messages${select ? `(${select.join(',')})` : ''}`,
      value,
    };
    if (skip + top < selected.length) {
      body['@odata.nextLink'] = nextLink(`${v1()}/${prefix}${folder ? `/mailFolders/${req.params.folder}` : ''}/messages`, req.query, skip + top);
    }
    res.json(body);
  }

  function pageSize(req: Request, res: Response, fallback: number, max = Infinity): number {
    const prefer = preferences(req.header('Prefer')).get('odata.maxpagesize');
    if (prefer === undefined) return fallback;
    const n = Math.min(Number(prefer), max);
    if (!Number.isInteger(n) || n < 1) return fallback;
    res.append('Preference-Applied', `odata.maxpagesize=${n}`);
    return n;
  }

  /** Values a snapshot of UID, flags and arrival time can answer; other $filter paths need envelopes. */
  const SNAPSHOT_PATHS = new Set(['receiveddatetime', 'isread', 'isdraft']);

  /**
   * Message delta per folder. A round's snapshot is one `UID FETCH 1:* (UID FLAGS INTERNALDATE)`
   * (envelopes only when $filter needs them); each page then fetches just its own messages by UID.
   * Messages whose only change in an incremental round is their state come back partially.
   */
  async function messageDelta(req: Request, res: Response): Promise<void> {
    const { mailbox, prefix } = targetOf(res);
    const { full } = readLevel(res);
    const folderParam = req.params.folder as string;
    const folder = reader.resolveFolder(folderParam);
    const q = req.query as Record<string, string | undefined>;
    const pageResult = await delta.page({
      scope: `mail|${mailbox.address}|${folder}`,
      deltaToken: q.$deltatoken, skipToken: q.$skiptoken,
      pageSize: pageSize(req, res, 10, MAX_DELTA_PAGE),
      context: { select: effectiveSelect(q.$select, full), filter: parseFilter(q.$filter) },
      current: async (context) => {
        const filter = context.filter as Comparison[];
        const metadata = filter.some((c) => !SNAPSHOT_PATHS.has(c.path.toLowerCase()));
        const rows = metadata ? await reader.list(mailbox.address, folder) : await reader.versions(mailbox.address, folder);
        return rows.filter((r) => matches(filter, reader.lookup(r))).map((r) => ({ id: messageId(r), version: changeKey(r) }));
      },
    });
    const select = pageResult.context.select as string[] | null;
    const uids = pageResult.entries.filter((e) => !e.removed).map((e) => decodeMessageId(e.id).uid);
    const rows = new Map((await reader.byUids(mailbox.address, folder, uids, needsSource(select))).map((r) => [messageId(r), r]));
    const value = [];
    for (const entry of pageResult.entries) {
      const row = rows.get(entry.id);
      if (entry.removed || !row) value.push({ '@odata.type': '#microsoft.graph.message', id: entry.id, '@removed': { reason: 'deleted' } });
      else if (entry.updated) value.push(partialMessage(row));
      else value.push({ '@odata.type': '#microsoft.graph.message', ...pick(await reader.toGraph(row, select), select, ['@odata.etag', 'id']) });
    }
    const link = `${v1()}/${prefix}/mailFolders('${folderParam}')/messages/delta`;
    res.json({
      '@odata.context': `${v1()}/$metadata#Collection(message)`,
      ...(pageResult.nextSkipToken ? { '@odata.nextLink': `${link}?$skiptoken=${pageResult.nextSkipToken}` } : {}),
      ...(pageResult.deltaToken ? { '@odata.deltaLink': `${link}?$deltatoken=${pageResult.deltaToken}` } : {}),
      value,
    });
  }

  mbox.get('/messages', (req, res) => listMessages(req, res, null));
  mbox.get('/mailFolders/:folder/messages', (req, res) => listMessages(req, res, reader.resolveFolder(req.params.folder as string)));
  mbox.get('/mailFolders/:folder/messages/delta', messageDelta);
  mbox.get('/messages/delta', () => {
    throw new GraphError(501, 'NotImplemented', 'This operation target is not yet supported.');
  });

  async function getMessage(req: Request, res: Response): Promise<void> {
    const { mailbox } = targetOf(res);
    const { full } = readLevel(res);
    const select = effectiveSelect(req.query.$select, full);
    const row = await reader.get(mailbox.address, req.params.id as string, needsSource(select));
    res.json({
      '@odata.context': `${v1()}/$metadata#users('${encodeURIComponent(mailbox.address)}')/messages/$entity`,
      ...pick(await reader.toGraph(row, select), select, ['@odata.etag', 'id']),
    });
  }
  mbox.get(['/messages/:id', '/mailFolders/:folder/messages/:id'], getMessage);

  mbox.get(['/messages/:id/$value', '/mailFolders/:folder/messages/:id/$value'], async (req, res) => {
    const { mailbox } = targetOf(res);
    requireMail(world, principalOf(res), mailbox.address, 'read');
    const row = await reader.get(mailbox.address, req.params.id as string, true);
    res.type('text/plain').send(row.source);
  });

  mbox.patch('/messages/:id', async (req, res) => {
    const { mailbox } = targetOf(res);
    requireMail(world, principalOf(res), mailbox.address, 'write');
    const body = (req.body ?? {}) as { isRead?: unknown; flag?: { flagStatus?: string } };
    await reader.setFlags(mailbox.address, req.params.id, {
      isRead: typeof body.isRead === 'boolean' ? body.isRead : undefined,
      flagged: body.flag?.flagStatus ? body.flag.flagStatus === 'flagged' : undefined,
    });
    const row = await reader.get(mailbox.address, req.params.id, true);
    res.json({ '@odata.context': `${v1()}/$metadata#users('${encodeURIComponent(mailbox.address)}')/messages/$entity`, ...(await reader.toGraph(row, null)) });
  });

  mbox.delete('/messages/:id', async (req, res) => {
    const { mailbox } = targetOf(res);
    if (drafts.has(mailbox.address, req.params.id)) {
      drafts.remove(principalOf(res), mailbox.address, req.params.id);
      return void res.status(204).end();
    }
    requireMail(world, principalOf(res), mailbox.address, 'write');
    await reader.get(mailbox.address, req.params.id);
    await reader.remove(mailbox.address, req.params.id);
    res.status(204).end();
  });

  mbox.post('/sendMail', async (req, res) => {
    await sendMail({
      world, postOffice: o.postOffice, principal: principalOf(res), mailbox: targetOf(res).mailbox.address,
      contentType: req.header('content-type') ?? 'application/json', body: req.body,
    });
    res.status(202).end();
  });

  mbox.post('/messages', async (req, res) => {
    const { mailbox } = targetOf(res);
    const draft = await drafts.create(principalOf(res), mailbox, req.header('content-type') ?? 'application/json', req.body);
    res.status(201).json({ '@odata.context': `${v1()}/$metadata#users('${encodeURIComponent(mailbox.address)}')/messages/$entity`, ...drafts.render(draft) });
  });
  mbox.post('/messages/:id/attachments', (req, res) => {
    const file = drafts.addAttachment(principalOf(res), targetOf(res).mailbox.address, req.params.id, (req.body ?? {}) as Record<string, unknown>);
    res.status(201).json({ '@odata.type': '#microsoft.graph.fileAttachment', id: file.id, name: file.name, contentType: file.contentType, size: file.content.length, isInline: file.isInline });
  });
  mbox.post('/messages/:id/attachments/createUploadSession', (req, res) => {
    res.status(201).json(drafts.createUploadSession(principalOf(res), targetOf(res).mailbox.address, req.params.id, (req.body ?? {}) as Record<string, unknown>));
  });
  mbox.post('/messages/:id/send', async (req, res) => {
    await drafts.send(principalOf(res), targetOf(res).mailbox.address, req.params.id);
    res.status(202).end();
  });

  // ---- calendar -----------------------------------------------------------------------------------
  function timeZone(req: Request, res: Response): { label: string; iana: string } {
    const tz = resolveTimeZone(preferences(req.header('Prefer')).get('outlook.timezone'));
    if (!tz) return { label: 'UTC', iana: 'UTC' };
    res.append('Preference-Applied', `outlook.timezone="${tz.label}"`);
    return tz;
  }

  function window(q: Record<string, unknown>): { start: string; end: string } {
    const start = typeof q.startDateTime === 'string' ? q.startDateTime : typeof q.startdatetime === 'string' ? q.startdatetime : '';
    const end = typeof q.endDateTime === 'string' ? q.endDateTime : typeof q.enddatetime === 'string' ? q.enddatetime : '';
    if (!start || !end || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) {
      throw badRequest('This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.', 'ErrorInvalidParameter');
    }
    return { start, end };
  }

  mbox.get('/calendarView/delta', async (req, res) => {
    const { mailbox, prefix } = targetOf(res);
    requireCalendar(world, principalOf(res), mailbox.address);
    const q = req.query as Record<string, string | undefined>;
    const tz = timeZone(req, res);
    const continuing = Boolean(q.$deltatoken || q.$skiptoken);
    const pageResult = await delta.page({
      scope: `cal|${mailbox.address}`,
      deltaToken: q.$deltatoken, skipToken: q.$skiptoken,
      pageSize: pageSize(req, res, 10),
      context: continuing ? {} : window(q),
      current: async (w) => world.calendar(mailbox.address)
        .filter((e) => overlaps(e, String(w.start), String(w.end)))
        .map((e) => ({ id: e.id, version: eventVersion(e) })),
    });
    const events = new Map(world.calendar(mailbox.address).map((e) => [e.id, e]));
    const value = pageResult.entries.map((entry) => {
      const event = events.get(entry.id);
      if (entry.removed || !event) return { '@odata.type': '#microsoft.graph.event', id: entry.id, '@removed': { reason: 'deleted' } };
      return { '@odata.type': '#microsoft.graph.event', ...renderEvent(event, mailbox.address, tz) };
    });
    const link = `${v1()}/${prefix}/calendarView/delta`;
    res.json({
      '@odata.context': `${v1()}/$metadata#Collection(event)`,
      ...(pageResult.nextSkipToken ? { '@odata.nextLink': `${link}?$skiptoken=${pageResult.nextSkipToken}` } : {}),
      ...(pageResult.deltaToken ? { '@odata.deltaLink': `${link}?$deltatoken=${pageResult.deltaToken}` } : {}),
      value,
    });
  });

  mbox.get(['/events', '/calendar/events', '/calendarView'], (req, res) => {
    const { mailbox } = targetOf(res);
    requireCalendar(world, principalOf(res), mailbox.address);
    const tz = timeZone(req, res);
    const isView = req.path.toLowerCase() === '/calendarview';
    const w = isView ? window(req.query as Record<string, unknown>) : null;
    const top = parseTop(req.query.$top, 10, 1000);
    const skip = parseSkip(req.query.$skip);
    const events = world.calendar(mailbox.address)
      .filter((e) => !w || overlaps(e, w.start, w.end))
      .sort((a, b) => Date.parse(a.startUtc) - Date.parse(b.startUtc));
    const select = parseSelect(req.query.$select);
    const body: Record<string, unknown> = {
      '@odata.context': `${v1()}/$metadata#users('${encodeURIComponent(mailbox.address)}')/${isView ? 'calendarView' : 'events'}`,
      value: events.slice(skip, skip + top).map((e) => pick(renderEvent(e, mailbox.address, tz), select, ['@odata.etag', 'id'])),
    };
    if (skip + top < events.length) {
      body['@odata.nextLink'] = nextLink(`${o.baseUrl()}${req.baseUrl}${req.path}`, req.query, skip + top);
    }
    res.json(body);
  });

  mbox.get('/events/:id', (req, res) => {
    const { mailbox } = targetOf(res);
    requireCalendar(world, principalOf(res), mailbox.address);
    const event = world.calendar(mailbox.address).find((e) => e.id === req.params.id);
    if (!event) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    res.json({ '@odata.context': `${v1()}/$metadata#users('${encodeURIComponent(mailbox.address)}')/events/$entity`, ...renderEvent(event, mailbox.address, timeZone(req, res)) });
  });

  router.use(['/me', '/users/:user'], resolveTarget, mbox);

  router.use((req, _res, next) => next(new GraphError(400, 'BadRequest', `Resource not found for the segment '${req.path.split('/').filter(Boolean)[0] ?? ''}'.`)));
  router.use(graphErrorHandler);

  const uploads = express.Router();
  uploads.use(express.raw({ type: () => true, limit: '4mb' }));
  uploads.put(/AttachmentSessions\('([^']+)'\)$/, (req, res) => {
    const result = drafts.putRange(String((req.params as Record<string, string>)[0]), {
      authtoken: typeof req.query.authtoken === 'string' ? req.query.authtoken : undefined,
      authorization: req.header('authorization'), contentRange: req.header('content-range'),
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });
    if (result.location) res.set('Location', result.location);
    res.status(result.status).json(result.body);
  });
  uploads.use(graphErrorHandler);

  return { router, uploads, subscriptions, delta, requests, fireLifecycle: (id, event) => subscriptions.fireLifecycle(id, event) };
}
