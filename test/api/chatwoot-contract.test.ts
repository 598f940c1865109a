import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chatwootOperations, COVERAGE_FILE, coverageMarkdown, isServed, type ChatwootOperation } from '../../scripts/api-coverage.js';
import { registeredRoutes } from '../../scripts/route-list.js';
import { repoRoot } from '../../server/src/lib/paths.js';
import { TEST_PLATFORM_TOKEN } from '../support/env.js';
import { createAccount, imapChannel } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

type Json = Record<string, unknown>;

/** `a.b.c` of a JSON body. */
const at = (body: unknown, wrap?: string) => (wrap ? wrap.split('.').reduce<unknown>((v, k) => (v as Json | undefined)?.[k], body) : body);

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Every key of the operation's response schema is present with its JSON type. */
function shapeProblems(op: ChatwootOperation, body: unknown): string[] {
  if (!op.response) return [];
  const value = at(body, op.wrap);
  const records = op.item ? (Array.isArray(value) ? value.slice(0, 3) : [undefined]) : [value];
  if (op.item && !Array.isArray(value)) return [`expected a list at ${op.wrap ?? '(body)'}, got ${typeOf(value)}`];
  const problems: string[] = [];
  for (const record of records) {
    if (typeOf(record) !== 'object') {
      problems.push(`expected an object at ${op.wrap ?? '(body)'}, got ${typeOf(record)}`);
      continue;
    }
    for (const [key, type] of Object.entries(op.response)) {
      const actual = typeOf((record as Json)[key]);
      if (actual !== type) problems.push(`${key}: ${type} expected, got ${actual}`);
    }
  }
  return problems;
}

/**
 * Chatwoot's API description replayed against LeadChat: every operation the router serves is called
 * with the example request derived from Chatwoot's swagger, and must answer 2xx with the keys and
 * JSON types of Chatwoot's response schema. The coverage table in docs/ must match the router list.
 */
describe("Chatwoot's API description, replayed", function () {
  this.timeout(60_000);
  const ops = chatwootOperations(repoRoot);

  it('docs/chatwoot-api-coverage.md is generated from the current router list (npx tsx scripts/api-coverage.ts)', async () => {
    const rt = await runtime();
    const expected = `${coverageMarkdown(ops, registeredRoutes(rt.registries, rt.app))}\n`;
    expect(readFileSync(path.join(repoRoot, COVERAGE_FILE), 'utf8'), 'stale: run npx tsx scripts/api-coverage.ts').to.equal(expected);
  });

  it('answers every served operation with its status and response shape', async () => {
    const rt = await runtime();
    const api = await http();
    const routes = registeredRoutes(rt.registries, rt.app);
    const served = ops.filter((op) => isServed(op, routes));
    expect(served.length).to.be.above(40);

    const run = randomUUID().slice(0, 8);
    const account = await createAccount();
    const auth = { api_access_token: account.admin.token };
    const platformAuth = { api_access_token: TEST_PLATFORM_TOKEN };
    const base = `/api/v1/accounts/${account.id}`;
    const inbox = (await api.post(`${base}/inboxes`).set(auth).send({ name: 'Contract', channel: imapChannel() }).expect(200)).body;
    const contact = (await api.post(`${base}/contacts`).set(auth).send({ name: 'Contract World', email: `world.${run}@example.test`, inbox_id: inbox.id }).expect(200)).body.payload;
    const conversation = (await api.post(`${base}/conversations`).set(auth).send({ inbox_id: inbox.id, contact_id: contact.contact.id }).expect(200)).body;
    const note = (await api.post(`${base}/conversations/${conversation.id}/messages`).set(auth).send({ content: 'to delete', private: true }).expect(200)).body;
    // The public client API reaches an API inbox by its identifier and a contact by its source id.
    const apiInbox = (await api.post(`${base}/inboxes`).set(auth).send({ name: 'Contract API', channel: { type: 'api' } }).expect(200)).body;
    const client = `/public/api/v1/inboxes/${apiInbox.inbox_identifier}`;
    const clientContact = (await api.post(`${client}/contacts`).send({ name: 'Contract Client' }).expect(200)).body;
    const clientConversation = (await api.post(`${client}/contacts/${clientContact.source_id}/conversations`).send({}).expect(200)).body;

    // Ids by resource (the path segment before a parameter); POSTs replace them with what they created.
    const ids: Record<string, number> = {
      inboxes: inbox.id, inbox_members: inbox.id, contacts: contact.contact.id, conversations: conversation.id, messages: note.id, users: account.admin.id,
    };
    const platformIds: Record<string, number> = { accounts: account.id, users: account.admin.id };
    const clientIds: Record<string, number | string> = { inboxes: apiInbox.inbox_identifier, contacts: clientContact.source_id, conversations: clientConversation.id };
    const pools = { application: ids, platform: platformIds, client: clientIds };
    const fill = (op: ChatwootOperation, text: string): string => {
      const pool: Record<string, number | string> = pools[op.group];
      return text.replace(/\/(\w+)\/\{(\w+)\}/g, (_m, segment: string, param: string) => {
        const resource = param === 'id' ? segment : param === 'account_id' && op.group === 'application' ? 'account' : segment;
        const value = resource === 'account' ? account.id : pool[resource];
        if (value === undefined) throw new Error(`${op.method} ${op.path}: no ${resource} to use`);
        return `/${segment}/${value}`;
      });
    };
    const body = (op: ChatwootOperation): unknown =>
      JSON.parse(JSON.stringify(op.request ?? {}), (_k, v) => {
        if (v === '{inbox_id}') return inbox.id;
        if (v === '{user_id}') return account.admin.id;
        if (v === '{source_id}') return contact.contact_inbox.source_id;
        if (v === '{email_channel}') return imapChannel();
        if (v === '{agent_bot_id}') return ids.agent_bots;
        return typeof v === 'string' ? v.replace('{run}', run) : v;
      });

    // Deletions last (newest first), so every other operation still finds its records.
    const ordered = [...served.filter((op) => op.method !== 'delete'), ...served.filter((op) => op.method === 'delete').reverse()];
    const problems: string[] = [];
    for (const op of ordered) {
      let url: string;
      try {
        url = fill(op, op.path);
      } catch (err) {
        problems.push((err as Error).message);
        continue;
      }
      // The client API takes no token: what it reaches is named by the path.
      const res = await api[op.method as 'get'](url).set(op.group === 'platform' ? platformAuth : op.group === 'client' ? {} : auth).send(body(op) as object);
      const name = `${op.method.toUpperCase()} ${op.path}`;
      if (res.status < 200 || res.status > 299) {
        problems.push(`${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        continue;
      }
      problems.push(...shapeProblems(op, res.body).map((p) => `${name}: ${p}`));
      const created = op.method === 'post' && !/\}\/?$/.test(op.path.split('?')[0]!) ? (at(res.body, op.wrap) as Json | undefined) : undefined;
      const segment = op.path.split('?')[0]!.replace(/\/$/, '').split('/').pop()!;
      // A client contact is named by its source id afterwards, not its id.
      const createdId = op.group === 'client' && segment === 'contacts' ? created?.source_id : created?.id;
      if (typeof createdId === 'number' || (op.group === 'client' && typeof createdId === 'string')) pools[op.group][segment] = createdId;
    }
    expect(problems).to.deep.equal([]);
  });
});
