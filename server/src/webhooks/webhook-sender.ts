import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { WebhookAddressGuard } from './address-guard.js';

/** Chatwoot gives a receiver 5 s; so do we (connect, send and the answer's status line). */
export const WEBHOOK_TIMEOUT_MS = 5_000;

export interface SendResult {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** Retrying cannot help: the address is refused, or the URL is not one we send to. */
  permanent: boolean;
}

/**
 * Chatwoot's signature: `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
 * with the timestamp (unix seconds) in `X-Chatwoot-Timestamp`, so a receiver can refuse replays.
 */
export function signatureHeaders(secret: string, body: string, timestamp: number): Record<string, string> {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { 'X-Chatwoot-Signature': `sha256=${digest}`, 'X-Chatwoot-Timestamp': String(timestamp) };
}

/**
 * POSTs one delivery. The socket's address is checked by the guard's lookup (and a literal address
 * before connecting); redirects are not followed, since a 3xx could point anywhere.
 */
export function sendWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  guard: WebhookAddressGuard,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<SendResult> {
  const started = Date.now();
  const done = (r: Omit<SendResult, 'latencyMs'>): SendResult => ({ ...r, latencyMs: Date.now() - started });
  let target: URL;
  try {
    target = new URL(url);
    guard.checkLiteral(target);
  } catch (err) {
    return Promise.resolve(done({ ok: false, status: null, error: (err as Error).message, permanent: true }));
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'LeadChat-Webhooks', ...headers },
        lookup: guard.lookup(),
        timeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        // The answer's body is not ours to read; draining it frees the socket.
        res.resume();
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        resolve(done({ ok, status, permanent: false, error: ok ? null : status >= 300 && status < 400 ? `answered ${status} (redirects are not followed)` : `answered ${status}` }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (err: Error & { code?: string }) => {
      const refused = err.name === 'WebhookAddressRefused';
      const message = err.name === 'AbortError' || err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : err.message;
      resolve(done({ ok: false, status: null, error: message, permanent: refused }));
    });
    req.end(body);
  });
}
