import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookAddressGuard } from '../../server/src/webhooks/address-guard.js';
import { sendWebhook } from '../../server/src/webhooks/webhook-sender.js';
import { loadConfig } from '../../server/src/config.js';
import { testEnv } from '../support/env.js';

describe('Webhook address guard (SSRF)', () => {
  it('refuses loopback, private, link-local, unique-local and their IPv6 / IPv4-mapped spellings; permits public addresses', () => {
    const guard = new WebhookAddressGuard([]);
    for (const address of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '::1', '::', 'fe80::1', 'fd00::1', 'fc12::3', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a00:1', '2002:a00:1::1']) {
      expect(guard.permits(address), address).to.equal(false);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(guard.permits(address), address).to.equal(true);
    expect(() => guard.checkLiteral(new URL('http://[::ffff:127.0.0.1]:8080/hook'))).to.throw(/private, loopback or link-local/);
    expect(() => guard.checkLiteral(new URL('http://169.254.169.254/latest/meta-data'))).to.throw(/WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
    expect(() => guard.checkLiteral(new URL('https://hooks.example.com/x'))).not.to.throw();
  });

  it('allows exactly the configured networks, validated at boot', () => {
    const config = loadConfig({ ...testEnv(), WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32, 10.20.0.0/16' });
    const guard = new WebhookAddressGuard(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS);
    expect(guard.permits('127.0.0.1')).to.equal(true);
    expect(guard.permits('::ffff:127.0.0.1')).to.equal(true);
    expect(guard.permits('127.0.0.2')).to.equal(false);
    expect(guard.permits('::1')).to.equal(false);
    expect(guard.permits('10.20.255.1')).to.equal(true);
    expect(guard.permits('10.21.0.1')).to.equal(false);
    expect(() => loadConfig({ ...testEnv(), WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/33,localhost' })).to.throw(/WEBHOOK_ALLOW_PRIVATE_NETWORKS: "127.0.0.1\/33" is not an IP address/);
  });

  it('checks the address a name resolves to when connecting: a name for 127.0.0.1 never reaches the receiver', async () => {
    let hits = 0;
    const receiver = http.createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      const refused = await sendWebhook(`http://localhost:${port}/hook`, '{}', {}, new WebhookAddressGuard([]));
      expect(refused).to.include({ ok: false, permanent: true });
      expect(refused.error).to.match(/localhost resolves to 127\.0\.0\.1/);
      const literal = await sendWebhook(`http://[::ffff:127.0.0.1]:${port}/hook`, '{}', {}, new WebhookAddressGuard([]));
      expect(literal).to.include({ ok: false, permanent: true });
      expect(hits).to.equal(0);

      const allowed = await sendWebhook(`http://localhost:${port}/hook`, '{}', {}, new WebhookAddressGuard([{ address: '127.0.0.1', prefix: 32, family: 'ipv4' }]));
      expect(allowed).to.include({ ok: true, status: 200 });
      expect(hits).to.equal(1);
    } finally {
      receiver.close();
    }
  });
});
