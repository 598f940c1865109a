// `npm start` points the product at the sandbox through scripts/product-env.ts: the settings it builds
// from a started sandbox's world, read by the product's own config, must reach Dovecot and the SMTP
// submission server with the TLS modes they speak.
import { expect } from 'chai';
import { loadConfig } from '../../server/src/config.js';
import { imapClient } from '../../server/src/channels/email/receive/imap-client.js';
import { smtpTransport } from '../../server/src/channels/email/send/smtp.delivery.js';
import { imapTlsOptions, smtpTlsOptions } from '../../server/src/lib/mail-tls.js';
import { createLogger } from '../../server/src/lib/logger.js';
import { productEnv } from '../../scripts/product-env.js';
import { startTestSandbox, type TestSandbox } from './helpers.js';

describe('sandbox: the env scripts/launch.ts gives the product', function () {
  this.timeout(30_000);
  let sb: TestSandbox;
  before(async () => { sb = await startTestSandbox(); });
  after(async () => { await sb?.close(); });

  const plain = () => sb.world.plainMailboxes[0]!;
  const config = () => loadConfig({ ...productEnv(sb.world), NODE_ENV: 'test' });

  it('hands over the implicit-TLS IMAP port with its mode, which the product would not guess from the port', () => {
    const c = config();
    expect(c.MICROSOFT_IMAP_PORT).to.equal(sb.world.imap.tlsPort).and.not.equal(993);
    expect(c).to.include({ MICROSOFT_IMAP_TLS: 'implicit', MICROSOFT_SMTP_PORT: sb.world.smtp.port, MICROSOFT_SMTP_TLS: 'starttls' });
  });

  it("reaches Dovecot's IMAP with the configured TLS mode", async () => {
    const c = config();
    const client = imapClient({
      host: c.MICROSOFT_IMAP_HOST, port: c.MICROSOFT_IMAP_PORT, ...imapTlsOptions(c.MICROSOFT_IMAP_TLS), auth: { user: plain().address, pass: plain().password },
    }, createLogger({ level: 'silent' }), { idle: false, timeouts: { connectionTimeout: 3_000, greetingTimeout: 3_000 } });
    await client.connect();
    expect(client.secureConnection).to.equal(true);
    await client.logout();
  });

  it('reaches the SMTP submission server with the configured TLS mode', async () => {
    const c = config();
    const transport = smtpTransport({
      host: c.MICROSOFT_SMTP_HOST, port: c.MICROSOFT_SMTP_PORT, ...smtpTlsOptions(c.MICROSOFT_SMTP_TLS), auth: { user: plain().address, pass: plain().password },
    }, { connectionTimeout: 3_000, greetingTimeout: 3_000, socketTimeout: 5_000 });
    try {
      expect(await transport.verify()).to.equal(true);
    } finally {
      transport.close();
    }
  });
});
