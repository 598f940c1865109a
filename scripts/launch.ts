import { spawn, type ChildProcess } from 'node:child_process';
import type { WorldInfo } from '../sandbox/src/world-info.js';
import { productEnv } from './product-env.js';

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
