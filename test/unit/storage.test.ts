import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { LocalDiskStorage } from '../../server/src/lib/storage.js';

describe('LocalDiskStorage', () => {
  let root: string;
  let storage: LocalDiskStorage;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'leadchat-storage-'));
    storage = new LocalDiskStorage(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores buffers and streams and reads them back', async () => {
    expect(await storage.put('a/b.txt', Buffer.from('hello'))).to.deep.equal({ byteSize: 5 });
    await storage.put('a/c.txt', Readable.from(['str', 'eam']));
    expect(await text(storage.get('a/b.txt'))).to.equal('hello');
    expect(await text(storage.get('a/c.txt'))).to.equal('stream');
    await storage.delete('a/b.txt');
    expect(await storage.exists('a/b.txt')).to.equal(false);
  });

  it('survives many writes of the same key at once (identical attachments are content-addressed)', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => storage.put('same/key', Buffer.from('x'))));
    expect(results.every((r) => r.byteSize === 1)).to.equal(true);
    expect(await text(storage.get('same/key'))).to.equal('x');
  });

  it('refuses keys that leave its folder', async () => {
    const err = await storage.put('../escape.txt', Buffer.from('x')).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/Invalid storage key/);
  });
});
