import { spawn, type ChildProcess } from 'node:child_process';
import type { WorldInfo } from '../sandbox/src/world-info.js';

/**
 * Runs LeadChat for `npm start`. When no real Microsoft app is configured (MICROSOFT_CLIENT_ID unset)
 * the sandbox is started first and the product is pointed at it through the same environment
 * variables a real tenant uses — the product itself never knows it talks to a stand-in.
 */
const children: ChildProcess[] = [];

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { stdio: 'inherit', env });
  children.push(child);
  return child;
}

async function waitForWorld(controlUrl: string, sandbox: ChildProcess): Promise<WorldInfo> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (sandbox.exitCode !== null) throw new Error(`the sandbox exited with code ${sandbox.exitCode}`);
    const res = await fetch(`${controlUrl}/world`).catch(() => undefined);
    if (res?.ok) return (await res.json()) as WorldInfo;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the sandbox did not answer at ${controlUrl} within 30 s`);
}

/** The product's settings for a tenant, LeadMail and Google, filled from the sandbox's world. */
function productEnv(world: WorldInfo): NodeJS.ProcessEnv {
  const app = world.microsoft.apps[0];
  return {
    NODE_EXTRA_CA_CERTS: world.caCertPath,
    MICROSOFT_CLIENT_ID: app.clientId,
    MICROSOFT_CLIENT_SECRET: app.clientSecret,
    MICROSOFT_AUTHORITY: world.microsoft.authority,
    MICROSOFT_GRAPH_BASE_URL: world.microsoft.graphBaseUrl,
    MICROSOFT_IMAP_HOST: world.imap.host,
    MICROSOFT_IMAP_PORT: String(world.imap.tlsPort),
    MICROSOFT_SMTP_HOST: world.smtp.host,
    MICROSOFT_SMTP_PORT: String(world.smtp.port),
    LEADMAIL_BASE_URL: world.leadmail.baseUrl,
    LEADMAIL_API_KEY: world.leadmail.apiKey,
    // The sandbox's LeadMail refuses senders outside its verified domains; an operator's own choice stands.
    MAILER_SENDER_EMAIL: process.env.MAILER_SENDER_EMAIL ?? `LeadChat <notifications@${world.leadmail.verifiedDomains[0]}>`,
    GOOGLE_CLIENT_ID: world.google.clientId,
    GOOGLE_CLIENT_SECRET: world.google.clientSecret,
    GOOGLE_AUTHORIZE_URL: world.google.authorizeUrl,
    GOOGLE_TOKEN_URL: world.google.tokenUrl,
    GOOGLE_GMAIL_BASE_URL: world.google.gmailBaseUrl,
    GOOGLE_CALENDAR_BASE_URL: world.google.calendarBaseUrl,
  };
}

async function main(): Promise<void> {
  let env: NodeJS.ProcessEnv = { ...process.env };
  if (!process.env.MICROSOFT_CLIENT_ID) {
    process.stdout.write('No Microsoft app configured (MICROSOFT_CLIENT_ID): starting the local sandbox in its place.\n');
    const sandbox = start(process.execPath, ['--import', 'tsx', 'sandbox/src/cli.ts'], process.env);
    const world = await waitForWorld(`http://127.0.0.1:${process.env.SANDBOX_CONTROL_PORT ?? 3999}`, sandbox);
    env = { ...env, ...productEnv(world) };
  }
  const app = start(process.execPath, ['--enable-source-maps', 'dist/server/src/main.js'], env);
  app.on('exit', (code) => {
    for (const c of children) if (c !== app && c.exitCode === null) c.kill('SIGTERM');
    process.exitCode = code ?? 1;
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => children.forEach((c) => c.exitCode === null && c.kill(signal)));
}

main().catch((err) => {
  process.stderr.write(`LeadChat could not start: ${(err as Error).message}\n`);
  children.forEach((c) => c.kill('SIGTERM'));
  process.exitCode = 1;
});
