import { expect } from 'chai';
import { loadConfig } from '../../server/src/config.js';
import { ConfigError } from '../../server/src/lib/errors.js';

describe('config', () => {
  it('boots with defaults that work on this machine', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.DATABASE_URL).to.equal('postgres://postgres@127.0.0.1:5432/leadchat');
    expect(config.REDIS_URL).to.equal('redis://127.0.0.1:6379');
    expect(config.EXTENSIONS).to.deep.equal(['leadchat']);
    expect(config.ENCRYPTION_KEYS[0].key).to.have.length(32);
  });

  it('reports every bad value together, each with its name', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', ENCRYPTION_KEYS: 'k1:short' });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'ENCRYPTION_KEYS']) expect(problems).to.contain(name);
  });

  it('has no secret defaults in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).to.throw(ConfigError, /ENCRYPTION_KEYS[\s\S]*SESSION_SECRET/);
  });

  it('reads an empty EXTENSIONS as "core alone" and a list as overlay names', () => {
    expect(loadConfig({ EXTENSIONS: '' }).EXTENSIONS).to.deep.equal([]);
    expect(loadConfig({ EXTENSIONS: 'leadchat, other' }).EXTENSIONS).to.deep.equal(['leadchat', 'other']);
    expect(() => loadConfig({ EXTENSIONS: '../etc' })).to.throw(ConfigError, /EXTENSIONS/);
  });

  it('parses a key ring whose first key encrypts', () => {
    const k = (b: number) => Buffer.alloc(32, b).toString('base64');
    const config = loadConfig({ ENCRYPTION_KEYS: `new:${k(1)},old:${k(2)}` });
    expect(config.ENCRYPTION_KEYS.map((e) => e.id)).to.deep.equal(['new', 'old']);
  });
});
