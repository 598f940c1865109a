import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../server/src/config.js';
import { ConfigError } from '../../server/src/lib/errors.js';

/** The problems loadConfig reports for `env` (it must refuse it). */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('config', () => {
  it('boots with defaults that work on this machine', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.DATABASE_URL).to.equal('postgres://postgres@127.0.0.1:5432/leadchat');
    expect(config.REDIS_URL).to.equal('redis://127.0.0.1:6379');
    expect(config.EXTENSIONS).to.deep.equal(['leadchat']);
    expect(config.ENCRYPTION_KEYS[0].key).to.have.length(32);
  });

  it('reports every bad value together, each with its name', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', ENCRYPTION_KEYS: 'k1:short' }).join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'ENCRYPTION_KEYS']) expect(problems).to.contain(name);
  });

  it('bounds the mailbox leases, IDLE connections and polling of a worker', () => {
    expect(loadConfig({ NODE_ENV: 'test' })).to.include({ IMAP_MAILBOX_LEASE_MS: 20_000, IMAP_MAX_IDLE_PER_WORKER: 2_000, IMAP_POLL_EVERY_MS: 60_000 });
    expect(loadConfig({ NODE_ENV: 'test', IMAP_MAX_IDLE_PER_WORKER: '0' }).IMAP_MAX_IDLE_PER_WORKER, 'poll every mailbox').to.equal(0);
    const problems = problemsOf({ NODE_ENV: 'test', IMAP_MAILBOX_LEASE_MS: '500', IMAP_MAX_IDLE_PER_WORKER: '-1', IMAP_POLL_EVERY_MS: 'often' });
    expect(problems.map((p) => p.split(':')[0])).to.deep.equal(['IMAP_MAILBOX_LEASE_MS', 'IMAP_MAX_IDLE_PER_WORKER', 'IMAP_POLL_EVERY_MS']);
  });

  it('has no secret defaults outside tests', () => {
    for (const NODE_ENV of ['production', 'development', undefined]) {
      expect(() => loadConfig({ NODE_ENV })).to.throw(ConfigError, /ENCRYPTION_KEYS[\s\S]*SESSION_SECRET/);
    }
  });

  it('refuses the secrets published in the source outside tests, and names each', () => {
    const published = { ENCRYPTION_KEYS: `own:${randomBytes(32).toString('base64')},old:${Buffer.alloc(32, 7).toString('base64')}`, SESSION_SECRET: 'development-session-secret-not-for-production' };
    for (const NODE_ENV of ['production', 'development']) {
      let error: unknown;
      try {
        loadConfig({ NODE_ENV, ...published });
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).problems).to.have.length(2);
      expect((error as ConfigError).problems.join('\n')).to.contain('ENCRYPTION_KEYS: holds a key published').and.contain('SESSION_SECRET: is a value published');
    }
    expect(loadConfig({ NODE_ENV: 'test' }).ENCRYPTION_KEYS[0].id).to.equal('test');
  });

  it('reads an empty EXTENSIONS as "core alone" and a list as overlay names', () => {
    expect(loadConfig({ NODE_ENV: 'test', EXTENSIONS: '' }).EXTENSIONS).to.deep.equal([]);
    expect(loadConfig({ NODE_ENV: 'test', EXTENSIONS: 'leadchat, other' }).EXTENSIONS).to.deep.equal(['leadchat', 'other']);
    expect(() => loadConfig({ NODE_ENV: 'test', EXTENSIONS: '../etc' })).to.throw(ConfigError, /EXTENSIONS/);
  });

  it('parses a key ring whose first key encrypts', () => {
    const k = (b: number) => Buffer.alloc(32, b).toString('base64');
    const config = loadConfig({ NODE_ENV: 'test', ENCRYPTION_KEYS: `new:${k(1)},old:${k(2)}` });
    expect(config.ENCRYPTION_KEYS.map((e) => e.id)).to.deep.equal(['new', 'old']);
  });

  it('takes each IMAP/SMTP TLS mode from its port unless it is set', () => {
    const byPort = loadConfig({ NODE_ENV: 'test', MICROSOFT_IMAP_PORT: '993', MICROSOFT_SMTP_PORT: '587', GOOGLE_IMAP_PORT: '143', GOOGLE_SMTP_PORT: '465' });
    expect(byPort).to.include({ MICROSOFT_IMAP_TLS: 'implicit', MICROSOFT_SMTP_TLS: 'starttls', GOOGLE_IMAP_TLS: 'starttls', GOOGLE_SMTP_TLS: 'implicit' });
    expect(loadConfig({ NODE_ENV: 'test' })).to.include({ MICROSOFT_IMAP_TLS: 'implicit', MICROSOFT_SMTP_TLS: 'starttls', GOOGLE_IMAP_TLS: 'implicit', GOOGLE_SMTP_TLS: 'starttls' });
    // A proxy or test server listens wherever it likes: the setting wins over the port, whatever its case.
    const set = loadConfig({ NODE_ENV: 'test', MICROSOFT_IMAP_PORT: '3993', MICROSOFT_IMAP_TLS: 'implicit', MICROSOFT_SMTP_PORT: '465', MICROSOFT_SMTP_TLS: ' STARTTLS ', GOOGLE_IMAP_PORT: '993', GOOGLE_IMAP_TLS: 'starttls', GOOGLE_SMTP_TLS: '' });
    expect(set).to.include({ MICROSOFT_IMAP_TLS: 'implicit', MICROSOFT_SMTP_TLS: 'starttls', GOOGLE_IMAP_TLS: 'starttls', GOOGLE_SMTP_TLS: 'starttls' });
  });

  it('refuses a TLS mode other than implicit or starttls, naming the setting and the choices', () => {
    expect(problemsOf({ NODE_ENV: 'test', MICROSOFT_IMAP_TLS: 'ssl', GOOGLE_SMTP_TLS: 'true' })).to.deep.equal([
      'MICROSOFT_IMAP_TLS: must be "implicit" (TLS from the first byte, as on 993 and 465) or "starttls" (as on 143 and 587)',
      'GOOGLE_SMTP_TLS: must be "implicit" (TLS from the first byte, as on 993 and 465) or "starttls" (as on 143 and 587)',
    ]);
  });
});
