/** Postgres `varchar(255)`, and what most file systems allow for one name. */
const MAX_FILENAME = 255;

/**
 * A file name as people will see and download it, from whatever a browser or a mailer sent: the last
 * path segment, without control characters (a NUL cannot be stored in Postgres text) or the bidi
 * overrides that make `invoice‮fdp.exe` read as a PDF, at most 255 characters with the extension kept.
 */
export function safeFilename(raw: string | undefined | null, fallback = 'file'): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  const name = cleaned || fallback;
  if (name.length <= MAX_FILENAME) return name;
  const ext = /\.[A-Za-z0-9]{1,10}$/.exec(name)?.[0] ?? '';
  return name.slice(0, MAX_FILENAME - ext.length) + ext;
}
