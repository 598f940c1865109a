// The application's own emails through LeadMail, end to end over HTTP: agent invitation, password
// reset (request, link from the delivered email, reset, sign in; single use, expiry) and transcript.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import type { ParsedMail } from 'mailparser';
import { createLogger } from '../../../server/src/lib/logger.js';
import { TransactionalMail } from '../../../server/src/mailers/transactional-mail.js';
import { invitationEmail } from '../../../server/src/mailers/invitation.mailer.js';
import { passwordResetEmail } from '../../../server/src/mailers/password-reset.mailer.js';
import type { Runtime } from '../../../server/src/runtime.js';
import { sha256 } from '../../../server/src/lib/crypto.js';
import { addToAccount, createAccount, createUser, type TestAccount } from '../../support/factories.js';
import { controlFetch, eventually, startTestSandbox, type TestSandbox } from '../../sandbox/helpers.js';
import { FRONTEND_URL, MAILER_SENDER, awaitMail, readInbox, startSendRuntime } from './send-runtime.js';
import { TEST_PLATFORM_TOKEN } from '../../support/env.js';

const INFO = 'info@example.test';
const JANE = 'jane@example.test';
const LINK = new RegExp(`${FRONTEND_URL}/auth/password/edit\\?reset_password_token=([\\w-]+)`);

const tokenIn = (mail: ParsedMail) => LINK.exec(mail.text ?? '')![1];

