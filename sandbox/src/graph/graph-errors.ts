// Graph's error envelope: {"error":{"code","message","innerError":{...}}}.
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly innerError: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const accessDenied = (message = 'Access is denied. Check credentials and try again.'): GraphError =>
  new GraphError(403, 'ErrorAccessDenied', message);

export const badRequest = (message: string, code = 'BadRequest'): GraphError => new GraphError(400, code, message);

export const notFound = (message: string, code = 'ErrorItemNotFound'): GraphError => new GraphError(404, code, message);

export function requestIds(req: Request): { requestId: string; clientRequestId: string } {
  const cached = (req as Request & { graphIds?: { requestId: string; clientRequestId: string } }).graphIds;
  if (cached) return cached;
  const ids = { requestId: crypto.randomUUID(), clientRequestId: req.header('client-request-id') ?? crypto.randomUUID() };
  (req as Request & { graphIds?: typeof ids }).graphIds = ids;
  return ids;
}

export function graphErrorBody(req: Request, err: GraphError): unknown {
  const { requestId, clientRequestId } = requestIds(req);
  return {
    error: {
      code: err.code,
      message: err.message,
      innerError: { ...err.innerError, date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}

export function graphErrorHandler(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const type = (err as { type?: string }).type;
  const graphErr = err instanceof GraphError ? err
    : type === 'entity.parse.failed' ? badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.')
      : type === 'entity.too.large' ? new GraphError(413, 'BadRequest', 'The maximum request length supported is 4MB.')
      : new GraphError(500, 'InternalServerError', (err as Error).message ?? 'Internal error');
  if (graphErr.status >= 500) (req as Request & { log?: { error: (o: unknown, m: string) => void } }).log?.error({ err }, 'graph handler failed');
  res.status(graphErr.status).set(graphErr.headers).json(graphErrorBody(req, graphErr));
}
