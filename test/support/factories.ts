import { randomUUID } from 'node:crypto';
import { TEST_PLATFORM_TOKEN } from './env.js';
import { http } from './runtime.js';

export interface TestUser {
  id: number;
  email: string;
  token: string;
}

export interface TestAccount {
  id: number;
  admin: TestUser;
}

const unique = () => randomUUID().slice(0, 8);

/** Provisions through the Platform API, the way an installation's tooling would. */
export async function createUser(name = 'Test User', attrs: Record<string, unknown> = {}): Promise<TestUser> {
  const api = await http();
  const res = await api
    .post('/platform/api/v1/users')
    .set('api_access_token', TEST_PLATFORM_TOKEN)
    .send({ name, email: `${name.toLowerCase().replace(/\W+/g, '.')}.${unique()}@example.test`, ...attrs })
    .expect(200);
  return { id: res.body.id, email: res.body.email, token: res.body.access_token };
}

export async function addToAccount(accountId: number, user: TestUser, role: 'administrator' | 'agent'): Promise<void> {
  const api = await http();
  await api
    .post(`/platform/api/v1/accounts/${accountId}/account_users`)
    .set('api_access_token', TEST_PLATFORM_TOKEN)
    .send({ user_id: user.id, role })
    .expect(200);
}

export async function createAccount(name = `Account ${unique()}`): Promise<TestAccount> {
  const api = await http();
  const res = await api.post('/platform/api/v1/accounts').set('api_access_token', TEST_PLATFORM_TOKEN).send({ name }).expect(200);
  const admin = await createUser('Admin');
  await addToAccount(res.body.id, admin, 'administrator');
  return { id: res.body.id, admin };
}

export async function createAgent(account: TestAccount, name = 'Agent'): Promise<TestUser> {
  const agent = await createUser(name);
  await addToAccount(account.id, agent, 'agent');
  return agent;
}

export const imapChannel = (email = `support.${unique()}@example.test`) => ({
  type: 'email',
  email,
  imap_enabled: true,
  imap_address: 'imap.example.test',
  imap_port: 993,
  imap_login: email,
  imap_password: 'Secret-imap-1',
  imap_enable_ssl: true,
  smtp_enabled: true,
  smtp_address: 'smtp.example.test',
  smtp_port: 587,
  smtp_login: email,
  smtp_password: 'Secret-smtp-1',
  smtp_enable_starttls_auto: true,
});

export async function createInbox(account: TestAccount, name = 'Support'): Promise<{ id: number; email: string }> {
  const api = await http();
  const res = await api
    .post(`/api/v1/accounts/${account.id}/inboxes`)
    .set('api_access_token', account.admin.token)
    .send({ name, channel: imapChannel() })
    .expect(200);
  return { id: res.body.id, email: res.body.email };
}

// --- Contacts, conversations and inbox membership -------------------------------------------
import { runtime as sharedRuntime } from './runtime.js';

/** Inbox membership straight through the model (used before the inbox members API existed). */
export async function addInboxMember(inboxId: number, user: TestUser): Promise<void> {
  await (await sharedRuntime()).models.InboxMember.create({ inbox_id: inboxId, user_id: user.id });
}

export interface TestContact {
  id: number;
  name: string;
  email: string | null;
}

export async function createContact(account: TestAccount, attrs: Record<string, unknown> = {}): Promise<TestContact> {
  const api = await http();
  const res = await api
    .post(`/api/v1/accounts/${account.id}/contacts`)
    .set('api_access_token', account.admin.token)
    .send({ name: 'Casey Customer', email: `casey.${unique()}@customer.test`, ...attrs })
    .expect(200);
  const contact = res.body.payload.contact;
  return { id: contact.id, name: contact.name, email: contact.email };
}

/** A conversation through the API (as the account's administrator unless `as` is given); returns its payload. */
export async function createConversation(
  account: TestAccount,
  attrs: { inbox_id: number; contact_id: number } & Record<string, unknown>,
  as: TestUser = account.admin,
): Promise<{ id: number; uuid: string; inbox_id: number; status: string } & Record<string, unknown>> {
  const api = await http();
  const res = await api.post(`/api/v1/accounts/${account.id}/conversations`).set('api_access_token', as.token).send(attrs).expect(200);
  return res.body;
}

// --- A second process on the test database ----------------------------------------------------
import { createRuntime, type Runtime } from '../../server/src/runtime.js';
import { testConfig } from './runtime.js';

/**
 * Another LeadChat process on the shared test database — a worker, or one configured for the
 * sandbox. Sequelize models are process-wide and bound to the last runtime created (with every
 * association its registrations added), so closing this one leaves its connection pool open for them
 * (idle connections are released after 10 s) and closes everything else.
 */
export async function startSecondRuntime(overrides: NodeJS.ProcessEnv = {}): Promise<Runtime> {
  await sharedRuntime(); // creates and migrates the test database first
  const rt = await createRuntime(testConfig(overrides));
  rt.sequelize.close = async () => undefined;
  return rt;
}
