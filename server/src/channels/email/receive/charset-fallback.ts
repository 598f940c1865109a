import { Transform, type TransformCallback } from 'node:stream';

/**
 * Mailers get charsets wrong both ways: UTF-8 text labelled GB2312 or ISO-8859-1, and raw 8-bit
 * header bytes in whatever the sender's machine used. Bytes that are valid UTF-8 and contain
 * multi-byte sequences are read as UTF-8 whatever the label says: text really written in a legacy
 * 8-bit charset practically never forms valid UTF-8 sequences, so the label is what is wrong.
 */
export function decodeText(bytes: Buffer, charset: string): string {
  if (isMultibyteUtf8(bytes)) return bytes.toString('utf8');
  return decodeAs(bytes, charset) ?? decodeAs(bytes, 'windows-1252')!;
}

/**
 * mailparser's `Iconv` hook (constructed as `new Iconv(charset, target)` and used as a stream): the
 * body parts' text is decoded by `decodeText` instead of by the declared charset alone.
 */
export class PlausibleCharsetDecoder extends Transform {
  private readonly chunks: Buffer[] = [];

  constructor(private readonly charset: string) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push(Buffer.from(decodeText(Buffer.concat(this.chunks), this.charset), 'utf8'));
    done();
  }
}

/**
 * The top-level header block re-encoded as UTF-8 when it carries raw 8-bit bytes that are not UTF-8
 * (the parser would read them as UTF-8 and show U+FFFD): decoded with the charset the message names
 * (its Content-Type, else an encoded word's), else Windows-1252. The body is left as it is.
 */
export function utf8Headers(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  const block = raw.subarray(0, end);
  if (!block.some((b) => b >= 0x80) || isValidUtf8(block)) return raw;
  const latin = block.toString('latin1');
  const named = /^content-type:[^]*?charset="?([\w.:-]+)/im.exec(latin)?.[1] ?? /=\?([\w.:-]+)(\*[\w-]+)?\?[bq]\?/i.exec(latin)?.[1];
  // The block is not UTF-8, whatever an encoded word elsewhere in it says.
  const text = (named && !/^utf-?8$/i.test(named) && decodeAs(block, named)) || decodeAs(block, 'windows-1252')!;
  return Buffer.concat([Buffer.from(text, 'utf8'), raw.subarray(end)]);
}

function headerEnd(raw: Buffer): number {
  const ends = [raw.indexOf('\r\n\r\n'), raw.indexOf('\n\n')].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) : raw.length;
}

// Names the WHATWG decoder does not know under that spelling (mailparser hands over CP949 for ks_c_5601-1987).
const ALIASES: Record<string, string> = { cp949: 'euc-kr', ms949: 'euc-kr', uhc: 'euc-kr', cp932: 'shift_jis', cp936: 'gbk' };

function decodeAs(bytes: Buffer, charset: string): string | null {
  const label = charset.trim().toLowerCase();
  try {
    return new TextDecoder(ALIASES[label] ?? label).decode(bytes);
  } catch {
    return null;
  }
}

function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function isMultibyteUtf8(bytes: Buffer): boolean {
  return bytes.some((b) => b >= 0x80) && isValidUtf8(bytes);
}
