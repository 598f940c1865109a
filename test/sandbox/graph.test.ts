// @microsoft/microsoft-graph-client against the Graph stand-in (baseUrl + customHosts), over the same
// Dovecot mailboxes IMAP sees, with Microsoft's rules enforced.
import { expect } from 'chai';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { controlFetch, eventually, folderSubjects, startTestSandbox, startWebhook, type TestSandbox } from './helpers.js';

const DELEGATE_SCOPES = ['User.Read', 'Mail.ReadWrite.Shared', 'Mail.Send.Shared'];

describe('sandbox: Microsoft Graph', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  before(async () => {
    sb = await startTestSandbox();
    webhook = await startWebhook();
  });
  after(async () => {
    await webhook?.close();
    await sb?.close();
  });

  const client = (token: string): Client => Client.init({
    baseUrl: sb.world.microsoft.graphBaseUrl, customHosts: new Set([sb.world.microsoft.graphHost]),
    authProvider: (done) => done(null, token),
  });
  const delegated = async (user: string, scopes = DELEGATE_SCOPES) => client(await sb.control.issueToken({ user, scopes }));
  const appOnly = async (roles: string[]) => client(await sb.control.issueToken({ roles }));
  const fails = (p: Promise<unknown>): Promise<GraphError> => p.then(() => { throw new Error('expected a Graph error'); }, (e: GraphError) => e);

  it('answers /me and /users/{upn}', async () => {
    const me = await (await delegated('alice@contoso.test')).api('/me').get();
    expect(me).to.include({ userPrincipalName: 'alice@contoso.test', displayName: 'Alice Archer' });
    const byUpn = await (await delegated('alice@contoso.test', ['User.ReadBasic.All'])).api('/users/dana@contoso.test').get();
    expect(byUpn.id).to.equal('d4a6b9e3-4444-4f5d-be41-000000000004');
  });

  it('opens the shared inbox for a Full Access delegate and refuses bob (ErrorAccessDenied)', async () => {
    const inbox = await (await delegated('alice@contoso.test')).api('/users/support@contoso.test/mailFolders/inbox').get();
    expect(inbox.displayName).to.equal('Inbox');
    expect(inbox.totalItemCount).to.be.greaterThan(0);
    const err = await fails((await delegated('bob@contoso.test')).api('/users/support@contoso.test/mailFolders/inbox').get());
    expect(err.statusCode).to.equal(403);
    expect(err.code).to.equal('ErrorAccessDenied');
  });

  it('refuses a request without the needed scope, and an expired token (401)', async () => {
    const noMail = await fails((await delegated('alice@contoso.test', ['User.Read'])).api('/me/messages').get());
    expect(noMail.statusCode).to.equal(403);
    const expired = await fails(client(await sb.control.issueToken({ user: 'alice@contoso.test', scopes: DELEGATE_SCOPES, lifetimeSeconds: -60 })).api('/me').get());
    expect(expired.statusCode).to.equal(401);
    expect(expired.code).to.equal('InvalidAuthenticationToken');
  });

  it('lists messages with $select, $filter, $top, $orderby and pages with @odata.nextLink', async () => {
    const c = await delegated('alice@contoso.test');
    const page = await c.api('/users/support@contoso.test/mailFolders/inbox/messages')
      .select('subject,isRead,receivedDateTime').orderby('receivedDateTime desc').top(1).get();
    expect(page.value).to.have.length(1);
    expect(Object.keys(page.value[0]).sort()).to.deep.equal(['@odata.etag', 'id', 'isRead', 'receivedDateTime', 'subject']);
    expect(page['@odata.nextLink']).to.match(/\$skip=1/);
    const next = await c.api(page['@odata.nextLink']).get();
    expect(Date.parse(next.value[0].receivedDateTime)).to.be.at.most(Date.parse(page.value[0].receivedDateTime));
    const unread = await c.api('/users/support@contoso.test/messages').filter('isRead eq false').select('subject').get();
    expect(unread.value.map((m: { subject: string }) => m.subject)).to.include('Invoice question').and.not.include('My order has not arrived');
  });

  it('returns a message and its raw MIME ($value)', async () => {
    const c = await delegated('alice@contoso.test');
    const list = await c.api('/users/support@contoso.test/messages').filter("subject eq 'Invoice question'").get();
    const id = list.value[0].id as string;
    const message = await c.api(`/users/support@contoso.test/messages/${id}`).get();
    expect(message).to.include({ subject: 'Invoice question', isRead: false });
    expect(message.from.emailAddress.address).to.equal('jane@example.test');
    expect(message.body.content).to.contain('resend the invoice');
    const res = await fetch(`${sb.world.microsoft.graphBaseUrl}/v1.0/users/support@contoso.test/messages/${id}/$value`, {
      headers: { authorization: `Bearer ${await sb.control.issueToken({ user: 'alice@contoso.test', scopes: DELEGATE_SCOPES })}` },
    });
    expect(await res.text()).to.match(/^Subject: Invoice question/m);
  });

  it('sends base64 MIME as text/plain from the shared mailbox and saves it in the shared Sent Items', async () => {
    const mime = ['From: Contoso Support <support@contoso.test>', 'To: jane@example.test', 'Subject: Graph MIME reply', 'Message-ID: <graph-mime-1@contoso.test>', '', 'Hello from Graph'].join('\r\n');
    await (await delegated('alice@contoso.test')).api('/users/support@contoso.test/sendMail').header('Content-Type', 'text/plain').post(Buffer.from(mime).toString('base64'));
    await eventually(async () => (await folderSubjects(sb, { user: 'jane@example.test', pass: 'jane-pass' }, 'INBOX')).includes('Graph MIME reply'));
    const sentItems = await (await delegated('alice@contoso.test')).api('/users/support@contoso.test/mailFolders/sentitems/messages').select('subject,internetMessageId').get();
    expect(sentItems.value.map((m: { internetMessageId: string }) => m.internetMessageId)).to.include('<graph-mime-1@contoso.test>');
  });

  it('sends a JSON message and refuses a delegate without Send As (ErrorSendAsDenied)', async () => {
    const message = { subject: 'Graph JSON reply', body: { contentType: 'Text', content: 'hi' }, toRecipients: [{ emailAddress: { address: 'jane@example.test' } }] };
    await (await delegated('alice@contoso.test')).api('/users/support@contoso.test/sendMail').post({ message, saveToSentItems: true });
    await eventually(async () => (await folderSubjects(sb, { user: 'jane@example.test', pass: 'jane-pass' }, 'INBOX')).includes('Graph JSON reply'));
    const err = await fails((await delegated('dana@contoso.test')).api('/users/support@contoso.test/sendMail').post({ message }));
    expect(err.statusCode).to.equal(403);
    expect(err.code).to.equal('ErrorSendAsDenied');
  });

  it('refuses a sendMail body over 4 MB with 413 and Graph\'s error body', async () => {
    const mime = ['From: support@contoso.test', 'To: jane@example.test', 'Subject: Too big', '', 'x'.repeat(3_200_000)].join('\r\n');
    const err = await fails((await delegated('alice@contoso.test')).api('/users/support@contoso.test/sendMail').header('Content-Type', 'text/plain').post(Buffer.from(mime).toString('base64')));
    expect(err.statusCode).to.equal(413);
    expect(err.message).to.equal('The maximum request length supported is 4MB.');
    expect(err.code).to.equal('BadRequest');
    expect(err.requestId).to.be.a('string');
  });

  it('sends a large file through a MIME draft, an upload session in ≤ 4 MB ranges and /send, threaded, copy in the shared Sent Items', async () => {
    const alice = await delegated('alice@contoso.test');
    const mime = ['From: Contoso Support <support@contoso.test>', 'To: jane@example.test', 'Subject: Re: Big file', 'Message-ID: <draft-big-1@contoso.test>',
      'In-Reply-To: <jane-1@example.test>', 'References: <jane-0@example.test> <jane-1@example.test>', '', 'The manual is attached.'].join('\r\n');
    const draft = await alice.api('/users/support@contoso.test/messages').header('Content-Type', 'text/plain').post(Buffer.from(mime).toString('base64'));
    expect(draft.isDraft).to.equal(true);
    const file = Buffer.alloc(5 * 1024 * 1024 + 7, 'pdf-bytes');
    const session = await alice.api(`/users/support@contoso.test/messages/${draft.id}/attachments/createUploadSession`)
      .post({ AttachmentItem: { attachmentType: 'file', name: 'manual.pdf', size: file.length, contentType: 'application/pdf' } });
    expect(session.nextExpectedRanges).to.deep.equal(['0-']);
    const put = (start: number, end: number, headers: Record<string, string> = {}) => fetch(session.uploadUrl, {
      method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${start}-${end}/${file.length}`, ...headers },
      body: new Uint8Array(file.subarray(start, end + 1)),
    });
    expect((await put(0, 1023, { Authorization: 'Bearer x' })).status).to.equal(401);
    expect((await put(0, 4 * 1024 * 1024 + 10)).status).to.equal(413);
    expect((await put(1024, 2047)).status).to.equal(416);
    const first = await put(0, 3 * 1024 * 1024 - 1);
    expect(first.status).to.equal(200);
    expect((await first.json()).nextExpectedRanges).to.deep.equal([`${3 * 1024 * 1024}-`]);
    const last = await put(3 * 1024 * 1024, file.length - 1);
    expect(last.status).to.equal(201);
    expect(last.headers.get('location')).to.contain('/Attachments(');

    const err = await fails((await delegated('dana@contoso.test')).api(`/users/support@contoso.test/messages/${draft.id}/send`).post(''));
    expect(err.code).to.equal('ErrorSendAsDenied');
    await alice.api(`/users/support@contoso.test/messages/${draft.id}/send`).post('');
    const sent = (await controlFetch(sb, 'GET', '/sent')).json as { messageId: string; inReplyTo: string; references: string; deliveredTo: string[]; sentCopies: string[] }[];
    const record = sent.find((m) => m.messageId === '<draft-big-1@contoso.test>');
    expect(record).to.deep.include({ inReplyTo: '<jane-1@example.test>', deliveredTo: ['jane@example.test'], sentCopies: ['support@contoso.test'] });
    expect(record?.references).to.contain('<jane-0@example.test>').and.to.contain('<jane-1@example.test>');
    expect((await fails(alice.api(`/users/support@contoso.test/messages/${draft.id}/send`).post(''))).statusCode).to.equal(404);
  });

  it('refuses a delegated (.Shared) subscription on the shared mailbox, accepts app-only Mail.Read with the validation handshake', async () => {
    const body = {
      changeType: 'created', notificationUrl: `${webhook.url}/notify`, lifecycleNotificationUrl: `${webhook.url}/lifecycle`,
      resource: "users/support@contoso.test/mailFolders('inbox')/messages", clientState: 'secret-123',
      expirationDateTime: new Date(Date.now() + 60 * 60_000).toISOString(),
    };
    const delegatedErr = await fails((await delegated('alice@contoso.test', ['Mail.Read.Shared', 'Mail.ReadWrite.Shared'])).api('/subscriptions').post(body));
    expect(delegatedErr.statusCode).to.equal(403);
    expect(delegatedErr.code).to.equal('ExtensionError');

    const app = await appOnly(['Mail.Read']);
    const tooLong = await fails(app.api('/subscriptions').post({ ...body, expirationDateTime: new Date(Date.now() + 10_081 * 60_000).toISOString() }));
    expect(tooLong.statusCode).to.equal(400);
    expect(tooLong.message).to.contain('10080 minutes');
    const refused = await fails(app.api('/subscriptions').post({ ...body, notificationUrl: `${webhook.url}/refuse` }));
    expect(refused.code).to.equal('ValidationError');

    const sub = await app.api('/subscriptions').post(body);
    expect(sub.id).to.be.a('string');
    expect(webhook.validations.some((v) => v.contentType?.startsWith('text/plain'))).to.equal(true);

    await controlFetch(sb, 'POST', '/mail/deliver', { to: 'support@contoso.test', subject: 'Notify me' });
    const notification = await eventually(async () => webhook.received.find((r) => r.path === '/notify'));
    const item = (notification.body as { value: { clientState: string; subscriptionId: string; changeType: string; resourceData: { id: string } }[] }).value[0];
    expect(item).to.include({ clientState: 'secret-123', subscriptionId: sub.id, changeType: 'created' });
    const message = await app.api(`/users/support@contoso.test/messages/${item?.resourceData.id}`).select('subject').get();
    expect(message.subject).to.equal('Notify me');

    const renewed = await app.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: new Date(Date.now() + 10_000 * 60_000).toISOString() });
    expect(Date.parse(renewed.expirationDateTime)).to.be.greaterThan(Date.parse(sub.expirationDateTime));
    await controlFetch(sb, 'POST', `/graph/subscriptions/${sub.id}/lifecycle`, { event: 'reauthorizationRequired' });
    const lifecycle = await eventually(async () => webhook.received.find((r) => r.path === '/lifecycle'));
    expect((lifecycle.body as { value: { lifecycleEvent: string }[] }).value[0]?.lifecycleEvent).to.equal('reauthorizationRequired');
    await app.api(`/subscriptions/${sub.id}`).delete();
    expect((await fails(app.api(`/subscriptions/${sub.id}`).get())).statusCode).to.equal(404);
  });

  it('caps message subscriptions at 10,080 minutes, and at 1,440 when they carry resource data', async () => {
    const app = await appOnly(['Mail.Read']);
    const body = {
      changeType: 'created', notificationUrl: `${webhook.url}/notify`,
      resource: "users/support@contoso.test/mailFolders('inbox')/messages",
    };
    const inMinutes = (m: number): string => new Date(Date.now() + m * 60_000).toISOString();
    const week = await app.api('/subscriptions').post({ ...body, expirationDateTime: inMinutes(10_079) });
    expect(Date.parse(week.expirationDateTime)).to.be.greaterThan(Date.now() + 10_000 * 60_000);
    const renewTooFar = await fails(app.api(`/subscriptions/${week.id}`).patch({ expirationDateTime: inMinutes(10_090) }));
    expect([renewTooFar.statusCode, renewTooFar.code]).to.deep.equal([400, 'InvalidRequest']);

    const withData = await fails(app.api('/subscriptions').post({ ...body, includeResourceData: true, expirationDateTime: inMinutes(1_500) }));
    expect(withData.statusCode).to.equal(400);
    expect(withData.message).to.contain('1440 minutes');
    await app.api(`/subscriptions/${week.id}`).delete();
  });

  it('runs message delta per folder: pages, deltaLink, @removed next round, 410 syncStateNotFound on demand', async () => {
    const c = await delegated('alice@contoso.test');
    const first = await c.api('/users/support@contoso.test/mailFolders/inbox/messages/delta').select('subject,isRead').header('Prefer', 'odata.maxpagesize=1').get();
    expect(first.value).to.have.length(1);
    let page = first;
    const seen: string[] = [];
    while (page['@odata.nextLink']) {
      seen.push(...page.value.map((m: { id: string }) => m.id));
      page = await c.api(page['@odata.nextLink']).header('Prefer', 'odata.maxpagesize=1').get();
    }
    seen.push(...page.value.map((m: { id: string }) => m.id));
    expect(page['@odata.deltaLink']).to.be.a('string');
    const [gone, read] = seen;
    await c.api(`/users/support@contoso.test/messages/${gone}`).delete();
    await c.api(`/users/support@contoso.test/messages/${read}`).patch({ isRead: true });
    const round2 = await c.api(page['@odata.deltaLink']).get();
    expect(round2.value.find((m: { id: string }) => m.id === gone)).to.deep.include({ '@removed': { reason: 'deleted' } });
    expect(round2.value.find((m: { id: string }) => m.id === read)).to.include({ isRead: true });
    await controlFetch(sb, 'POST', '/graph/delta/expire');
    const expired = await fails(c.api(round2['@odata.deltaLink']).get());
    expect(expired.statusCode).to.equal(410);
    expect(expired.code).to.equal('syncStateNotFound');
  });

  it('runs calendarView delta with Prefer outlook.timezone', async () => {
    const c = await delegated('alice@contoso.test', ['Calendars.Read']);
    const start = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const end = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await c.api(`/me/calendarView/delta?startDateTime=${start}&endDateTime=${end}`).header('Prefer', 'outlook.timezone="Pacific Standard Time"').get();
    const events = res.value as { subject: string; start: { timeZone: string; dateTime: string } }[];
    expect(events.map((e) => e.subject)).to.include('Quarterly review');
    expect(events[0]?.start.timeZone).to.equal('Pacific Standard Time');
    expect(res['@odata.deltaLink']).to.be.a('string');
    await controlFetch(sb, 'POST', '/calendar/alice@contoso.test/events', { subject: 'New meeting', start: new Date(Date.now() + 86_400_000).toISOString(), end: new Date(Date.now() + 90_000_000).toISOString() });
    await controlFetch(sb, 'DELETE', '/calendar/alice@contoso.test/events/AAMkAGEvt-alice-003');
    const round2 = await c.api(res['@odata.deltaLink']).get();
    expect(round2.value.map((e: { subject?: string }) => e.subject)).to.include('New meeting');
    expect(round2.value.find((e: { id: string }) => e.id === 'AAMkAGEvt-alice-003')).to.have.property('@removed');
  });

  it('answers an event marked preferIgnored in its own Windows zone even when UTC is asked for', async () => {
    await controlFetch(sb, 'POST', '/calendar/alice@contoso.test/events', {
      id: 'AAMkAGEvt-windows-zone', subject: 'Pacific wall time', start: '2026-07-14T09:30:00-07:00', end: '2026-07-14T10:00:00-07:00',
      timeZone: 'Pacific Standard Time', preferIgnored: true,
    });
    const c = await delegated('alice@contoso.test', ['Calendars.Read']);
    const event = await c.api('/me/events/AAMkAGEvt-windows-zone').header('Prefer', 'outlook.timezone="UTC"').get();
    expect(event.start).to.deep.equal({ dateTime: '2026-07-14T09:30:00.0000000', timeZone: 'Pacific Standard Time' });
    expect(event.originalStartTimeZone).to.equal('Pacific Standard Time');
    await controlFetch(sb, 'DELETE', '/calendar/alice@contoso.test/events/AAMkAGEvt-windows-zone');
  });

  it('throttles past 4 concurrent requests per mailbox and past the 10-minute budget, with Retry-After', async () => {
    const token = await sb.control.issueToken({ user: 'alice@contoso.test', scopes: DELEGATE_SCOPES });
    const url = `${sb.world.microsoft.graphBaseUrl}/v1.0/users/support@contoso.test/mailFolders/inbox`;
    await controlFetch(sb, 'POST', '/faults', { path: '/v1.0/users/support@contoso.test/mailFolders/inbox', delayMs: 400, count: 6 });
    const results = await Promise.all(Array.from({ length: 6 }, () => fetch(url, { headers: { authorization: `Bearer ${token}` } })));
    const throttled = results.filter((r) => r.status === 429);
    expect(results.filter((r) => r.status === 200)).to.have.length(4);
    expect(throttled).to.have.length(2);
    expect(Number(throttled[0]?.headers.get('retry-after'))).to.be.greaterThan(0);
    await controlFetch(sb, 'DELETE', '/faults');

    await controlFetch(sb, 'POST', '/graph/limits', { budgetPer10Min: 3 });
    try {
      const bobToken = await sb.control.issueToken({ user: 'bob@contoso.test', scopes: DELEGATE_SCOPES });
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await fetch(`${sb.world.microsoft.graphBaseUrl}/v1.0/users/sales@contoso.test/mailFolders/inbox`, { headers: { authorization: `Bearer ${bobToken}` } })).status);
      expect(statuses).to.deep.equal([200, 200, 200, 429]);
    } finally {
      await controlFetch(sb, 'POST', '/graph/limits', { budgetPer10Min: 10_000 });
    }
  });
});
