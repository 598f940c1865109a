import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from './errors.js';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * AES-256-GCM envelope for secrets at rest: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 * The first key encrypts; any configured key decrypts, so keys rotate by prepending a new one.
 */
export class SecretBox {
  private readonly byId: Map<string, Buffer>;
  private readonly primary: EncryptionKey;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    this.primary = keys[0];
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.primary.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', this.primary.id, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt(envelope: string): string {
    const [version, keyId, iv, tag, ct] = envelope.split('.');
    const key = keyId ? this.byId.get(keyId) : undefined;
    if (version !== 'v1' || !key || !iv || !tag || ct === undefined) {
      throw new AppError(`Cannot decrypt secret (unknown key id "${keyId ?? ''}")`, { code: 'decryption_failed' });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new AppError('Cannot decrypt secret (tampered or wrong key)', { code: 'decryption_failed', cause });
    }
  }

  encryptJson(value: unknown): string {
    return this.encrypt(JSON.stringify(value));
  }

  decryptJson<T>(envelope: string): T {
    return JSON.parse(this.decrypt(envelope)) as T;
  }

  /** Which key sealed an envelope: lets a job re-encrypt rows still on an old key. */
  static keyIdOf(envelope: string): string | undefined {
    return envelope.split('.')[1];
  }
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Rails' has_secure_token: letters and digits only (24 by default), for tokens Chatwoot clients expect
 * in that shape. Bytes past 247 are skipped, so every character is equally likely.
 */
export function alphanumericToken(length = 24): string {
  let token = '';
  while (token.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && token.length < length) token += TOKEN_ALPHABET[byte % TOKEN_ALPHABET.length];
    }
  }
  return token;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function hmacSha256(secret: string | Buffer, value: string): Buffer {
  return createHmac('sha256', secret).update(value).digest();
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
