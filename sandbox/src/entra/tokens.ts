// Signs and verifies the sandbox's JWTs (RS256). Every stand-in that accepts a Microsoft token
// (Graph, Dovecot through the mail-auth hook, SMTP) verifies it here, so they agree on what is valid.
import crypto from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, errors, type JWK, type JWTPayload, type CryptoKey } from 'jose';
import type { World } from '../world/world.js';
import { CONSUMERS_TENANT_ID, type TenantUser } from '../world/seed.js';

export type Principal =
  | { kind: 'delegated'; user: TenantUser; clientId: string; scopes: Set<string>; audience: string }
  | { kind: 'app'; clientId: string; roles: Set<string>; audience: string };

export class TokenError extends Error {
  constructor(readonly reason: 'missing' | 'invalid' | 'expired' | 'audience', message: string) { super(message); }
}

interface AccessTokenInput {
  audience: string;
  clientId: string;
  user?: TenantUser;
  scopes?: string[];
  roles?: string[];
  lifetimeSeconds?: number;
}

export class TokenService {
  private constructor(
    private readonly world: World,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly jwk: JWK,
    private readonly issuerFor: (tenantId: string) => string,
  ) {}

  /** Keys are generated per start: tokens of an earlier run are as dead as after a key rollover. */
  /** `issuerFor(tenantId)`: the v2.0 issuer URL of a tenant (the org tenant, or consumers for personal accounts). */
  static async create(world: World, issuerFor: (tenantId: string) => string): Promise<TokenService> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = crypto.createHash('sha256').update(JSON.stringify(jwk)).digest('base64url').slice(0, 16);
    return new TokenService(world, privateKey, publicKey, { ...jwk, kid, use: 'sig', alg: 'RS256' }, issuerFor);
  }

  get issuer(): string { return this.issuerFor(this.world.tenant.id); }

  /** The tenant a user's tokens name in `tid` (and their issuer). */
  tenantOf(user: TenantUser | undefined): string {
    return user?.personal ? CONSUMERS_TENANT_ID : this.world.tenant.id;
  }

  private sign(payload: JWTPayload, lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...payload, uti: crypto.randomBytes(12).toString('base64url') })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.jwk.kid })
      .setIssuer(this.issuerFor(String(payload.tid ?? this.world.tenant.id)))
      .setIssuedAt(now)
      .setNotBefore(now - 300)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.privateKey);
  }

  issueAccessToken(input: AccessTokenInput): Promise<string> {
    const lifetime = input.lifetimeSeconds ?? this.world.tokenLifetimeSeconds;
    const common = { aud: input.audience, tid: this.tenantOf(input.user), azp: input.clientId, appid: input.clientId, ver: '2.0' };
    if (input.user) {
      return this.sign({
        ...common,
        sub: input.user.id, oid: input.user.id, upn: input.user.upn, preferred_username: input.user.upn,
        unique_name: input.user.upn, name: input.user.displayName, scp: (input.scopes ?? []).join(' '),
      }, lifetime);
    }
    return this.sign({ ...common, sub: input.clientId, oid: input.clientId, idtyp: 'app', roles: input.roles ?? [] }, lifetime);
  }

  issueIdToken(user: TenantUser, clientId: string, nonce: string | undefined): Promise<string> {
    return this.sign({
      aud: clientId, tid: this.tenantOf(user), sub: user.id, oid: user.id, name: user.displayName,
      preferred_username: user.upn, email: user.upn, ver: '2.0', ...(nonce ? { nonce } : {}),
    }, this.world.tokenLifetimeSeconds);
  }

  /** Verifies signature, lifetime and audience, then resolves the caller against the current world. */
  async verify(token: string | undefined, audience: string): Promise<Principal> {
    if (!token) throw new TokenError('missing', 'Access token is empty.');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, { issuer: [this.issuer, this.issuerFor(CONSUMERS_TENANT_ID)], algorithms: ['RS256'] }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new TokenError('expired', 'Lifetime validation failed, the token is expired.');
      throw new TokenError('invalid', 'Access token validation failure. Invalid signature or malformed token.');
    }
    if (payload.aud !== audience) throw new TokenError('audience', 'Invalid audience.');
    const clientId = String(payload.azp ?? '');
    if (payload.idtyp === 'app') {
      return { kind: 'app', clientId, roles: new Set((payload.roles as string[] | undefined) ?? []), audience };
    }
    const user = this.world.findUser(String(payload.oid ?? ''));
    if (!user) throw new TokenError('invalid', 'The user of this token no longer exists.');
    return { kind: 'delegated', user, clientId, scopes: new Set(String(payload.scp ?? '').split(' ').filter(Boolean)), audience };
  }
}
