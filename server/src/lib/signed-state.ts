import type { Redis } from 'ioredis';
import { constantTimeEqual, hmacSha256, randomToken, sha256 } from './crypto.js';
import { AppError } from './errors.js';

export type StateFailure = 'tampered' | 'expired' | 'replayed' | 'other_browser';

const MESSAGES: Record<StateFailure, string> = {
  tampered: 'The sign-in link was altered or does not belong to this installation',
  expired: 'The sign-in took longer than 15 minutes; start again',
  replayed: 'This sign-in response was already used; start again',
  other_browser: 'This sign-in was started in another browser or another LeadChat session, so it cannot be finished here',
};

/** Why an OAuth `state` was refused; the callback shows it and creates nothing. */
export class StateError extends AppError {
  readonly reason: StateFailure;
  constructor(reason: StateFailure) {
    super(MESSAGES[reason], { status: 400, code: `state_${reason}` });
    this.reason = reason;
  }
}

export interface VerifiedState<T> {
  data: T;
  /** Unique per state and already consumed: safe to key other single-use data (a PKCE verifier) by it. */
  nonce: string;
}

export interface SignedStateOptions {
  /** The installation's SESSION_SECRET; a purpose-specific key is derived from it. */
  secret: string;
  redis: Redis;
  /** REDIS_PREFIX: consumed nonces live under `<prefix>:oauth-state:`. */
  prefix: string;
  ttlMs?: number;
  now?: () => number;
}

interface Envelope {
  p: string;
  d: unknown;
  iat: number;
  n: string;
  /** SHA-256 of the browser binding: the state is worth nothing without the browser that holds the binding. */
  b: string;
}

/** How long a sign-in may take between the authorization request and the provider's redirect back. */
export const STATE_TTL_MS = 15 * 60_000;

/** Tolerated clock difference between the web processes that issue and verify a state. */
const CLOCK_SKEW_MS = 60_000;

/**
 * OAuth `state` for redirect flows: a JSON payload with issue time and nonce, HMAC-SHA256-signed and
 * base64url-encoded. Valid for 15 minutes and once: the nonce is claimed in Redis (`SET NX` with
 * the remaining lifetime) on verification, so every web process refuses a replay. `purpose` binds a
 * state to one flow (`email_oauth:microsoft`, the overlay's `microsoft_shared`, ...), `binding` to the
 * browser that started it (see api/oauth-handshake/browser-binding.ts). The nonce is claimed before the
 * binding is compared, so a state that reached another browser is dead for its own browser too.
 */
export class SignedState {
  private readonly key: Buffer;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: SignedStateOptions) {
    this.key = hmacSha256(opts.secret, 'leadchat:oauth-state:v1');
    this.ttlMs = opts.ttlMs ?? STATE_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** The state to send, and its nonce (for data the server keeps until the callback, like a PKCE verifier). */
  issue(purpose: string, data: unknown, binding: string): { state: string; nonce: string } {
    const envelope: Envelope = { p: purpose, d: data, iat: this.now(), n: randomToken(18), b: sha256(binding) };
    const body = Buffer.from(JSON.stringify(envelope)).toString('base64url');
    return { state: `${body}.${this.sign(body)}`, nonce: envelope.n };
  }

  /** Checks signature, purpose and age, consumes the nonce, then checks the binding. Throws StateError with the reason. */
  async verify<T>(purpose: string, state: string, binding: string | undefined): Promise<VerifiedState<T>> {
    const [body, signature, extra] = state.split('.');
    if (!body || !signature || extra !== undefined || !constantTimeEqual(signature, this.sign(body))) throw new StateError('tampered');
    let envelope: Envelope;
    try {
      envelope = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Envelope;
    } catch {
      throw new StateError('tampered');
    }
    if (envelope.p !== purpose || typeof envelope.iat !== 'number' || typeof envelope.n !== 'string' || typeof envelope.b !== 'string') throw new StateError('tampered');
    const now = this.now();
    const remaining = envelope.iat + this.ttlMs - now;
    if (envelope.iat > now + CLOCK_SKEW_MS) throw new StateError('tampered');
    if (remaining <= 0) throw new StateError('expired');
    const claimed = await this.opts.redis.set(`${this.opts.prefix}:oauth-state:${envelope.n}`, '1', 'PX', Math.ceil(remaining), 'NX');
    if (claimed !== 'OK') throw new StateError('replayed');
    if (!binding || !constantTimeEqual(envelope.b, sha256(binding))) throw new StateError('other_browser');
    return { data: envelope.d as T, nonce: envelope.n };
  }

  private sign(body: string): string {
    return hmacSha256(this.key, body).toString('base64url');
  }
}
