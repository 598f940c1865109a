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
  /** Directories this instance already made: `put` runs per inbound email, its mkdir need not. */
  private readonly dirs = new Set<string>();

  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new AppError(`Invalid storage key "${key}"`, { code: 'invalid_storage_key' });
    return full;
  }

  async put(key: string, body: Buffer | Readable): Promise<{ byteSize: number }> {
    const file = this.resolve(key);
    const dir = path.dirname(file);
    // A buffer (raw MIME, attachments: one per inbound email) skips the mkdir once its directory was made;
    // it can be written again should the directory have gone since. A stream cannot, so it always checks.
    const buffered = Buffer.isBuffer(body);
    if (!buffered || !this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    // A unique temporary name: two writes of the same key (identical attachments) may run at once.
    const tmp = `${file}.${randomUUID()}.tmp`;
    try {
      await pipeline(buffered ? [body] : body, createWriteStream(tmp));
    } catch (err) {
      if (!buffered || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true });
      await pipeline([body], createWriteStream(tmp));
    }
    await rename(tmp, file);
    return { byteSize: buffered ? body.length : (await stat(file)).size };
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
