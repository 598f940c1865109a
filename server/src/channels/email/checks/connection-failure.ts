/**
 * What a failed connection (before any IMAP or SMTP is spoken) tells an administrator to fix: the host,
 * the port, the TLS setting or the server's certificate. Shared by the IMAP and SMTP checks, which map
 * the fault to their own fields; imapflow passes Node's codes through, nodemailer keeps them in
 * `originalCode` and reports timeouts as ETIMEDOUT with a `timeoutType`.
 */
export type ConnectionFault = 'host' | 'port' | 'tls' | 'certificate';

export interface Endpoint {
  host: string;
  port: number;
  /** TLS from the first byte. */
  secure: boolean;
  /** The protocol's usual implicit-TLS port (993, 465), named in the hints. */
  tlsPort: number;
}

interface NodeFailure {
  code?: string;
  originalCode?: string;
  timeoutType?: string;
  reason?: string;
  message?: string;
}

const NO_SUCH_HOST = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EDNS']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const CONNECT_TIMEOUTS = new Set(['ETIMEDOUT', 'CONNECT_TIMEOUT', 'CONNECTION_TIMEOUT']);
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|HOSTNAME_MISMATCH/;

export function describeConnectionFailure(err: unknown, at: Endpoint): { fault: ConnectionFault; message: string } | null {
  const e = (err ?? {}) as NodeFailure;
  const code = e.originalCode ?? e.code ?? '';
  const timeout = e.timeoutType ?? (code.endsWith('_TIMEOUT') ? code : undefined);
  const where = `${at.host}:${at.port}`;

  if (NO_SUCH_HOST.has(code)) return { fault: 'host', message: `Could not connect to ${where}: ${code} — no such host` };
  if (code === 'ECONNREFUSED') return { fault: 'port', message: `Could not connect to ${where}: ECONNREFUSED — nothing accepts connections on port ${at.port}` };
  if (UNREACHABLE.has(code)) return { fault: 'host', message: `Could not connect to ${where}: ${code} — the host cannot be reached from this server` };
  if (timeout === 'GREETING_TIMEOUT' && !at.secure) {
    // A server that speaks TLS from the first byte waits silently for a handshake that never comes.
    return { fault: 'tls', message: `Connected to ${where}, but the server sent no greeting — the port probably expects TLS from the first byte: turn SSL/TLS on (usually port ${at.tlsPort})` };
  }
  if ((timeout && CONNECT_TIMEOUTS.has(timeout)) || CONNECT_TIMEOUTS.has(code) || timeout === 'GREETING_TIMEOUT') {
    return { fault: 'host', message: `Could not connect to ${where}: timed out — check the host, the port and any firewall in between` };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { fault: 'host', message: `The certificate of ${where} is not valid for ${at.host} — use the host name it was issued for (${e.reason ?? e.message})` };
  if (CERTIFICATE.test(code)) return { fault: 'certificate', message: `The certificate of ${where} is not trusted: ${code}` };
  if (at.secure && code.startsWith('ERR_SSL')) {
    return { fault: 'tls', message: `Could not start TLS with ${where} (${e.reason ?? code}) — the port does not use TLS from the first byte: turn SSL/TLS off to use STARTTLS, or use port ${at.tlsPort}` };
  }
  return null;
}
