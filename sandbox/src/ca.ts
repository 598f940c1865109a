// The sandbox's local certificate authority. The product's processes trust it through
// NODE_EXTRA_CA_CERTS (read by Node only at start-up), so it must exist before they start and
// must stay the same across sandbox restarts: create once, then reuse.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CaFiles {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  /** Certificate for `localhost` and `127.0.0.1`, issued by the CA, used by the HTTPS, SMTP and IMAPS servers. */
  serverCertPath: string;
  serverKeyPath: string;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const defaultCaDir = path.join(repoRoot, '.runtime', 'ca');

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Moves freshly generated files into place; a concurrent creator that won the race keeps its files. */
function publish(tmpDir: string, dir: string, names: string[]): void {
  for (const name of names) {
    try {
      fs.linkSync(path.join(tmpDir, name), path.join(dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function generateCa(dir: string): void {
  const tmp = fs.mkdtempSync(path.join(dir, '.tmp-'));
  try {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
      '-subj', '/CN=LeadChat Sandbox Local CA', '-keyout', 'ca-key.pem', '-out', 'ca.pem',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], tmp);
    publish(tmp, dir, ['ca-key.pem', 'ca.pem']);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function generateServerCert(files: CaFiles): void {
  const tmp = fs.mkdtempSync(path.join(files.dir, '.tmp-'));
  try {
    fs.writeFileSync(path.join(tmp, 'ext.cnf'), [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ].join('\n'));
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'localhost-key.pem', '-out', 'localhost.csr'], tmp);
    openssl(['x509', '-req', '-in', 'localhost.csr', '-CA', files.caCertPath, '-CAkey', files.caKeyPath, '-CAcreateserial',
      '-CAserial', path.join(tmp, 'ca.srl'), '-days', '825', '-sha256', '-extfile', 'ext.cnf', '-out', 'localhost.pem'], tmp);
    publish(tmp, files.dir, ['localhost-key.pem', 'localhost.pem']);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A server certificate left over from an earlier CA would be rejected by every client: check the chain. */
function serverCertMatchesCa(files: CaFiles): boolean {
  try {
    execFileSync('openssl', ['verify', '-CAfile', files.caCertPath, files.serverCertPath], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function ensureCa(dir: string = defaultCaDir): CaFiles {
  fs.mkdirSync(dir, { recursive: true });
  const files: CaFiles = {
    dir,
    caCertPath: path.join(dir, 'ca.pem'),
    caKeyPath: path.join(dir, 'ca-key.pem'),
    serverCertPath: path.join(dir, 'localhost.pem'),
    serverKeyPath: path.join(dir, 'localhost-key.pem'),
  };
  if (!fs.existsSync(files.caCertPath) || !fs.existsSync(files.caKeyPath)) {
    fs.rmSync(files.caCertPath, { force: true });
    fs.rmSync(files.caKeyPath, { force: true });
    generateCa(dir);
  }
  if (!fs.existsSync(files.serverCertPath) || !fs.existsSync(files.serverKeyPath) || !serverCertMatchesCa(files)) {
    fs.rmSync(files.serverCertPath, { force: true });
    fs.rmSync(files.serverKeyPath, { force: true });
    generateServerCert(files);
  }
  // Dovecot reads the key as root before dropping privileges, but keep the files private anyway.
  fs.chmodSync(files.caKeyPath, 0o600);
  fs.chmodSync(files.serverKeyPath, 0o600);
  return files;
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : defaultCaDir;
  process.stdout.write(`${ensureCa(dir).caCertPath}${os.EOL}`);
}
