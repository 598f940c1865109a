// Scope strings as Entra v2.0 reads them: OIDC scopes, then permissions of exactly one resource.
import { GRAPH_RESOURCE, OUTLOOK_RESOURCE } from '../world/seed.js';

export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/** Delegated permissions each resource knows; anything else is AADSTS65005/70011 (invalid_scope). */
const DELEGATED: Record<string, Set<string>> = {
  [GRAPH_RESOURCE]: new Set([
    'User.Read', 'User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All',
    'Mail.Read', 'Mail.ReadBasic', 'Mail.ReadWrite', 'Mail.Send',
    'Mail.Read.Shared', 'Mail.ReadWrite.Shared', 'Mail.Send.Shared',
    'Calendars.Read', 'Calendars.ReadBasic', 'Calendars.ReadWrite', 'Calendars.Read.Shared',
  ]),
  [OUTLOOK_RESOURCE]: new Set(['IMAP.AccessAsUser.All', 'SMTP.Send', 'POP.AccessAsUser.All']),
};

/** Application permissions (app roles) Graph knows. */
export const GRAPH_APP_ROLES = new Set(['Mail.Read', 'Mail.ReadBasic.All', 'Mail.ReadWrite', 'Mail.Send', 'Calendars.Read', 'User.Read.All']);

/** Delegated permissions that only an administrator may consent to. */
export const ADMIN_CONSENT_REQUIRED = new Set(['User.Read.All', 'Directory.Read.All']);

export interface ParsedScopes {
  oidc: Set<string>;
  /** null when only OIDC scopes were asked for (Entra then issues a Graph token for User.Read-less sign-in). */
  resource: string | null;
  /** Permission names without the resource prefix; `.default` stays as is. */
  permissions: string[];
}

export class ScopeError extends Error {
  constructor(readonly code: number, message: string) { super(message); }
}

export function parseScopes(raw: string): ParsedScopes {
  const oidc = new Set<string>();
  const permissions: string[] = [];
  let resource: string | null = null;
  for (const scope of raw.split(/\s+/).filter(Boolean)) {
    if (OIDC_SCOPES.has(scope.toLowerCase())) {
      oidc.add(scope.toLowerCase());
      continue;
    }
    const slash = scope.lastIndexOf('/');
    const scopeResource = slash > 0 ? scope.slice(0, slash) : GRAPH_RESOURCE;
    const permission = slash > 0 ? scope.slice(slash + 1) : scope;
    const known = DELEGATED[scopeResource];
    if (!known) throw new ScopeError(500011, `The resource principal named ${scopeResource} was not found in the tenant named sandbox.`);
    if (resource !== null && resource !== scopeResource) {
      throw new ScopeError(28000, 'Provided value for the input parameter scope is not valid because it contains more than one resource.');
    }
    if (permission !== '.default') {
      const match = [...known].find((p) => p.toLowerCase() === permission.toLowerCase());
      if (!match) throw new ScopeError(65005, `The application asked for scope '${scope}' that doesn't exist on the resource ${scopeResource}.`);
      permissions.push(match);
    } else {
      permissions.push('.default');
    }
    resource = scopeResource;
  }
  return { oidc, resource, permissions };
}

export const fullScope = (resource: string, permission: string): string => `${resource}/${permission}`;

/** How Entra echoes scopes in a token response: Graph's by short name, other resources' fully qualified. */
export function responseScope(resource: string, permissions: string[], oidc: Set<string>): string {
  const named = permissions.map((p) => (resource === GRAPH_RESOURCE ? p : fullScope(resource, p)));
  return [...named, ...[...oidc].filter((s) => s !== 'offline_access')].join(' ');
}
