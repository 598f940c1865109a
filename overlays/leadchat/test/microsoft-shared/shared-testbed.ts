// One sandbox and one LeadChat runtime (workers on, its own Redis prefix) configured for it as an
// installation pointed at a Microsoft 365 tenant would be: the connect flow walked over HTTP form
// posts, replies sent by the real job, mail read back from Dovecot.
import { expect } from 'chai';
import type { ParsedMail } from 'mailparser';
import supertest from 'supertest';
import { controlFetch, eventually, imapConnect, startTestSandbox, type TestSandbox } from '../../../../test/sandbox/helpers.js';
import { consent, pathOf } from '../../../../test/email/oauth/oauth-testbed.js';
import { awaitMail, startSendRuntime } from '../../../../test/email/send/send-runtime.js';
import { createAccount, type TestAccount } from '../../../../test/support/factories.js';

export type SharedRuntime = Awaited<ReturnType<typeof startSendRuntime>>;
export const FRONTEND_URL = 'http://127.0.0.1:3000';
export const SUPPORT = 'support@contoso.test';
export const JANE = 'jane@example.test';
export const PASSWORDS: Record<string, string> = { 'alice@contoso.test': 'alice-pass', 'bob@contoso.test': 'bob-pass', 'dana@contoso.test': 'dana-pass' };
/** What the wizard says when an IMAP login into the shared mailbox is refused (no such mailbox, or no Full Access). */
export const mailboxOrFullAccessMessage = (delegate: string, mailbox: string) =>
  `${delegate} could not open ${mailbox}: either that mailbox does not exist or ${delegate} has no Full Access on it — check the address, or ask your Exchange admin to grant Full Access, then connect again.`;

/** The overlay's tests run only in the overlay pass of `npm test`. */
export function overlayEnabled(): boolean {
  return (process.env.EXTENSIONS ?? 'leadchat').split(',').map((s) => s.trim()).includes('leadchat');
}

export interface SharedTestbed {
  sb: TestSandbox;
  rt: SharedRuntime;
  account: TestAccount;
  /** The administrator's browser: it starts the sign-ins and, keeping their cookie, finishes them. */
  browser: supertest.Agent;
  authorize(body: Record<string, unknown>, token?: string): Promise<{ status: number; body: { success?: boolean; url: string; error?: { code: string; fields: { path: string; message: string }[] } } }>;
  /** Authorization → consent page (form post) → callback; returns the callback's redirect. */
  connect(user: string, body: Record<string, unknown>, decision?: string): Promise<URL>;
  /** The provider's redirect back, in the administrator's browser unless another one is given. */
  callback(url: URL, browser?: supertest.Agent): Promise<{ status: number; location?: string; text: string }>;
  channel(): Promise<SharedRuntime['models']['ChannelEmail']['prototype'] | null>;
  /** Frees support@ (channel + inbox) for the next test. */
  disconnect(): Promise<void>;
  /** A conversation with Jane: she writes to support@ and the channel's own receive path brings it in (IMAP transports). */
  agentReply(displayId: number, content: string): Promise<number>;
  sentItems(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * `env` replaces the default Microsoft settings (STARTTLS ports, multi-tenant authority); `sandbox`
 * shares one already running (then `close` leaves it running).
 */
export async function startSharedTestbed(opts: { env?: (world: TestSandbox['world']) => NodeJS.ProcessEnv; sandbox?: TestSandbox } = {}): Promise<SharedTestbed> {
  const sb = opts.sandbox ?? await startTestSandbox();
  const { world } = sb;
  const app = world.microsoft.apps[0]!;
  const rt = await startSendRuntime(sb, {
    // Entra accepts loopback redirect URIs only.
    FRONTEND_URL: FRONTEND_URL,
    ...(opts.env?.(world) ?? {
      MICROSOFT_CLIENT_ID: app.clientId,
      MICROSOFT_CLIENT_SECRET: app.clientSecret,
      MICROSOFT_AUTHORITY: `https://${world.microsoft.authorityHost}/organizations`,
      MICROSOFT_GRAPH_BASE_URL: world.microsoft.graphBaseUrl,
      MICROSOFT_IMAP_HOST: world.imap.host,
      MICROSOFT_IMAP_PORT: String(world.imap.port),
      MICROSOFT_SMTP_HOST: world.smtp.host,
      MICROSOFT_SMTP_PORT: String(world.smtp.port),
    }),
  });
  const account = await createAccount();
  const bed: SharedTestbed = {
    sb, rt, account, browser: supertest.agent(rt.app),
    async authorize(body, token = account.admin.token) {
      const res = await bed.browser.post(`/api/v1/accounts/${account.id}/microsoft_shared/authorization`).set('api_access_token', token).send(body);
      return { status: res.status, body: res.body };
    },
    async connect(user, body, decision = 'accept') {
      const started = await bed.authorize(body);
      expect(started.status, JSON.stringify(started.body)).to.equal(200);
      const back = await consent(started.body.url, user, PASSWORDS[user]!, decision);
      const res = await bed.callback(back);
      expect(res.status, res.text).to.equal(302);
      return new URL(res.location!);
    },
    async callback(url, browser = bed.browser) {
      const res = await browser.get(pathOf(url));
      return { status: res.status, location: res.headers.location, text: res.text };
    },
    channel: () => rt.models.ChannelEmail.findOne({ where: { email: SUPPORT } }),
    async disconnect() {
      const channel = await bed.channel();
      if (!channel) return;
      const inbox = await rt.models.Inbox.findOne({ where: { channel_id: channel.id } });
      if (inbox) await rt.http().delete(`/api/v1/accounts/${channel.account_id}/inboxes/${inbox.id}`).set('api_access_token', account.admin.token).expect(200);
      else await channel.destroy();
    },
    async agentReply(displayId, content) {
      const res = await rt.http().post(`/api/v1/accounts/${account.id}/conversations/${displayId}/messages`).set('api_access_token', account.admin.token).send({ content });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body.id as number;
    },
    async sentItems() {
      const { json } = await controlFetch(sb, 'POST', '/tokens/issue', { user: 'alice@contoso.test', scopes: ['IMAP.AccessAsUser.All'] });
      const client = await imapConnect(sb, { user: SUPPORT, accessToken: (json as { access_token: string }).access_token });
      try {
        const lock = await client.getMailboxLock('Sent Items');
        try {
          if (!client.mailbox || client.mailbox.exists === 0) return [];
          const ids: string[] = [];
          for await (const m of client.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '');
          return ids;
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
    },
    async close() {
      await bed.disconnect().catch(() => undefined);
      await rt.close();
      if (!opts.sandbox) await sb.close();
    },
  };
  return bed;
}

/** Jane's mail in her own mailbox that matches. */
export const janeReceives = (bed: SharedTestbed, match: (m: ParsedMail) => boolean) => awaitMail(bed.sb, JANE, match);

export { controlFetch, eventually };
