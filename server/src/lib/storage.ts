import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from './errors.js';

/**
 * Where blobs live: raw MIME of inbound email and attachments. Keys are relative paths chosen by the
 * caller (`raw/<account>/<inbox>/<sha256>.eml`); the local-disk backend is the default, another
 * backend (S3, ...) implements the same four calls.
 */
export interface BlobStorage {
  put(key: string, body: Buffer | Readable): Promise<{ byteSize: number }>;
  get(key: string): Readable;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export class LocalDiskStorage implements BlobStorage {
  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new AppError(`Invalid storage key "${key}"`, { code: 'invalid_storage_key' });
    return full;
  }

  async put(key: string, body: Buffer | Readable): Promise<{ byteSize: number }> {
    const file = this.resolve(key);
    await mkdir(path.dirname(file), { recursive: true });
    // A unique temporary name: two writes of the same key (identical attachments) may run at once.
    const tmp = `${file}.${randomUUID()}.tmp`;
    await pipeline(Buffer.isBuffer(body) ? [body] : body, createWriteStream(tmp));
    await rename(tmp, file);
    return { byteSize: (await stat(file)).size };
  }

  get(key: string): Readable {
    return createReadStream(this.resolve(key));
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.resolve(key)).then(() => true, () => false);
  }

  async delete(key: string): Promise<void> {
    await rm(this.resolve(key), { force: true });
  }
}
