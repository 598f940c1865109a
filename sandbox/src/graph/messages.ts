// Graph messages and mail folders read from (and written to) the Dovecot mailbox over IMAP, so Graph,
// IMAP and SMTP all see one mailbox. Ids encode folder + UIDVALIDITY + UID.
import crypto from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { FetchMessageObject, MessageAddressObject, MessageStructureObject } from 'imapflow';
import type { MailStore } from '../mail/mailstore.js';
import { SENT_FOLDER } from '../mail/post-office.js';
import { GraphError, badRequest, notFound } from './graph-errors.js';
import type { Scalar } from './odata.js';

/** Graph's well-known folder names and the Dovecot folders that play them. */
export const WELL_KNOWN: Record<string, string> = {
  inbox: 'INBOX', sentitems: SENT_FOLDER, deleteditems: 'Deleted Items', drafts: 'Drafts', junkemail: 'Junk Email', archive: 'Archive',
};

export interface MailRow {
  /** The mailbox the row was read from (Exchange shows Bcc only to the sender's own copies). */
  mailbox: string;
  folder: string;
  uid: number;
  uidValidity: string;
  flags: Set<string>;
  internalDate: Date;
  size: number;
  envelope: FetchMessageObject['envelope'];
  headers: Buffer | undefined;
  hasAttachments: boolean;
  source?: Buffer;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const unb64 = (s: string): string => Buffer.from(s, 'base64url').toString('utf8');

export const folderId = (path: string): string => `AQMkAD${b64(`folder\u0000${path}`)}`;
export const messageId = (row: Pick<MailRow, 'folder' | 'uidValidity' | 'uid'>): string => `AAMkAD${b64(`${row.folder}\u0000${row.uidValidity}\u0000${row.uid}`)}`;

export function decodeFolderId(id: string): string | null {
  if (!id.startsWith('AQMkAD')) return null;
  const [tag, path] = unb64(id.slice(6)).split('\u0000');
  return tag === 'folder' && path ? path : null;
}

export function decodeMessageId(id: string): { folder: string; uidValidity: string; uid: number } {
  const parts = id.startsWith('AAMkAD') ? unb64(id.slice(6)).split('\u0000') : [];
  const uid = Number(parts[2]);
  if (parts.length !== 3 || !parts[0] || !Number.isInteger(uid)) throw badRequest('Id is malformed.', 'ErrorInvalidIdMalformed');
  return { folder: parts[0], uidValidity: parts[1] ?? '', uid };
}

/** Sorted UIDs as an IMAP sequence set of ranges ("1:40,42,45:50"). */
export function uidSet(uids: number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j += 1;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

const isoSeconds = (d: Date | string | undefined): string | null => (d ? new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z') : null);

function hasAttachment(node: MessageStructureObject | undefined): boolean {
  if (!node) return false;
  if (node.disposition?.toLowerCase() === 'attachment') return true;
  return (node.childNodes ?? []).some(hasAttachment);
}

const recipient = (a: MessageAddressObject) => ({ emailAddress: { name: a.name || a.address || '', address: a.address ?? '' } });

/** `\Recent` is per IMAP session (only the first to open a folder sees it): not a change of the message. */
export function changeKey(row: Pick<MailRow, 'uid' | 'flags'>): string {
  const flags = [...row.flags].filter((f) => f !== '\\Recent').sort().join(',');
  return `CQAAABYAAA${crypto.createHash('sha1').update(`${row.uid}|${flags}`).digest('base64').slice(0, 22)}`;
}

/** Exchange keeps Bcc only on the sender's copies: Sent Items, or mail the mailbox owner sent. */
function showsBcc(row: MailRow): boolean {
  return row.folder === SENT_FOLDER || row.envelope?.from?.some((a) => a.address?.toLowerCase() === row.mailbox.toLowerCase()) === true;
}

/** A delta round's view of a message whose only change is its state: what Graph returns for it. */
export function partialMessage(row: MailRow): Record<string, unknown> {
  const key = changeKey(row);
  return { '@odata.type': '#microsoft.graph.message', '@odata.etag': `W/"${key}"`, id: messageId(row), isRead: row.flags.has('\\Seen'), changeKey: key };
}

/** The headers Graph exposes as internetMessageHeaders (only when $select'ed, like Graph). */
function headerList(raw: Buffer | undefined): { name: string; value: string }[] {
  if (!raw) return [];
  const unfolded = raw.toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
  return unfolded.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => {
    const i = l.indexOf(':');
    return { name: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
  });
}

export class MessageReader {
  constructor(private readonly store: MailStore) {}

  async folders(mailbox: string): Promise<{ id: string; displayName: string; path: string; totalItemCount: number; unreadItemCount: number }[]> {
    const list = await this.store.listFolders(mailbox);
    const out = [];
    for (const f of list) {
      const status = await this.store.status(mailbox, f.path);
      out.push({
        id: folderId(f.path), displayName: f.path === 'INBOX' ? 'Inbox' : f.path, path: f.path,
        totalItemCount: status.messages, unreadItemCount: status.unseen,
      });
    }
    return out;
  }

  /** Folder path from a Graph folder id or well-known name (case-insensitive, like Graph). */
  resolveFolder(idOrName: string): string {
    const known = WELL_KNOWN[idOrName.toLowerCase()];
    if (known) return known;
    const path = decodeFolderId(idOrName);
    if (!path) throw badRequest('Id is malformed.', 'ErrorInvalidIdMalformed');
    return path;
  }

  /**
   * Rows of `range` (a UID set). `metadata: false` fetches only UID, FLAGS and INTERNALDATE — what a
   * delta round's snapshot needs — and leaves envelope and headers empty.
   */
  private async fetchRows(mailbox: string, folder: string, range: string, withSource: boolean, metadata = true): Promise<MailRow[]> {
    const query = metadata
      ? { uid: true, flags: true, envelope: true, internalDate: true, size: true, bodyStructure: true, headers: true, source: withSource }
      : { uid: true, flags: true, internalDate: true };
    return this.store.withFolder(mailbox, folder, async (client) => {
      const box = client.mailbox;
      if (!box || box.exists === 0) return [];
      const rows: MailRow[] = [];
      for await (const m of client.fetch(range, query, { uid: true })) {
        rows.push({
          mailbox, folder, uid: m.uid, uidValidity: String(box.uidValidity), flags: m.flags ?? new Set(),
          internalDate: new Date(m.internalDate ?? Date.now()), size: m.size ?? 0, envelope: m.envelope,
          headers: m.headers, hasAttachments: hasAttachment(m.bodyStructure), source: m.source,
        });
      }
      return rows;
    }).catch((err: Error & { serverResponseCode?: string }) => {
      if (/doesn't exist|NONEXISTENT/i.test(`${err.message} ${err.serverResponseCode ?? ''}`)) {
        throw notFound('The specified folder could not be found in the store.', 'ErrorItemNotFound');
      }
      throw err;
    });
  }

  list(mailbox: string, folder: string, withSource = false): Promise<MailRow[]> {
    return this.fetchRows(mailbox, folder, '1:*', withSource);
  }

  /** UID, flags and arrival time of every message in the folder: `UID FETCH 1:* (UID FLAGS INTERNALDATE)`. */
  versions(mailbox: string, folder: string): Promise<MailRow[]> {
    return this.fetchRows(mailbox, folder, '1:*', false, false);
  }

  /** The given messages of one folder in a single UID FETCH; messages gone since are simply absent. */
  async byUids(mailbox: string, folder: string, uids: number[], withSource = false): Promise<MailRow[]> {
    if (uids.length === 0) return [];
    return this.fetchRows(mailbox, folder, uidSet(uids), withSource);
  }

  async listAll(mailbox: string, withSource = false): Promise<MailRow[]> {
    const folders = await this.store.listFolders(mailbox);
    const rows = await Promise.all(folders.map((f) => this.list(mailbox, f.path, withSource)));
    return rows.flat();
  }

  async get(mailbox: string, id: string, withSource = false): Promise<MailRow> {
    const ref = decodeMessageId(id);
    const rows = await this.fetchRows(mailbox, ref.folder, String(ref.uid), withSource);
    const row = rows[0];
    if (!row || row.uidValidity !== ref.uidValidity) throw notFound('The specified object was not found in the store.');
    return row;
  }

  async setFlags(mailbox: string, id: string, change: { isRead?: boolean; flagged?: boolean }): Promise<void> {
    const ref = decodeMessageId(id);
    await this.store.withFolder(mailbox, ref.folder, async (client) => {
      const apply = async (flag: string, on: boolean | undefined) => {
        if (on === undefined) return;
        if (on) await client.messageFlagsAdd(String(ref.uid), [flag], { uid: true });
        else await client.messageFlagsRemove(String(ref.uid), [flag], { uid: true });
      };
      await apply('\\Seen', change.isRead);
      await apply('\\Flagged', change.flagged);
    });
  }

  /** Graph's DELETE moves to Deleted Items; deleting there removes for good. */
  async remove(mailbox: string, id: string): Promise<void> {
    const ref = decodeMessageId(id);
    await this.store.withFolder(mailbox, ref.folder, async (client) => {
      if (ref.folder === WELL_KNOWN.deleteditems) await client.messageDelete(String(ref.uid), { uid: true });
      else {
        const moved = await client.messageMove(String(ref.uid), WELL_KNOWN.deleteditems as string, { uid: true });
        if (!moved) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      }
    });
  }

  /** Finds a just-delivered message by its Message-ID header (for change notifications). */
  async findByMessageId(mailbox: string, folder: string, internetMessageId: string): Promise<MailRow | undefined> {
    const uids = await this.store.withFolder(mailbox, folder, async (client) =>
      (await client.search({ header: { 'message-id': internetMessageId } }, { uid: true })) || []);
    const last = uids[uids.length - 1];
    if (last === undefined) return undefined;
    return (await this.fetchRows(mailbox, folder, String(last), false))[0];
  }

  /** Values $filter and $orderby look at. */
  lookup(row: MailRow): (path: string) => Scalar | undefined {
    const from = row.envelope?.from?.[0]?.address ?? '';
    const values: Record<string, Scalar> = {
      receiveddatetime: isoSeconds(row.internalDate), sentdatetime: isoSeconds(row.envelope?.date),
      isread: row.flags.has('\\Seen'), isdraft: row.flags.has('\\Draft'), hasattachments: row.hasAttachments,
      'from/emailaddress/address': from, 'sender/emailaddress/address': from,
      internetmessageid: row.envelope?.messageId ?? null, subject: row.envelope?.subject ?? '',
    };
    return (path) => values[path.toLowerCase()];
  }

  /** The full Graph message resource; the router trims it to $select. */
  async toGraph(row: MailRow, select: string[] | null): Promise<Record<string, unknown>> {
    const env = row.envelope;
    const wants = (k: string): boolean => !select || select.some((s) => s.toLowerCase() === k.toLowerCase());
    let body: { contentType: string; content: string } | undefined;
    let preview: string | undefined;
    if ((wants('body') || wants('bodyPreview') || wants('uniqueBody')) && row.source) {
      const parsed = await simpleParser(row.source, { skipImageLinks: true });
      const text = (parsed.text ?? '').trim();
      body = parsed.html ? { contentType: 'html', content: parsed.html } : { contentType: 'text', content: parsed.text ?? '' };
      preview = text.replace(/\s+/g, ' ').slice(0, 255);
    }
    const key = changeKey(row);
    const id = messageId(row);
    const thread = env?.inReplyTo ?? env?.messageId ?? id;
    const fromAddr = env?.from?.[0];
    return {
      '@odata.etag': `W/"${key}"`,
      id,
      createdDateTime: isoSeconds(row.internalDate),
      lastModifiedDateTime: isoSeconds(row.internalDate),
      changeKey: key,
      categories: [],
      receivedDateTime: isoSeconds(row.internalDate),
      sentDateTime: isoSeconds(env?.date) ?? isoSeconds(row.internalDate),
      hasAttachments: row.hasAttachments,
      internetMessageId: env?.messageId ?? null,
      subject: env?.subject ?? '',
      bodyPreview: preview ?? '',
      importance: 'normal',
      parentFolderId: folderId(row.folder),
      conversationId: `AAQkAD${crypto.createHash('sha1').update(thread).digest('base64url').slice(0, 24)}`,
      conversationIndex: crypto.createHash('md5').update(thread).digest('base64'),
      isDeliveryReceiptRequested: false,
      isReadReceiptRequested: false,
      isRead: row.flags.has('\\Seen'),
      isDraft: row.flags.has('\\Draft'),
      webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`,
      inferenceClassification: 'focused',
      body: body ?? { contentType: 'text', content: '' },
      sender: fromAddr ? recipient(fromAddr) : null,
      from: fromAddr ? recipient(fromAddr) : null,
      toRecipients: (env?.to ?? []).map(recipient),
      ccRecipients: (env?.cc ?? []).map(recipient),
      bccRecipients: showsBcc(row) ? (env?.bcc ?? []).map(recipient) : [],
      replyTo: (env?.replyTo ?? []).filter((a) => a.address !== fromAddr?.address).map(recipient),
      flag: { flagStatus: row.flags.has('\\Flagged') ? 'flagged' : 'notFlagged' },
      ...(select?.some((s) => s.toLowerCase() === 'internetmessageheaders') ? { internetMessageHeaders: headerList(row.headers) } : {}),
    };
  }
}
