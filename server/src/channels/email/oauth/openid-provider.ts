import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { OAuthGrantError } from './oauth-client.js';

export interface OpenIdMetadata {
  issuer: string;
  jwks_uri: string;
  [key: string]: unknown;
}

/**
 * An OpenID provider known by its discovery document: metadata fetched once per process, keys from
 * its JWKS (cached and refreshed by jose on an unknown `kid`). Verifies id_tokens: RS256 signature,
 * issuer, audience, lifetime and nonce — msal-node only checks the nonce.
 */
export class OpenIdProvider {
  private metadataPromise?: Promise<OpenIdMetadata>;
  private jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly discoveryUrl: string) {}

  metadata(): Promise<OpenIdMetadata> {
    this.metadataPromise ??= (async () => {
      const res = await fetch(this.discoveryUrl, { signal: AbortSignal.timeout(15_000) });
      if (!res.ok) throw new Error(`OpenID metadata at ${this.discoveryUrl} answered ${res.status}`);
      return (await res.json()) as OpenIdMetadata;
    })();
    // A failed fetch is not remembered: the next sign-in tries again.
    this.metadataPromise.catch(() => (this.metadataPromise = undefined));
    return this.metadataPromise;
  }

  async verifyIdToken(idToken: string, expected: { audience: string; nonce: string }): Promise<JWTPayload> {
    const metadata = await this.metadata();
    this.jwks ??= createRemoteJWKSet(new URL(metadata.jwks_uri));
    // Multi-tenant Entra metadata names the issuer with a `{tenantid}` placeholder: the token's `tid` fills it.
    const tid = (() => {
      try {
        return String(decodeJwt(idToken).tid ?? '');
      } catch {
        return '';
      }
    })();
    try {
      const { payload } = await jwtVerify(idToken, this.jwks, {
        issuer: metadata.issuer.replace('{tenantid}', tid),
        audience: expected.audience,
        algorithms: ['RS256'],
      });
      if (payload.nonce !== expected.nonce) throw new Error('nonce does not match the sign-in request');
      return payload;
    } catch (cause) {
      throw new OAuthGrantError('invalid_id_token', `The identity provider's id_token failed verification: ${(cause as Error).message}`, { cause });
    }
  }
}
