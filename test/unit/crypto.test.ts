import { expect } from 'chai';
import { SecretBox } from '../../server/src/lib/crypto.js';
import { AppError } from '../../server/src/lib/errors.js';

const key = (b: number) => ({ id: `k${b}`, key: Buffer.alloc(32, b) });

describe('SecretBox (AES-256-GCM at rest)', () => {
  it('round-trips and never produces the same ciphertext twice', () => {
    const box = new SecretBox([key(1)]);
    const a = box.encrypt('refresh-token-value');
    const b = box.encrypt('refresh-token-value');
    expect(a).not.to.equal(b);
    expect(a).not.to.contain('refresh-token-value');
    expect(box.decrypt(a)).to.equal('refresh-token-value');
    expect(SecretBox.keyIdOf(a)).to.equal('k1');
  });

  it('decrypts secrets sealed with an older key after rotation, and seals new ones with the new key', () => {
    const sealedOld = new SecretBox([key(1)]).encrypt('old secret');
    const rotated = new SecretBox([key(2), key(1)]);
    expect(rotated.decrypt(sealedOld)).to.equal('old secret');
    expect(SecretBox.keyIdOf(rotated.encrypt('x'))).to.equal('k2');
  });

  it('refuses tampered ciphertext and unknown keys with a clear error', () => {
    const box = new SecretBox([key(1)]);
    const sealed = box.encrypt('secret');
    const parts = sealed.split('.');
    parts[4] = Buffer.from('forged').toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).to.throw(AppError, /tampered/);
    expect(() => new SecretBox([key(3)]).decrypt(sealed)).to.throw(AppError, /unknown key id "k1"/);
  });
});
