// Shared set-up for the sandbox tests: a sandbox on free loopback ports in a throw-away runtime
// folder, and a few small clients. HTTPS is trusted only through NODE_EXTRA_CA_CERTS, as in production.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { startSandbox, type RunningSandbox } from '../../sandbox/src/index.js';
import { defaultCaDir, ensureCa } from '../../sandbox/src/ca.js';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** What talking to a sandbox needs: its world (a test's own sandbox, or the one `npm start` started). */
export type SandboxPeer = Pick<RunningSandbox, 'world'>;

export interface TestSandbox extends RunningSandbox {
  runtimeDir: string;
  /** Stops the sandbox and removes its runtime folder. */
  close(): Promise<void>;
}

/** Node reads NODE_EXTRA_CA_CERTS only at start-up; without it every HTTPS call would fail obscurely. */
function assertCaTrusted(): void {
  const expected = ensureCa(defaultCaDir).caCertPath;
  const actual = process.env.NODE_EXTRA_CA_CERTS;
  if (!actual || path.resolve(actual) !== expected) {
    throw new Error(`Sandbox tests need NODE_EXTRA_CA_CERTS=${expected} in the environment of the test process `
      + `(npm test sets it; by hand: npx tsx sandbox/src/ca.ts && NODE_EXTRA_CA_CERTS=${expected} npx mocha ...).`);
  }
}

export async function startTestSandbox(opts: { tokenLifetimeSeconds?: number } = {}): Promise<TestSandbox> {
  assertCaTrusted();
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadchat-sandbox-'));
  const sandbox = await startSandbox({ runtimeDir, tokenLifetimeSeconds: opts.tokenLifetimeSeconds }).catch((err: unknown) => {
    fs.rmSync(runtimeDir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...sandbox,
    runtimeDir,
    async close() {
      await sandbox.stop();
      fs.rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}

export async function controlFetch(sb: SandboxPeer, method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sb.world.controlUrl}${urlPath}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** IMAP client on the sandbox's Dovecot; closes itself after a failed connect (keeps Dovecot quick). */
export async function imapConnect(sb: SandboxPeer, auth: { user: string; accessToken?: string; pass?: string }, tls = false): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: sb.world.imap.host, port: tls ? sb.world.imap.tlsPort : sb.world.imap.port, secure: tls,
    auth: auth.accessToken ? { user: auth.user, accessToken: auth.accessToken } : { user: auth.user, pass: auth.pass ?? '' },
    logger: false, disableAutoIdle: true,
  });
  try {
    await client.connect();
    return client;
  } catch (err) {
    client.close();
    throw err;
  }
}

/** Messages of a folder as {subject, headers} read over IMAP with the mailbox's password or a token. */
export async function folderSubjects(sb: SandboxPeer, auth: { user: string; accessToken?: string; pass?: string }, folder: string): Promise<string[]> {
  const client = await imapConnect(sb, auth);
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      if (!client.mailbox || client.mailbox.exists === 0) return [];
      const out: string[] = [];
      for await (const m of client.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '');
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/** Polls until `fn` returns a truthy value (delivery and notifications are asynchronous). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}

/** A webhook receiver on a free loopback port that answers Graph's validation handshake. */
export async function startWebhook(): Promise<{ url: string; received: { path: string; body: unknown; contentType: string | undefined }[]; validations: { token: string; method: string | undefined; contentType: string | undefined }[]; close(): Promise<void> }> {
  const received: { path: string; body: unknown; contentType: string | undefined }[] = [];
  const validations: { token: string; method: string | undefined; contentType: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const token = url.searchParams.get('validationToken');
      if (token !== null) {
        validations.push({ token, method: req.method, contentType: req.headers['content-type'] });
        if (url.pathname.includes('refuse')) return void res.writeHead(403).end();
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      }
      received.push({ path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString() || 'null'), contentType: req.headers['content-type'] });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, received, validations,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

/**
 * Gina's OAuth code flow with PKCE at the Google stand-in, as the product walks it: the consent form
 * posted with `accept`, then the code exchanged. `params` adds authorization parameters (e.g.
 * `access_type`, `include_granted_scopes`). Returns the token endpoint's answer.
 */
export async function googleCodeFlow(sb: TestSandbox, scope: string, params: Record<string, string> = {}): Promise<Response> {
  const g = sb.world.google;
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const redirect = 'http://localhost:3000/google/callback';
  const extra = Object.entries(params).map(([k, v]) => `&${k}=${encodeURIComponent(v)}`).join('');
  const url = `${g.authorizeUrl}?client_id=${encodeURIComponent(g.clientId)}&redirect_uri=${encodeURIComponent(redirect)}&response_type=code&scope=${encodeURIComponent(scope)}${extra}&code_challenge=${challenge}&code_challenge_method=S256`;
  const page = await (await fetch(url)).text();
  const request = page.match(/name="request" value="([^"]+)"/)?.[1] ?? '';
  const post = await fetch(url, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request, login: 'gina@fabrikam.test', password: 'gina-pass', decision: 'accept' }).toString(),
  });
  const code = new URL(post.headers.get('location') ?? 'http://x').searchParams.get('code') ?? '';
  return fetch(g.tokenUrl, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: g.clientId, client_secret: g.clientSecret, code_verifier: verifier }).toString(),
  });
}
