import type { Router } from 'express';
import type { Registries } from '../server/src/extensions/registries.js';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
  slash?: boolean;
}

/** Where each registry mount serves its routers. */
export const MOUNTS: Record<string, string> = {
  account: '/api/v1/accounts/:account_id',
  account_v2: '/api/v2/accounts/:account_id',
  platform: '/platform/api/v1',
  public: '',
};

/** Every `METHOD path` an express router answers, following nested routers. Express `:param` becomes `{param}`. */
export function routesOf(router: unknown, prefix: string): string[] {
  const out: string[] = [];
  for (const layer of (router as { stack: Layer[] }).stack) {
    if (layer.route) {
      for (const p of ([] as string[]).concat(layer.route.path)) {
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) out.push(`${method.toUpperCase()} ${toOpenApi(prefix + p)}`);
      }
    } else if (layer.handle.stack) {
      const mounted = layer.slash || layer.rawPath === undefined ? [''] : ([] as string[]).concat(layer.rawPath);
      for (const p of mounted) out.push(...routesOf(layer.handle, prefix + p));
    }
  }
  return out;
}

export const toOpenApi = (p: string) => (p.length > 1 ? p.replace(/\/$/, '') : p).replace(/:(\w+)/g, '{$1}');

/** The routes of every registered router plus the app's own (sessions, profile, health, `GET /api`). */
export function registeredRoutes(registries: Registries, app: unknown): string[] {
  const registered = registries.routes.list().flatMap((r) => routesOf(r.router as Router, MOUNTS[r.mount]!));
  const own = routesOf((app as { router: unknown }).router, '').filter((r) => /^\w+ (\/auth\/|\/api\/v1\/profile|\/healthz|\/api$)/.test(r));
  return [...new Set([...registered, ...own])].sort();
}
