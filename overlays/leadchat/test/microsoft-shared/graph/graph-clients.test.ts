// The overlay's real Graph clients (msal-node client credentials against the sandbox's Entra ID):
// app-only access follows the tenant's admin consent as soon as it is granted or withdrawn.
import { expect } from 'chai';
import { MsalApps } from '../../../../../server/src/extensions/index.js';
import { MicrosoftGraphClients } from '../../../server/microsoft/graph-clients.js';
import { controlFetch, startTestSandbox, type TestSandbox } from '../../../../../test/sandbox/helpers.js';
import { pino } from 'pino';

describe('microsoft_shared: app-only Graph access follows admin consent', function () {
  this.timeout(30_000);
  let sb: TestSandbox;

  before(async function () {
    if (!(process.env.EXTENSIONS ?? 'leadchat').split(',').includes('leadchat')) this.skip();
    sb = await startTestSandbox();
  });
  after(async () => { await sb?.close(); });

  it('answers null before consent, a client right after it, and null again once it is withdrawn, when asked for a fresh answer', async () => {
    const app = sb.world.microsoft.apps[0];
    const config = {
      MICROSOFT_CLIENT_ID: app.clientId,
      MICROSOFT_CLIENT_SECRET: app.clientSecret,
      MICROSOFT_AUTHORITY: `https://${sb.world.microsoft.authorityHost}/organizations`,
      MICROSOFT_GRAPH_BASE_URL: sb.world.microsoft.graphBaseUrl,
    };
    const logger = pino({ level: 'silent' });
    const clients = new MicrosoftGraphClients({ settings: config, apps: new MsalApps(config, logger), channelToken: async () => 'unused' });
    const consent = (grant: boolean) => controlFetch(sb, 'POST', '/permissions', { clientId: app.clientId, appRole: 'Mail.Read', grant });
    const tenant = sb.world.microsoft.tenantId;

    await consent(false);
    expect(await clients.appOnly(tenant, { fresh: true })).to.equal(null);
    await consent(true);
    const client = await clients.appOnly(tenant, { fresh: true });
    expect(client, 'push possible right after consent').to.not.equal(null);
    const inbox = await client!.api('/users/support@contoso.test/mailFolders/inbox').get();
    expect(inbox.displayName).to.be.a('string');
    await consent(false);
    expect(await clients.appOnly(tenant, { fresh: true })).to.equal(null);
  });
});
