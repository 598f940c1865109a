// A runtime of its own for the send tests: the shared test database, a Redis prefix of its own with
// workers running (the shared runtime never processes jobs), and LeadMail pointed at the sandbox.
import { randomUUID } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import supertest from 'supertest';
import type { Runtime } from '../../../server/src/runtime.js';
import { startSecondRuntime } from '../../support/factories.js';
import { clearRedisPrefix } from '../../support/runtime.js';
import { eventually, imapConnect, type SandboxPeer, type TestSandbox } from '../../sandbox/helpers.js';

export const MAILER_SENDER = 'LeadChat <notifications@example.test>';
export const FRONTEND_URL = 'http://app.example.test';

export async function startSendRuntime(sb: TestSandbox, env: NodeJS.ProcessEnv = {}): Promise<Runtime & { http: () => supertest.Agent }> {
  const prefix = `leadchat-test-send-${randomUUID().slice(0, 8)}`;
  const rt = await startSecondRuntime({
    REDIS_PREFIX: prefix,
    LEADMAIL_BASE_URL: sb.world.leadmail.baseUrl,
    LEADMAIL_API_KEY: sb.world.leadmail.apiKey,
    MAILER_SENDER_EMAIL: MAILER_SENDER,
    FRONTEND_URL,
    ...env,
  });
  rt.queues.startWorkers();
  return {
    ...rt,
    http: () => supertest.agent(rt.app),
    async close() {
      await rt.close();
      await clearRedisPrefix(rt.config);
    },
  };
}

export const passwordOf = (sb: SandboxPeer, address: string) => sb.world.plainMailboxes.find((m) => m.address === address)!.password;

/** Every message of a mailbox's INBOX, parsed (mailparser), read over IMAP with the mailbox's password. */
export async function readInbox(sb: SandboxPeer, address: string): Promise<ParsedMail[]> {
  const client = await imapConnect(sb, { user: address, pass: passwordOf(sb, address) });
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      if (!client.mailbox || client.mailbox.exists === 0) return [];
      const out: ParsedMail[] = [];
      for await (const m of client.fetch('1:*', { source: true })) if (m.source) out.push(await simpleParser(m.source));
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/** Waits for a message in the mailbox that matches. */
export async function awaitMail(sb: SandboxPeer, address: string, match: (m: ParsedMail) => boolean, timeoutMs = 10_000): Promise<ParsedMail> {
  return eventually(async () => (await readInbox(sb, address)).find(match), timeoutMs);
}
