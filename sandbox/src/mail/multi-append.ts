// Bulk APPEND for seeding: one IMAP MULTIAPPEND (RFC 3502) with non-synchronising literals
// (LITERAL+, RFC 7888) on a connection of its own, so thousands of messages land in one Dovecot
// transaction without a round trip per message. imapflow appends one message per command.
import net from 'node:net';

export interface AppendItem {
  raw: Buffer;
  flags: string[];
  date: Date;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** RFC 3501 date-time in UTC: "05-Mar-2025 14:07:09 +0000". */
export function imapDateTime(d: Date): string {
  return `${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

const quoted = (s: string): string => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** A minimal line reader over the socket: resolves the tagged completion of each command. */
class ImapSession {
  private buffer = '';
  private waiting: { tag: string; resolve: (line: string) => void; reject: (err: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      let nl: number;
      while ((nl = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 2);
        this.onLine(line);
      }
    });
    const fail = (err: Error): void => {
      this.failure = err;
      this.waiting?.reject(err);
      this.waiting = null;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('IMAP connection closed')));
  }

  private onLine(line: string): void {
    if (!this.waiting) return;
    if (line.startsWith(`${this.waiting.tag} `)) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve(line);
    }
  }

  /** Sends a command (its parts written in order) and returns the tagged response line, refusing NO/BAD. */
  command(tag: string, parts: (string | Buffer)[]): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const done = new Promise<string>((resolve, reject) => { this.waiting = { tag, resolve, reject }; });
    for (const part of parts) this.socket.write(part);
    return done.then((line) => {
      if (!line.startsWith(`${tag} OK`)) throw new Error(`IMAP ${tag} failed: ${line}`);
      return line;
    });
  }
}

/** Appends every item to `folder` of `user` in one MULTIAPPEND; returns how many Dovecot stored. */
export async function multiAppend(o: { port: number; user: string; secret: string; folder: string; items: AppendItem[] }): Promise<number> {
  if (o.items.length === 0) return 0;
  const socket = net.connect({ host: '127.0.0.1', port: o.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('error', reject);
  });
  const session = new ImapSession(socket);
  try {
    const plain = Buffer.from(`\u0000${o.user}\u0000${o.secret}`).toString('base64');
    const login = await session.command('b1', [`b1 AUTHENTICATE PLAIN ${plain}\r\n`]);
    if (!/MULTIAPPEND/.test(login) || !/LITERAL\+/.test(login)) throw new Error(`Dovecot does not offer MULTIAPPEND and LITERAL+: ${login}`);
    const parts: (string | Buffer)[] = [`b2 APPEND ${quoted(o.folder)}`];
    for (const item of o.items) {
      parts.push(` (${item.flags.join(' ')}) "${imapDateTime(item.date)}" {${item.raw.length}+}\r\n`, item.raw);
    }
    parts.push('\r\n');
    await session.command('b2', parts);
    await session.command('b3', ['b3 LOGOUT\r\n']).catch(() => undefined);
    return o.items.length;
  } finally {
    socket.destroy();
  }
}
