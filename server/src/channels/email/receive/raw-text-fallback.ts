/**
 * The text of an email whose MIME structure the parser could not follow (a boundary it did not
 * recognise, a part type it does not read as text): the first text part found in the raw body,
 * transfer-decoded, else the raw body itself. Better than showing the agent an empty message.
 */
/** A fallback is for reading, not archiving: the raw email keeps the rest. */
const MAX_FALLBACK_CHARS = 200_000;

export function rawTextFallback(raw: Buffer): string | null {
  const source = raw.toString('latin1');
  const bodyAt = /\r?\n\r?\n/.exec(source);
  if (!bodyAt) return null;
  const body = source.slice(bodyAt.index + bodyAt[0].length);
  const part = /^content-type:[ \t]*text\/(plain|html)\b[^]*?\r?\n\r?\n/im.exec(body);
  let text: string;
  if (part) {
    const headers = part[0];
    const rest = body.slice(part.index + headers.length);
    const end = rest.search(/^--\S/m);
    const content = end >= 0 ? rest.slice(0, end) : rest;
    const encoding = /^content-transfer-encoding:[ \t]*([\w-]+)/im.exec(headers)?.[1]?.toLowerCase();
    text = decodeBytes(transferDecode(content, encoding));
    if (part[1].toLowerCase() === 'html') text = text.replace(/<(script|style)\b[^]*?<\/\1>/gi, '').replace(/<[^>]+>/g, ' ').replace(/[ \t]+/g, ' ');
  } else {
    text = decodeBytes(Buffer.from(body, 'latin1'));
  }
  const trimmed = text.replace(/\u0000/g, '').trim();
  return trimmed ? (trimmed.length > MAX_FALLBACK_CHARS ? `${trimmed.slice(0, MAX_FALLBACK_CHARS)}…` : trimmed) : null;
}

function transferDecode(content: string, encoding: string | undefined): Buffer {
  if (encoding === 'base64') return Buffer.from(content.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (encoding === 'quoted-printable') {
    const joined = content.replace(/=\r?\n/g, '');
    return Buffer.from(joined.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  }
  return Buffer.from(content, 'latin1');
}

/** UTF-8 when the bytes are valid UTF-8, else Windows-1252 (what unlabelled 8-bit mail almost always is). */
function decodeBytes(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
