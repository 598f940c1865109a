// Faults switched on through the control API: for requests whose path matches, answer with a given
// status/body/headers (e.g. 429 + Retry-After, 410, 401, 5xx) and/or hold the request for a while,
// a given number of times. Each stand-in mounts the middleware where its own checks have run.
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export interface FaultSpec {
  /** Path prefix, or a regular expression when written as /.../ ; matched against the full request path. */
  path: string;
  method?: string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** How many matching requests it affects (default 1). */
  count?: number;
}

interface Fault extends FaultSpec {
  id: string;
  remaining: number;
  matcher: (path: string) => boolean;
}

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest', 401: 'InvalidAuthenticationToken', 403: 'Forbidden', 404: 'ResourceNotFound', 410: 'syncStateNotFound',
  429: 'TooManyRequests', 500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceNotAvailable', 504: 'GatewayTimeout',
};

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 410: 'GONE',
  429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE',
};

/** Each service's own error envelope, so an injected fault reads like the real one. */
export function defaultFaultBody(path: string, status: number): unknown {
  if (path.startsWith('/google')) {
    return { error: { code: status, message: 'Injected fault', status: GOOGLE_STATUS[status] ?? 'UNKNOWN' } };
  }
  if (path.startsWith('/leadmail')) return { error: { type: 'injected_fault', message: 'Injected fault' } };
  if (path.startsWith('/v1.0')) {
    return { error: { code: STATUS_CODES[status] ?? 'UnknownError', message: 'Injected fault', innerError: { date: new Date().toISOString(), 'request-id': crypto.randomUUID() } } };
  }
  return { error: 'temporarily_unavailable', error_description: `AADSTS50000: Injected fault (${status}).` };
}

function matcherFor(path: string): (p: string) => boolean {
  if (path.length > 2 && path.startsWith('/') && path.endsWith('/')) {
    const re = new RegExp(path.slice(1, -1));
    return (p) => re.test(p);
  }
  return (p) => p.startsWith(path);
}

export class Faults {
  private faults: Fault[] = [];

  add(spec: FaultSpec): string {
    const id = crypto.randomUUID();
    this.faults.push({ ...spec, id, remaining: spec.count ?? 1, matcher: matcherFor(spec.path) });
    return id;
  }

  clear(): void {
    this.faults = [];
  }

  list(): (FaultSpec & { id: string; remaining: number })[] {
    return this.faults.map(({ matcher: _m, ...f }) => f);
  }

  private take(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method) && f.matcher(path));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const path = req.originalUrl.split('?')[0] ?? '';
      const fault = this.take(req.method, path);
      if (!fault) return next();
      const answer = (): void => {
        if (fault.status === undefined) return next();
        res.status(fault.status).set(fault.headers ?? {}).json(fault.body ?? defaultFaultBody(path, fault.status));
      };
      if (fault.delayMs) setTimeout(answer, fault.delayMs);
      else answer();
    };
  }
}
