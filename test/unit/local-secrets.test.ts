import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config.js';
import { SecretBox } from '../../server/src/lib/crypto.js';
import { loadOrCreateLocalSecrets } from '../../server/src/lib/local-secrets.js';

describe('local secrets (first start without configured secrets)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadchat-secrets-'));
    file = path.join(dir, 'runtime', 'secrets.env');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('generates random secrets on first start into a file only its owner can read, and reuses them', () => {
    const first = loadOrCreateLocalSecrets({}, file);
    expect(first.created).to.equal(true);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const config = loadConfig({ NODE_ENV: 'development', ...first.env });
    const sealed = new SecretBox(config.ENCRYPTION_KEYS).encrypt('refresh-token');

    const second = loadOrCreateLocalSecrets({}, file);
    expect(second.created).to.equal(false);
    expect(second.env).to.deep.equal(first.env);
    expect(new SecretBox(loadConfig({ NODE_ENV: 'development', ...second.env }).ENCRYPTION_KEYS).decrypt(sealed)).to.equal('refresh-token');

    // Another installation gets other secrets.
    const other = loadOrCreateLocalSecrets({}, path.join(dir, 'other.env'));
    expect(other.env.ENCRYPTION_KEYS).not.to.equal(first.env.ENCRYPTION_KEYS);
    expect(other.env.SESSION_SECRET).not.to.equal(first.env.SESSION_SECRET);
  });

  it('leaves secrets the operator set alone and writes nothing when both are set', () => {
    const own = { ENCRYPTION_KEYS: `mine:${Buffer.alloc(32, 1).toString('base64')}`, SESSION_SECRET: 'x'.repeat(40) };
    const result = loadOrCreateLocalSecrets(own, file);
    expect(result.env).to.deep.equal({});
    expect(fs.existsSync(file)).to.equal(false);

    const partly = loadOrCreateLocalSecrets({ SESSION_SECRET: own.SESSION_SECRET }, file);
    expect(Object.keys(partly.env)).to.deep.equal(['ENCRYPTION_KEYS']);
  });

  it('keeps a rotated key ring the operator wrote into the file, and tightens loose permissions', () => {
    loadOrCreateLocalSecrets({}, file);
    const original = fs.readFileSync(file, 'utf8');
    const rotated = original.replace('ENCRYPTION_KEYS=', `ENCRYPTION_KEYS=local2:${Buffer.alloc(32, 9).toString('base64')},`);
    fs.writeFileSync(file, rotated);
    fs.chmodSync(file, 0o644);
    const again = loadOrCreateLocalSecrets({}, file);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(loadConfig({ NODE_ENV: 'development', ...again.env }).ENCRYPTION_KEYS.map((k) => k.id)).to.deep.equal(['local2', 'local1']);
  });
});
