import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseEnv } from 'node:util';

/** The secrets a running LeadChat cannot do without; production must bring its own. */
const SECRET_NAMES = ['ENCRYPTION_KEYS', 'SESSION_SECRET'] as const;

export interface LocalSecrets {
  /** Values to add to the environment before the config is read (only the ones it did not set). */
  env: Record<string, string>;
  file: string;
  /** True when this start generated the file (worth saying once, loudly). */
  created: boolean;
}

function generate(): Record<(typeof SECRET_NAMES)[number], string> {
  return {
    ENCRYPTION_KEYS: `local1:${randomBytes(32).toString('base64')}`,
    SESSION_SECRET: randomBytes(48).toString('base64url'),
  };
}

/**
 * A development install (`npm start`, `npm run dev`) with no secrets of its own gets random ones on its
 * first start, kept in a git-ignored file only its owner can read and reused on every later start —
 * so tokens stay readable across restarts and nothing in the repository decrypts them. The operator
 * rotates by editing the file (prepend a new key to ENCRYPTION_KEYS) or by setting the variables.
 */
export function loadOrCreateLocalSecrets(env: NodeJS.ProcessEnv, file: string): LocalSecrets {
  const missing = SECRET_NAMES.filter((name) => !env[name]);
  if (missing.length === 0) return { env: {}, file, created: false };
  let stored: Record<string, string> = {};
  let created = false;
  if (fs.existsSync(file)) {
    stored = parseEnv(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  }
  const absent = SECRET_NAMES.filter((name) => !stored[name]);
  if (absent.length > 0) {
    const fresh = generate();
    for (const name of absent) stored[name] = fresh[name];
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const body = [
      '# LeadChat secrets generated on first start. Keep this file: without it, stored tokens and passwords',
      '# cannot be decrypted. Rotate a key by prepending a new "<id>:<base64 of 32 bytes>" to ENCRYPTION_KEYS.',
      ...SECRET_NAMES.map((name) => `${name}=${stored[name]}`),
      '',
    ].join('\n');
    fs.writeFileSync(file, body, { mode: 0o600 });
    created = true;
  }
  // Tighten a file someone copied in with looser permissions: it holds every key.
  fs.chmodSync(file, 0o600);
  return { env: Object.fromEntries(missing.map((name) => [name, stored[name]!])), file, created };
}
