import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from '../../server/src/runtime.js';
import { createAccount, startSecondRuntime, type TestAccount } from './factories.js';
import { clearRedisPrefix } from './runtime.js';

export interface Received {
  /** The path (and query) it was posted to. */
  url: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown> & { event: string; id: number };
}

/** An HTTP receiver on loopback that records every JSON POST and answers what `answerWith` says (200 unless told). */
export async function startReceiver() {
  const received: Received[] = [];
  let answer: (r: Received, n: number) => number = () => 200;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const r = { url: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) };
      received.push(r);
      res.statusCode = answer(r, received.length);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    answerWith(fn: (r: Received, n: number) => number) {
      answer = fn;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A second runtime with its own Redis prefix and job workers, allowed to post to loopback (as an
 * operator would allow an internal service), a receiver, and a fresh account per test — the mocha
 * hooks are registered by the call, inside a `describe`.
 */
export function receivingRuntime(name: string) {
  const h = {} as { rt: Runtime; receiver: Awaited<ReturnType<typeof startReceiver>>; account: TestAccount };
  before(async () => {
    h.rt = await startSecondRuntime({
      REDIS_PREFIX: `leadchat-test-${name}-${randomUUID().slice(0, 8)}`,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32',
      WEBHOOK_RETRY_BASE_MS: '40',
    });
    h.rt.queues.startWorkers();
    h.receiver = await startReceiver();
  });
  after(async () => {
    await h.receiver.close();
    await h.rt.close();
    await clearRedisPrefix(h.rt.config);
  });
  beforeEach(async () => {
    h.account = await createAccount();
    h.receiver.received.length = 0;
    h.receiver.answerWith(() => 200);
  });
  return h;
}
