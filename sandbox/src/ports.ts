// Ports of the sandbox's listeners. 0 means "any free loopback port" (what tests want); the CLI uses
// fixed, non-standard defaults so a developer's .env keeps working across restarts.
import net from 'node:net';

export interface SandboxPorts {
  https: number;
  imap: number;
  imaps: number;
  smtp: number;
  lmtp: number;
  control: number;
}

export const CLI_DEFAULT_PORTS: SandboxPorts = { https: 3443, imap: 3143, imaps: 3993, smtp: 3587, lmtp: 3024, control: 3999 };

export const PORT_ENV: Record<keyof SandboxPorts, string> = {
  https: 'SANDBOX_HTTPS_PORT',
  imap: 'SANDBOX_IMAP_PORT',
  imaps: 'SANDBOX_IMAPS_PORT',
  smtp: 'SANDBOX_SMTP_PORT',
  lmtp: 'SANDBOX_LMTP_PORT',
  control: 'SANDBOX_CONTROL_PORT',
};

export function portsFromEnv(env: NodeJS.ProcessEnv): SandboxPorts {
  const ports = { ...CLI_DEFAULT_PORTS };
  for (const key of Object.keys(PORT_ENV) as (keyof SandboxPorts)[]) {
    const raw = env[PORT_ENV[key]];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${PORT_ENV[key]} must be a port number, got '${raw}'`);
    ports[key] = value;
  }
  return ports;
}

/** A loopback port nothing listens on (the kernel's pick, released again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Dovecot needs its ports written into its config, so "any free port" is resolved up front. */
export async function resolvePorts(requested: Partial<SandboxPorts> = {}): Promise<SandboxPorts> {
  const out = {} as SandboxPorts;
  const taken = new Set<number>();
  for (const key of Object.keys(PORT_ENV) as (keyof SandboxPorts)[]) {
    let port = requested[key] ?? 0;
    if (port === 0) {
      do port = await freePort(); while (taken.has(port));
    }
    taken.add(port);
    out[key] = port;
  }
  return out;
}
