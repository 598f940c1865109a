import { CryptoProvider } from '@azure/msal-node';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import type { Logger } from '../../lib/logger.js';
import { SignedState, STATE_TTL_MS } from '../../lib/signed-state.js';
import { assertStillInAccount, type AccountRole, type HandshakeSubject } from './account-membership.js';
import { bindBrowser, browserBinding } from './browser-binding.js';

export interface IssuedHandshake {
  state: string;
  /** For the provider's id_token `nonce`; also keys the PKCE verifier until the callback. */
  nonce: string;
  /** S256 PKCE challenge for the authorization URL. */
  codeChallenge: string;
}

/** What the provider's redirect back brought, once the state, browser and account have been checked. */
export type RedeemedHandshake<T> = { data: T; nonce: string } & (
  | { outcome: 'code'; code: string; codeVerifier: string }
  /** `description` is the provider's own text: classify by it, never show it as LeadChat's words. */
  | { outcome: 'provider_error'; error: string; description: string }
  | { outcome: 'no_code' }
);

export interface OAuthHandshakeDeps {
  config: Pick<Config, 'SESSION_SECRET' | 'REDIS_PREFIX' | 'FRONTEND_URL'>;
  redis: Redis;
  logger: Logger;
}

/**
 * The one OAuth authorization-code handshake every sign-in uses (a user's mailbox, the shared-inbox
 * wizard, metadata sync). `issue` answers the request that starts a sign-in: a PKCE pair (the verifier
 * stays in Redis), and a signed, 15-minute, single-use state bound to this browser (cookie, see
 * browser-binding.ts). `redeem` takes the provider's redirect back: it refuses (StateError or
 * AppError, status 400: show the callback error page) an altered, expired, replayed or other-browser
 * state, or a starter who no longer holds `role` in the account; otherwise it tells the flow whether
 * it got a code (with the verifier), a provider error, or nothing usable.
 */
export class OAuthHandshake {
  private readonly pkce = new CryptoProvider();
  private readonly signedState: SignedState;

  constructor(private readonly deps: OAuthHandshakeDeps) {
    const { config, redis } = deps;
    this.signedState = new SignedState({ secret: config.SESSION_SECRET, redis, prefix: config.REDIS_PREFIX });
  }

  async issue<T extends HandshakeSubject>(req: Request, res: Response, purpose: string, data: T): Promise<IssuedHandshake> {
    const binding = bindBrowser(req, res, { secure: this.deps.config.FRONTEND_URL.startsWith('https:'), maxAgeMs: STATE_TTL_MS });
    const { verifier, challenge } = await this.pkce.generatePkceCodes();
    const { state, nonce } = this.signedState.issue(purpose, data, binding);
    await this.deps.redis.set(this.verifierKey(nonce), verifier, 'PX', STATE_TTL_MS);
    return { state, nonce, codeChallenge: challenge };
  }

  async redeem<T extends HandshakeSubject>(req: Request, purpose: string, role: AccountRole): Promise<RedeemedHandshake<T>> {
    const query = req.query;
    const { data, nonce } = await this.signedState.verify<T>(purpose, typeof query.state === 'string' ? query.state : '', browserBinding(req));
    const codeVerifier = await this.deps.redis.getdel(this.verifierKey(nonce));
    await assertStillInAccount(data, role);
    if (typeof query.error === 'string' && query.error) {
      const description = typeof query.error_description === 'string' ? query.error_description : '';
      this.deps.logger.info({ purpose, accountId: data.accountId, error: query.error, description }, 'oauth sign-in refused by the provider');
      return { data, nonce, outcome: 'provider_error', error: query.error, description };
    }
    if (typeof query.code !== 'string' || !query.code || !codeVerifier) return { data, nonce, outcome: 'no_code' };
    return { data, nonce, outcome: 'code', code: query.code, codeVerifier };
  }

  private verifierKey(nonce: string): string {
    return `${this.deps.config.REDIS_PREFIX}:oauth-pkce:${nonce}`;
  }
}
