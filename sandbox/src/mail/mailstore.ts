// The sandbox's own IMAP access to Dovecot: one connection per mailbox, reused, so Graph requests
// and seeding read and write the very mailboxes IMAP clients see. Delivery goes through LMTP.
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { multiAppend, type AppendItem } from './multi-append.js';

export interface DeliveryResult {
  accepted: string[];
  rejected: string[];
}

export class MailStore {
  private connections = new Map<string, Promise<ImapFlow>>();
  private readonly lmtp;

  constructor(
    private readonly o: { imapPort: number; lmtpPort: number; secret: string; logger: Logger },
  ) {
    this.lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: o.lmtpPort, lmtp: true, secure: false, ignoreTLS: true, name: 'sandbox.test' });
  }

  private connect(address: string): Promise<ImapFlow> {
    const existing = this.connections.get(address);
    if (existing) return existing;
    const client = new ImapFlow({
      host: '127.0.0.1', port: this.o.imapPort, secure: false, logger: false,
      auth: { user: address, pass: this.o.secret }, disableAutoIdle: true,
      // Loopback and internal: no need to trust our own CA inside the sandbox process.
      doSTARTTLS: false,
    });
    const ready = client.connect().then(() => client);
    this.connections.set(address, ready);
    const forget = (): void => {
      if (this.connections.get(address) === ready) this.connections.delete(address);
    };
    client.on('close', forget);
    client.on('error', (err: Error) => {
      this.o.logger.warn({ err, address }, 'mailstore connection error');
      forget();
    });
    ready.catch(forget);
    return ready;
  }

  /** Runs `fn` with `folder` selected; the lock serialises folder work on the shared connection. */
  async withFolder<T>(address: string, folder: string, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = await this.connect(address);
    const lock = await client.getMailboxLock(folder);
    try {
      // The session is kept between requests and may have this folder selected already; a NOOP makes
      // Dovecot report mail delivered since (as Graph sees it at once), before anything is read.
      await client.noop();
      return await fn(client);
    } finally {
      lock.release();
    }
  }

  async listFolders(address: string): Promise<{ path: string; specialUse?: string }[]> {
    const client = await this.connect(address);
    return (await client.list()).map((f) => ({ path: f.path, specialUse: f.specialUse }));
  }

  async status(address: string, folder: string): Promise<{ messages: number; unseen: number }> {
    const client = await this.connect(address);
    const s = await client.status(folder, { messages: true, unseen: true });
    return s ? { messages: s.messages ?? 0, unseen: s.unseen ?? 0 } : { messages: 0, unseen: 0 };
  }

  async append(address: string, folder: string, raw: Buffer | string, flags: string[] = [], date?: Date): Promise<number | undefined> {
    const client = await this.connect(address);
    const res = await client.append(folder, raw, flags, date);
    return res ? res.uid : undefined;
  }

  /** Many messages into one folder in a single MULTIAPPEND (seeding for benchmarks). */
  appendMany(address: string, folder: string, items: AppendItem[]): Promise<number> {
    return multiAppend({ port: this.o.imapPort, user: address, secret: this.o.secret, folder, items });
  }

  /** Delivers like an MTA would: LMTP into each recipient's INBOX. */
  async deliver(raw: Buffer | string, from: string, recipients: string[]): Promise<DeliveryResult> {
    if (recipients.length === 0) return { accepted: [], rejected: [] };
    const info = await this.lmtp.sendMail({ envelope: { from, to: recipients }, raw });
    const flat = (list: unknown[]): string[] => list.map((a) => (typeof a === 'string' ? a : (a as { address: string }).address));
    return { accepted: flat(info.accepted), rejected: flat(info.rejected) };
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map(async (p) => {
      try {
        const client = await p;
        await client.logout();
      } catch {
        // Already gone (e.g. Dovecot stopped first).
      }
    }));
    this.lmtp.close();
  }
}
