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
  /**
   * When the endpoint comes from the server's configuration rather than a channel's fields: the names
   * of the settings that hold it, so the hints say which one to change.
   */
  settings?: { host: string; port: string; tls: string };
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
  const fix = remedies(at);

  if (NO_SUCH_HOST.has(code)) return { fault: 'host', message: `Could not connect to ${where}: ${code} — no such host${fix.host}` };
  if (code === 'ECONNREFUSED') return { fault: 'port', message: `Could not connect to ${where}: ECONNREFUSED — nothing accepts connections on port ${at.port}${fix.port}` };
  if (UNREACHABLE.has(code)) return { fault: 'host', message: `Could not connect to ${where}: ${code} — the host cannot be reached from this server${fix.host}` };
  if (timeout === 'GREETING_TIMEOUT' && !at.secure) {
    // A server that speaks TLS from the first byte waits silently for a handshake that never comes.
    return { fault: 'tls', message: `Connected to ${where}, but the server sent no greeting — the port probably expects TLS from the first byte: ${fix.tlsOn}` };
  }
  if ((timeout && CONNECT_TIMEOUTS.has(timeout)) || CONNECT_TIMEOUTS.has(code) || timeout === 'GREETING_TIMEOUT') {
    return { fault: 'host', message: `Could not connect to ${where}: timed out — ${fix.timeout}` };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { fault: 'host', message: `The certificate of ${where} is not valid for ${at.host} — use the host name it was issued for (${e.reason ?? e.message})` };
  if (CERTIFICATE.test(code)) return { fault: 'certificate', message: `The certificate of ${where} is not trusted: ${code}` };
  if (at.secure && code.startsWith('ERR_SSL')) {
    return { fault: 'tls', message: `Could not start TLS with ${where} (${e.reason ?? code}) — the port does not use TLS from the first byte: ${fix.tlsOff}` };
  }
  return null;
}

/** What to change, in the words of a channel's form or of the server's settings. */
function remedies(at: Endpoint) {
  const s = at.settings;
  if (!s) {
    return {
      host: '', port: '',
      tlsOn: `turn SSL/TLS on (usually port ${at.tlsPort})`,
      tlsOff: `turn SSL/TLS off to use STARTTLS, or use port ${at.tlsPort}`,
      timeout: 'check the host, the port and any firewall in between',
    };
  }
  return {
    host: `; check ${s.host}`,
    port: `; check ${s.port}`,
    tlsOn: `set ${s.tls}=implicit (or point ${s.port} at the STARTTLS port)`,
    tlsOff: `set ${s.tls}=starttls (or point ${s.port} at the implicit-TLS port, usually ${at.tlsPort})`,
    timeout: `check ${s.host}, ${s.port}, ${s.tls} and any firewall in between`,
  };
}
