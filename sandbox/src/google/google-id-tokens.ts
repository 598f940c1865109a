// Google's OpenID Connect side: id_tokens (RS256, issuer = the sandbox origin, as accounts.google.com
// is Google's) and the keys to verify them, for clients that ask for the `openid` scope.
import crypto from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export class GoogleIdTokens {
  private constructor(private readonly privateKey: CryptoKey, readonly jwk: JWK, private readonly issuer: () => string) {}

  static async create(issuer: () => string): Promise<GoogleIdTokens> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = crypto.createHash('sha256').update(JSON.stringify(jwk)).digest('base64url').slice(0, 16);
    return new GoogleIdTokens(privateKey, { ...jwk, kid, use: 'sig', alg: 'RS256' }, issuer);
  }

  sign(claims: { sub: string; email: string; name: string; aud: string; nonce?: string }, lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, email_verified: true })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.jwk.kid })
      .setIssuer(this.issuer())
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.privateKey);
  }

  /** The discovery document served at the origin's `/.well-known/openid-configuration`. */
  discovery(origin: string): Record<string, unknown> {
    return {
      issuer: this.issuer(),
      authorization_endpoint: `${origin}/google/o/oauth2/v2/auth`,
      token_endpoint: `${origin}/google/token`,
      revocation_endpoint: `${origin}/google/revoke`,
      jwks_uri: `${origin}/google/oauth2/v3/certs`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'name', 'nonce', 'sub'],
    };
  }
}
