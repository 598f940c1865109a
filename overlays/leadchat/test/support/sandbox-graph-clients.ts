// GraphClients for the graph receive tests: @microsoft/microsoft-graph-client against the sandbox.
// Delegated clients use tokens minted by the control API for the channel's delegate (stored tokens
// are the connect flow's business); app-only ones use msal client credentials, so whether push is
// possible depends on the admin consent the sandbox really has. The SDK's RetryHandler waits out
// 429 + Retry-After.
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client } from '@microsoft/microsoft-graph-client';
import { decodeJwt } from 'jose';
import type { EmailChannel } from '../../../../server/src/extensions/index.js';
import type { GraphClients } from '../../server/microsoft/contracts.js';
import type { TestSandbox } from '../../../../test/sandbox/helpers.js';

const DELEGATE_SCOPES = ['User.Read', 'Mail.ReadWrite.Shared', 'Mail.Send.Shared'];

export function sandboxGraphClients(sb: TestSandbox): GraphClients & { requests: string[] } {
  const { microsoft } = sb.world;
  const app = microsoft.apps[0]!;
  const requests: string[] = [];
  const client = (token: () => Promise<string>): Client => Client.init({
    baseUrl: microsoft.graphBaseUrl,
    customHosts: new Set([microsoft.graphHost]),
    authProvider: (done) => {
      token().then((t) => done(null, t), (err: Error) => done(err, null));
    },
  });
  const msal = new ConfidentialClientApplication({
    auth: { clientId: app.clientId, clientSecret: app.clientSecret, authority: microsoft.authority, knownAuthorities: [microsoft.authorityHost] },
  });
  const appToken = async (): Promise<string> => {
    const result = await msal.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'], skipCache: true });
    return result!.accessToken;
  };
  return {
    requests,
    async forChannel(channel: EmailChannel) {
      requests.push('delegated');
      const user = String(channel.provider_config.delegate_upn);
      return client(() => sb.control.issueToken({ user, scopes: DELEGATE_SCOPES }));
    },
    async appOnly() {
      const roles = (decodeJwt(await appToken()).roles as string[] | undefined) ?? [];
      if (!roles.includes('Mail.Read')) return null;
      requests.push('app');
      return client(appToken);
    },
  };
}
