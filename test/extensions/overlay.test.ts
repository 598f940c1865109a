import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createAccount, imapChannel, type TestAccount } from '../support/factories.js';
import { http, runtime } from '../support/runtime.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : /\.(ts|vue)$/.test(p) ? [p] : [];
  });
}

/** What an overlay may import of the core: the server's extension API; in its client code, the client facade. */
const SERVER_API = 'server/src/extensions/index';
const CLIENT_FACADE = ['client/src/extensions/api', 'client/src/extensions/components'];

/**
 * Every import (static, dynamic or bare) in the overlays under `root` (a tree laid out like the
 * repository) that reaches the core other than through its public APIs, as `file: specifier`.
 */
function importsOutsideTheApi(root: string): string[] {
  return sourceFiles(path.join(root, 'overlays')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'([^']+)'/g)]
      .map((m) => m[1]!)
      .filter((spec) => {
        if (!spec.startsWith('.')) return false;
        const target = path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep).join('/').replace(/\.(js|ts|vue)$/, '');
        if (target.startsWith('server/src/')) return target !== SERVER_API;
        const clientCode = /^overlays\/[^/]+\/client\//.test(path.relative(root, file).split(path.sep).join('/'));
        return clientCode && target.startsWith('client/src/') && !CLIENT_FACADE.includes(target);
      })
      .map((spec) => `${path.relative(root, file)}: ${spec}`),
  );
}

/**
 * Runs in both passes of `npm test`: with the overlay (EXTENSIONS=leadchat) its provider and route
 * are reachable; with the core alone (EXTENSIONS=) neither exists and the core works on its own.
 */
describe('the LeadChat overlay through the extension registries', () => {
  let account: TestAccount;
  let overlayOn: boolean;

  before(async () => {
    overlayOn = (await runtime()).config.EXTENSIONS.includes('leadchat');
    account = await createAccount();
  });

  it('serves its account route only when enabled', async () => {
    const res = await (await http()).get(`/api/v1/accounts/${account.id}/microsoft_shared/transports`).set('api_access_token', account.admin.token);
    if (overlayOn) {
      expect(res.status).to.equal(200);
      expect(res.body.payload.map((t: { id: string }) => t.id)).to.deep.equal(['graph_full', 'imap_smtp', 'imap_leadmail']);
    } else {
      expect(res.status).to.equal(404);
    }
  });

  it('registers the microsoft_shared provider and its predicate only when enabled', async () => {
    const rt = await runtime();
    const shared = rt.registries.providerFor({ email: 'support@contoso.test', provider: 'microsoft_shared', provider_config: { transport: 'graph_full' } });
    expect(shared?.id).to.equal(overlayOn ? 'microsoft_shared' : undefined);
    expect(rt.registries.providerFor({ email: 'info@example.test', provider: 'imap', provider_config: {} })?.id).to.equal('imap');

    const res = await (await http())
      .post(`/api/v1/accounts/${account.id}/inboxes`)
      .set('api_access_token', account.admin.token)
      .send({ name: 'Shared', channel: { ...imapChannel(), provider: 'microsoft_shared' } });
    expect(res.status).to.equal(422);
    expect(res.body.error.fields[0].message).to.match(overlayOn ? /created by signing in/ : /not a known email provider/);
  });

  it('runs its migrations only when enabled', async () => {
    const [rows] = await (await runtime()).sequelize.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'channel_email_microsoft_shared'`);
    expect(rows.length).to.equal(overlayOn ? 1 : 0);
  });

  it('imports nothing from the core but its public extension APIs (server: extensions/index; client .ts and .vue: the facade)', () => {
    expect(importsOutsideTheApi('.')).to.deep.equal([]);
  });

  it('the import check catches an overlay client component importing the core past the facade', () => {
    // test/extensions/fixtures is laid out like the repository: one overlay whose client reaches into client/src.
    expect(importsOutsideTheApi('test/extensions/fixtures')).to.deep.equal([
      'overlays/bad/client/components/Reach.vue: ../../../../client/src/stores/session',
    ]);
  });
});
