// Shared set-up for the receive tests: an email inbox on the sandbox's Dovecot (info@example.test with
// its password), mail put in with imapflow APPEND, and the real `email.fetch` job run from the registry.
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import type { Job } from 'bull';
import { createAccount, type TestAccount } from '../../support/factories.js';
import { http, runtime } from '../../support/runtime.js';
import type { TestSandbox } from '../../sandbox/helpers.js';
import type { FetchOutcome } from '../../../server/src/channels/email/receive/imap-fetcher.js';

export const MAILBOX = { user: 'info@example.test', pass: 'info-pass' };

export interface ReceiveInbox {
  account: TestAccount;
  inboxId: number;
  channelId: number;
  /** The channel's own address (unique per test; the IMAP login is always info@). */
  email: string;
}

/** An IMAP inbox through the inbox API, reading info@'s INBOX over STARTTLS. */
export async function createImapInbox(sb: TestSandbox, opts: { backfillDays?: number; password?: string; port?: number; account?: TestAccount } = {}): Promise<ReceiveInbox> {
  const account = opts.account ?? (await createAccount());
  const email = `support.${randomUUID().slice(0, 8)}@example.test`;
  const res = await (await http())
    .post(`/api/v1/accounts/${account.id}/inboxes`)
    .set('api_access_token', account.admin.token)
    .send({
      name: 'Support',
      channel: {
        type: 'email', email, imap_enabled: true, imap_address: sb.world.imap.host, imap_port: opts.port ?? sb.world.imap.port,
        imap_login: MAILBOX.user, imap_password: opts.password ?? MAILBOX.pass, imap_enable_ssl: false, backfill_days: opts.backfillDays ?? 30,
      },
    });
  if (res.status !== 200) throw new Error(`inbox create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { account, inboxId: res.body.id, channelId: res.body.channel_id, email };
}

export async function withMailbox<T>(sb: TestSandbox, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: sb.world.imap.host, port: sb.world.imap.port, secure: false, auth: MAILBOX, logger: false, disableAutoIdle: true });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout();
  }
}

/** APPENDs messages to info@'s INBOX (or another folder); returns their UIDs. */
export async function append(sb: TestSandbox, raws: (Buffer | string)[], folder = 'INBOX'): Promise<number[]> {
  return withMailbox(sb, async (client) => {
    const uids: number[] = [];
    for (const raw of raws) {
      const res = await client.append(folder, raw);
      if (res && res.uid) uids.push(res.uid);
    }
    return uids;
  });
}

export async function clearInbox(sb: TestSandbox): Promise<void> {
  await withMailbox(sb, async (client) => {
    const lock = await client.getMailboxLock('INBOX');
    try {
      if (client.mailbox && client.mailbox.exists) await client.messageDelete('1:*');
    } finally {
      lock.release();
    }
  });
}

/** Runs the registered `email.fetch` job processor, as the worker would. */
export async function runFetch(channelId: number, force = false): Promise<FetchOutcome> {
  const rt = await runtime();
  const job = rt.registries.jobs.get('email.fetch');
  if (!job) throw new Error('email.fetch is not registered');
  return (await job.process({ channelId, force } as never, { id: `test-${randomUUID()}`, data: { channelId, force } } as unknown as Job<never>)) as FetchOutcome;
}

/** A small RFC 5322 message. */
export function mime(h: { from?: string; to?: string; cc?: string; subject?: string; messageId?: string | null; inReplyTo?: string; references?: string; replyTo?: string; extra?: string[]; body?: string }): string {
  const lines = [
    `From: ${h.from ?? 'Jane Customer <jane@example.test>'}`,
    `To: ${h.to ?? 'info@example.test'}`,
    ...(h.cc ? [`Cc: ${h.cc}`] : []),
    ...(h.replyTo ? [`Reply-To: ${h.replyTo}`] : []),
    `Subject: ${h.subject ?? 'Hello'}`,
    `Date: ${new Date().toUTCString()}`,
    ...(h.messageId === null ? [] : [`Message-ID: ${h.messageId ?? `<${randomUUID()}@example.test>`}`]),
    ...(h.inReplyTo ? [`In-Reply-To: ${h.inReplyTo}`] : []),
    ...(h.references ? [`References: ${h.references}`] : []),
    ...(h.extra ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${h.body ?? 'Hello there'}\r\n`;
}
