// Google's error envelope: {"error":{"code","message","errors":[{message,domain,reason}],"status"}}.
import type { NextFunction, Request, Response } from 'express';

export class GoogleError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status: string,
    readonly reason?: string,
    readonly domain = 'global',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function googleErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (!(err instanceof GoogleError)) return next(err);
  res.status(err.code).set(err.headers).json({
    error: { code: err.code, message: err.message, errors: [{ message: err.message, domain: err.domain, reason: err.reason ?? 'unknown' }], status: err.status },
  });
}