describe('email send: transactional emails through LeadMail (sandbox)', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  let rt: Runtime & { http: () => import('supertest').Agent };
  let account: TestAccount;

  const sent = async () => (await controlFetch(sb, 'GET', '/sent')).json as { via: string; from: string; to: string[]; subject: string }[];
  const signIn = (email: string, password: string) => rt.http().post('/auth/sign_in').send({ email, password });
  const reset = (token: string, password: string, confirmation = password) =>
    rt.http().put('/auth/password').send({ reset_password_token: token, password, password_confirmation: confirmation });
  /** What a minute's wait does to the one-email-per-minute throttle. */
  const forgetResetThrottle = (email: string) => rt.redis.del(`${rt.config.REDIS_PREFIX}:password_reset:${sha256(email)}`);
  const agentsPath = () => `/api/v1/accounts/${account.id}/agents`;
  const agentIn = async (id: number) => ((await rt.http().get(agentsPath()).set('api_access_token', account.admin.token)).body as { id: number }[]).find((a) => a.id === id) as Record<string, unknown>;

  before(async () => {
    sb = await startTestSandbox();
    rt = await startSendRuntime(sb);
    account = await createAccount('Acme Support');
  });
  after(async () => {
    await rt?.close();
    await sb?.close();
  });

  it('invites a new agent by email; the link sets their first password, once', async () => {
    const created = await rt.http().post(`/api/v1/accounts/${account.id}/agents`).set('api_access_token', account.admin.token).send({ name: 'Ivy', email: INFO, role: 'agent' });
    expect(created.status).to.equal(200);
    const mail = await awaitMail(sb, INFO, (m) => m.subject === 'You have been invited to join Acme Support');
    const token = tokenIn(mail);
    const expected = invitationEmail({ sender: MAILER_SENDER, to: INFO, inviteeName: 'Ivy', inviterName: 'Admin', accountName: 'Acme Support', link: `${FRONTEND_URL}/auth/password/edit?reset_password_token=${token}` });
    expect(mail.text).to.equal(expected.text);
    expect(mail.html).to.equal(expected.html);
    expect(mail.from?.value).to.deep.equal([{ address: 'notifications@example.test', name: 'LeadChat' }]);
    expect((await sent()).find((s) => s.subject === expected.subject)).to.deep.include({ via: 'leadmail', from: 'notifications@example.test', to: [INFO] });

    expect((await signIn(INFO, 'Welcome-1234')).status).to.equal(401);
    await reset(token, 'Welcome-1234').expect(200);
    expect((await signIn(INFO, 'Welcome-1234')).status).to.equal(200);
    const agent = await rt.models.User.findOne({ where: { email: INFO } });
    expect(agent?.confirmed_at).to.be.instanceOf(Date);
    expect((await reset(token, 'Another-1234')).status).to.equal(422);
  });

  it('resets a password: always 200, link from the email, single use, expiring, and the new password signs in', async () => {
    const user = await createUser('Jane Agent', { email: JANE, password: 'Old-passw0rd' });
    const asked = await rt.http().post('/auth/password').send({ email: 'JANE@example.test' }).expect(200);
    const unknown = await rt.http().post('/auth/password').send({ email: 'nobody@example.test' }).expect(200);
    expect(unknown.body).to.deep.equal(asked.body);
    expect((await rt.http().post('/auth/password').send({ email: 'not an email' })).status).to.equal(422);

    const mail = await awaitMail(sb, JANE, (m) => m.subject === 'Reset your password');
    const token = tokenIn(mail);
    const expected = passwordResetEmail({ sender: MAILER_SENDER, to: JANE, name: 'Jane Agent', link: `${FRONTEND_URL}/auth/password/edit?reset_password_token=${token}` });
    expect(mail.text).to.equal(expected.text);
    expect((await sent()).filter((s) => s.subject === 'Reset your password').map((s) => s.to)).to.deep.equal([[JANE]]);
    const [{ digest }] = await rt.sequelize.query<{ digest: string }>('SELECT token_digest AS digest FROM password_tokens WHERE user_id = :id', { replacements: { id: user.id }, type: 'SELECT' as never });
    expect(digest).to.match(/^[0-9a-f]{64}$/).and.not.contain(token);

    const mismatch = await reset(token, 'New-passw0rd', 'New-passw0rX');
    expect(mismatch.status).to.equal(422);
    expect(mismatch.body.error.fields.map((f: { path: string }) => f.path)).to.deep.equal(['password_confirmation']);
    expect((await reset(token, 'weak')).status).to.equal(422);
    await reset(token, 'New-passw0rd').expect(200);
    expect((await signIn(JANE, 'New-passw0rd')).status).to.equal(200);
    expect((await signIn(JANE, 'Old-passw0rd')).status).to.equal(401);
    const reused = await reset(token, 'Third-passw0rd');
    expect(reused.status).to.equal(422);
    expect(reused.body.error.fields.map((f: { path: string }) => f.path)).to.deep.equal(['reset_password_token']);

    await forgetResetThrottle(JANE);
    await rt.http().post('/auth/password').send({ email: JANE }).expect(200);
    const second = await awaitMail(sb, JANE, (m) => m.subject === 'Reset your password' && tokenIn(m) !== token);
    await rt.sequelize.query("UPDATE password_tokens SET expires_at = now() - interval '1 second' WHERE user_id = :id AND used_at IS NULL", { replacements: { id: user.id } });
    expect((await reset(tokenIn(second), 'Expired-passw0rd')).status).to.equal(422);
    expect((await signIn(JANE, 'New-passw0rd')).status).to.equal(200);
  });

  it('marks an invitation sent once LeadMail took it; Resend issues a fresh link and kills the old one', async () => {
    // INFO accepted an invitation above: the operator deletes that user, so the address can be invited afresh.
    const before = await rt.models.User.findOne({ where: { email: INFO } });
    if (before) await rt.http().delete(`/platform/api/v1/users/${before.id}`).set('api_access_token', TEST_PLATFORM_TOKEN).expect(200);
    const seen = new Set((await readInbox(sb, INFO)).filter((m) => LINK.test(m.text ?? '')).map(tokenIn));
    const created = await rt.http().post(agentsPath()).set('api_access_token', account.admin.token).send({ name: 'Rae', email: INFO, role: 'agent' }).expect(200);
    expect(created.body).to.include({ invitation_status: 'pending', invitation_error: null, confirmed: false });
    const first = tokenIn(await awaitMail(sb, INFO, (m) => LINK.test(m.text ?? '') && !seen.has(tokenIn(m))));
    seen.add(first);
    await eventually(async () => (await agentIn(created.body.id)).invitation_status === 'sent' || undefined);

    const agent = await createUser('Plain Agent');
    await addToAccount(account.id, agent, 'agent');
    expect((await rt.http().post(`${agentsPath()}/${created.body.id}/resend_invitation`).set('api_access_token', agent.token)).status).to.equal(403);
    const resent = await rt.http().post(`${agentsPath()}/${created.body.id}/resend_invitation`).set('api_access_token', account.admin.token).expect(200);
    expect(resent.body).to.include({ id: created.body.id, invitation_status: 'pending' });
    expect((await reset(first, 'Welcome-1234')).status, 'the first link died with the resend').to.equal(422);
    const second = tokenIn(await awaitMail(sb, INFO, (m) => LINK.test(m.text ?? '') && !seen.has(tokenIn(m))));
    await reset(second, 'Welcome-1234').expect(200);
    expect((await signIn(INFO, 'Welcome-1234')).status).to.equal(200);
    const done = await rt.http().post(`${agentsPath()}/${created.body.id}/resend_invitation`).set('api_access_token', account.admin.token);
    expect(done.status).to.equal(422);
    expect(done.body.error.fields).to.deep.equal([{ path: 'id', message: 'has already accepted the invitation' }]);
  });

  it('shows an invitation LeadMail refused as failed, with its reason', async () => {
    const refusing = await startSendRuntime(sb, { MAILER_SENDER_EMAIL: 'LeadChat <notifications@unverified.localhost>' });
    try {
      const created = await refusing.http().post(agentsPath()).set('api_access_token', account.admin.token).send({ name: 'Una', email: 'una@example.test', role: 'agent' }).expect(200);
      const failed = await eventually(async () => {
        const row = await agentIn(created.body.id);
        return row.invitation_status === 'failed' ? row : undefined;
      });
      expect(failed.invitation_error).to.match(/unverified\.localhost is not verified/);
      expect(failed.confirmed).to.equal(false);
    } finally {
      await refusing.close();
    }
  });

  it('sends one reset email per address per minute, and answers the same for known and unknown addresses', async () => {
    await forgetResetThrottle(JANE);
    const resetsTo = async (address: string) => (await sent()).filter((s) => s.subject === 'Reset your password' && s.to.includes(address)).length;
    const already = await resetsTo(JANE);
    const answers = [];
    for (const address of [JANE, JANE, JANE, 'ghost@example.test', 'ghost@example.test']) answers.push(JSON.stringify((await rt.http().post('/auth/password').send({ email: address }).expect(200)).body));
    expect(new Set(answers).size).to.equal(1);
    await eventually(async () => (await resetsTo(JANE)) > already || undefined);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await resetsTo(JANE)).to.equal(already + 1);
    expect(await resetsTo('ghost@example.test')).to.equal(0);
  });

  it('invites an existing user to sign in and accept on their profile, with no password link', async () => {
    const other = await createAccount('Jane Co');
    await rt.http().post(`/api/v1/accounts/${other.id}/agents`).set('api_access_token', other.admin.token).send({ name: 'Jane', email: JANE, role: 'agent' }).expect(200);
    const mail = await awaitMail(sb, JANE, (m) => m.subject === 'You have been invited to join Jane Co');
    expect(mail.text).to.contain(`${FRONTEND_URL}/profile`).and.not.match(LINK);
  });

  it('emails a conversation transcript to an address (public messages only); 404 for another account', async () => {
    const inbox = await rt.http().post(`/api/v1/accounts/${account.id}/inboxes`).set('api_access_token', account.admin.token)
      .send({ name: 'Web', channel: { type: 'email', email: `web.${account.id}@example.test` } }).expect(200);
    const contact = await rt.http().post(`/api/v1/accounts/${account.id}/contacts`).set('api_access_token', account.admin.token).send({ name: 'Casey', email: 'casey@customer.example' }).expect(200);
    const conversation = await rt.http().post(`/api/v1/accounts/${account.id}/conversations`).set('api_access_token', account.admin.token)
      .send({ inbox_id: inbox.body.id, contact_id: contact.body.payload.contact.id }).expect(200);
    const messages = `/api/v1/accounts/${account.id}/conversations/${conversation.body.id}/messages`;
    await rt.http().post(messages).set('api_access_token', account.admin.token).send({ content: 'My order is late', message_type: 'incoming' }).expect(200);
    await rt.http().post(messages).set('api_access_token', account.admin.token).send({ content: 'Checking with the warehouse', private: true }).expect(200);
    await rt.http().post(messages).set('api_access_token', account.admin.token).send({ content: 'It ships today' }).expect(200);

    const path = `/api/v1/accounts/${account.id}/conversations/${conversation.body.id}/transcript`;
    expect((await rt.http().post(path).set('api_access_token', account.admin.token).send({ email: 'nope' })).status).to.equal(422);
    const outsider = await createAccount();
    expect((await rt.http().post(`/api/v1/accounts/${outsider.id}/conversations/${conversation.body.id}/transcript`).set('api_access_token', outsider.admin.token).send({ email: JANE })).status).to.equal(404);
    await rt.http().post(path).set('api_access_token', account.admin.token).send({ email: JANE }).expect(200);

    const mail = await awaitMail(sb, JANE, (m) => m.subject === `[#${conversation.body.id}] Conversation Transcript`);
    expect(mail.text).to.match(/^Casey \(.+ UTC\):\nMy order is late\n\nAdmin \(.+ UTC\):\nIt ships today\n$/);
    expect(mail.text).to.not.contain('warehouse');
    expect((await sent()).find((s) => s.subject === mail.subject)).to.deep.include({ via: 'leadmail', to: [JANE] });
  });

  it("emails an automation rule's message to a team's members (send_email_to_team) and the transcript to an address (send_email_transcript)", async () => {
    const admin = { api_access_token: account.admin.token };
    const base = `/api/v1/accounts/${account.id}`;
    const existing = await rt.models.User.findOne({ where: { email: JANE } });
    const janeId = existing?.id ?? (await createUser('Jane Agent', { email: JANE })).id;
    await addToAccount(account.id, { id: janeId, email: JANE, token: '' }, 'agent').catch(() => undefined);
    const team = (await rt.http().post(`${base}/teams`).set(admin).send({ name: 'Escalations' }).expect(200)).body;
    await rt.http().post(`${base}/teams/${team.id}/team_members`).set(admin).send({ user_ids: [janeId] }).expect(200);
    await rt.http().post(`${base}/automation_rules`).set(admin).send({
      name: 'Tell escalations', event_name: 'conversation_created',
      conditions: [{ attribute_key: 'mail_subject', filter_operator: 'contains', values: ['outage'] }],
      actions: [
        { action_name: 'send_email_to_team', action_params: [{ team_ids: [team.id], message: 'A customer reports an outage.' }] },
        { action_name: 'send_email_transcript', action_params: [INFO] },
      ],
    }).expect(200);
    const inbox = await rt.http().post(`${base}/inboxes`).set(admin).send({ name: 'Ops', channel: { type: 'email', email: `ops.${account.id}@example.test` } }).expect(200);
    const contact = await rt.http().post(`${base}/contacts`).set(admin).send({ name: 'Olga', email: 'olga@customer.example' }).expect(200);
    const conversation = await rt.http().post(`${base}/conversations`).set(admin)
      .send({ inbox_id: inbox.body.id, contact_id: contact.body.payload.contact.id, additional_attributes: { mail_subject: 'Total outage' } }).expect(200);

    const mail = await awaitMail(sb, JANE, (m) => m.subject === `[#${conversation.body.id}] Total outage (for Escalations)`);
    expect(mail.text).to.equal(`A customer reports an outage.\n\n[#${conversation.body.id}] Total outage\nOpen the conversation: ${FRONTEND_URL}/app/accounts/${account.id}/conversations/${conversation.body.id}\n`);
    expect((await sent()).find((s) => s.subject === mail.subject)).to.deep.include({ via: 'leadmail', to: [JANE] });
    await awaitMail(sb, INFO, (m) => m.subject === `[#${conversation.body.id}] Conversation Transcript`);
  });

  it('skips transactional emails with a warning when LeadMail is not configured', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: new Writable({ write: (chunk, _e, cb) => void (lines.push(String(chunk)), cb()) }) });
    const mail = new TransactionalMail({ config: { FRONTEND_URL, MAILER_SENDER_EMAIL: MAILER_SENDER, LEADMAIL_BASE_URL: undefined, LEADMAIL_API_KEY: undefined }, sequelize: rt.sequelize, queues: rt.queues, logger });
    const result = await mail.send(passwordResetEmail({ sender: MAILER_SENDER, to: JANE, name: 'Jane', link: 'https://x.test/secret-link' }));
    expect(result).to.deep.equal({ skipped: 'leadmail not configured' });
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0])).to.include({ level: 40, msg: 'LeadMail is not configured (LEADMAIL_BASE_URL, LEADMAIL_API_KEY): transactional email skipped', subject: 'Reset your password' });
    expect(lines[0]).to.not.contain('secret-link');
  });
});
