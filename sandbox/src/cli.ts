// `npm run sandbox`: starts the sandbox on fixed loopback ports (SANDBOX_*_PORT to change them),
// prints where everything is and who lives there, and stops Dovecot and the servers on SIGINT/SIGTERM.
import path from 'node:path';
import { pino } from 'pino';
import { startSandbox, defaultRuntimeDir } from './index.js';
import { portsFromEnv } from './ports.js';
import type { WorldInfo } from './world-info.js';

function describe(w: WorldInfo): string {
  const m = w.microsoft;
  const lines = [
    'LeadChat sandbox is up (loopback only).',
    '',
    `  Control API     ${w.controlUrl}   (GET /world for all of this as JSON)`,
    `  CA certificate  ${w.caCertPath}   (start the product with NODE_EXTRA_CA_CERTS=<this>)`,
    `  IMAP            ${w.imap.host}:${w.imap.port}  (IMAPS ${w.imap.tlsPort}; ${w.imap.authMechanisms.join(' ')})`,
    `  SMTP            ${w.smtp.host}:${w.smtp.port}  (STARTTLS; ${w.smtp.authMechanisms.join(' ')})`,
    `  LMTP            ${w.lmtp.host}:${w.lmtp.port}`,
    `  Entra authority ${m.authority}   (msal knownAuthorities: ['${m.authorityHost}'])`,
    `  Graph           ${m.graphBaseUrl}/v1.0   (Graph client baseUrl ${m.graphBaseUrl}, customHosts ['${m.graphHost}'])`,
    `  Admin consent   ${m.adminConsentUrl}?client_id=<app>&redirect_uri=<url>`,
    `  LeadMail        ${w.leadmail.baseUrl}/v1/messages   API key ${w.leadmail.apiKey}`,
    `  Google OAuth    ${w.google.authorizeUrl}  token ${w.google.tokenUrl}`,
    `  Gmail           ${w.google.gmailBaseUrl}   Calendar ${w.google.calendarBaseUrl}`,
    '',
    `  Tenant ${m.tenantDomain} (${m.tenantId})`,
    ...m.apps.map((a) => `  App "${a.displayName}"  client id ${a.clientId}  secret ${a.clientSecret}  app roles via admin consent: ${a.requiredRoles.join(', ')}`),
    ...m.users.map((u) => `  User ${u.upn.padEnd(22)} password ${u.password}${u.isAdmin ? '  (global admin)' : ''}`),
    ...m.sharedMailboxes.map((s) => `  Shared ${s.upn.padEnd(20)} Full Access: ${s.fullAccess.join(', ') || '-'}; Send As: ${s.sendAs.join(', ') || '-'}; copy for Send As: ${s.messageCopyForSentAsEnabled}`),
    ...w.plainMailboxes.map((p) => `  Mailbox ${p.address.padEnd(19)} password ${p.password}  (IMAP/SMTP password login)`),
    `  Google client ${w.google.clientId}  secret ${w.google.clientSecret}`,
    ...w.google.users.map((u) => `  Google user ${u.email}  password ${u.password}`),
    '',
    'Ctrl-C stops everything.',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const logger = pino({ name: 'sandbox', level: process.env.SANDBOX_LOG_LEVEL ?? 'info' });
  const sandbox = await startSandbox({
    ports: portsFromEnv(process.env),
    runtimeDir: process.env.SANDBOX_RUNTIME_DIR ? path.resolve(process.env.SANDBOX_RUNTIME_DIR) : defaultRuntimeDir,
    caDir: process.env.SANDBOX_CA_DIR ? path.resolve(process.env.SANDBOX_CA_DIR) : undefined,
    tokenLifetimeSeconds: process.env.SANDBOX_TOKEN_LIFETIME_SECONDS ? Number(process.env.SANDBOX_TOKEN_LIFETIME_SECONDS) : undefined,
    logger,
  });
  process.stdout.write(`${describe(sandbox.world)}\n`);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping sandbox');
    sandbox.stop().then(() => process.exit(0), (err: Error) => {
      logger.error({ err }, 'sandbox did not stop cleanly');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`sandbox failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
