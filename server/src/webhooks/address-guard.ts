import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError, ValidationError } from '../lib/errors.js';

/** Networks a webhook never reaches unless the operator allows them (WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
const REFUSED_NETWORKS: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata services
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['::', 96, 'ipv6'], // IPv4-compatible (deprecated) addresses
  ['64:ff9b::', 96, 'ipv6'], // NAT64: reaches IPv4 addresses through a translator
  ['2002::', 16, 'ipv6'], // 6to4: embeds an IPv4 address
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];

export class WebhookAddressRefused extends AppError {
  constructor(host: string, address: string) {
    const what = host.replace(/^\[|\]$/g, '') === address ? address : `${host} resolves to ${address}, which`;
    super(`${what} is a private, loopback or link-local address webhooks may not reach (allow it with WEBHOOK_ALLOW_PRIVATE_NETWORKS)`, {
      status: 422,
      code: 'webhook_address_refused',
    });
  }
}

export interface AllowedNetwork {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * Which addresses a webhook may connect to. `BlockList` matches IPv4-mapped IPv6 addresses
 * (`::ffff:127.0.0.1`) against the IPv4 rules, so no spelling of a loopback address slips through.
 */
export class WebhookAddressGuard {
  private readonly refused = new BlockList();
  private readonly allowed = new BlockList();

  constructor(allow: readonly AllowedNetwork[]) {
    for (const [address, prefix, family] of REFUSED_NETWORKS) this.refused.addSubnet(address, prefix, family);
    for (const n of allow) this.allowed.addSubnet(n.address, n.prefix, n.family);
  }

  permits(address: string): boolean {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return this.allowed.check(address, family) || !this.refused.check(address, family);
  }

  /** Refuses a URL whose host is a literal address the guard does not permit (names are checked at connect). */
  checkLiteral(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !this.permits(host)) throw new WebhookAddressRefused(url.hostname, host);
  }

  /** `checkLiteral` for a saved URL: a refused address is the field's 422 (an empty value is the field rules' business). */
  checkField(field: string, url: string | null | undefined): void {
    if (!url) return;
    try {
      this.checkLiteral(new URL(url));
    } catch (err) {
      throw ValidationError.field(field, (err as Error).message);
    }
  }

  /**
   * A `lookup` for http(s) agents: resolves the name and refuses the connection when any address it
   * got is not permitted. The check happens on the address the socket then connects to, so a name
   * that resolved to a public address when the webhook was saved and to 127.0.0.1 now (DNS
   * rebinding) is still refused.
   */
  lookup(): LookupFunction {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err, '', 0);
        const bad = addresses.find((a) => !this.permits(a.address));
        if (bad) return callback(new WebhookAddressRefused(hostname, bad.address), '', 0);
        if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        const first = addresses[0]!;
        callback(null, first.address, first.family);
      });
    };
  }
}
