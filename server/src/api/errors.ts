import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError } from '../lib/errors.js';
import { currentCorrelationId } from '../lib/logger.js';

/** Statuses whose body is Chatwoot's `{"error": "<message>"}` (authentication, permission, missing record). */
const CHATWOOT_STRING_ERRORS = new Set([401, 403, 404]);

/**
 * The one error body, in Chatwoot's shapes with our details beside them: always `message`, `code`,
 * `correlation_id` (and `fields`, each with its dotted input path, when the input was at fault). On
 * top of that, Chatwoot's keys: `error` is the message for 401, 403 and 404 (`{"error": "..."}` as
 * Chatwoot renders them), otherwise an object repeating code, message, fields and correlation id;
 * an invalid record (422) lists the offending `attributes`, as Rails does. Unknown errors become a
 * 500 with no detail.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let appError: AppError;
  if (err instanceof AppError) {
    appError = err;
  } else if (err?.type === 'entity.parse.failed') {
    appError = new AppError('Request body is not valid JSON', { status: 400, code: 'bad_request' });
  } else if (err?.type === 'entity.too.large') {
    appError = new AppError('Request body is too large', { status: 413, code: 'payload_too_large' });
  } else if (err?.type === 'parameters.too.many') {
    appError = new AppError('Request body has too many parameters', { status: 413, code: 'payload_too_large' });
  } else {
    appError = new AppError('Something went wrong on our side; it has been logged', { status: 500 });
  }
  const level = appError.status >= 500 ? 'error' : 'info';
  req.log?.[level]({ err: appError.status >= 500 ? err : undefined, status: appError.status, code: appError.code }, appError.message);
  if (res.headersSent) return;
  const details = {
    code: appError.code,
    message: appError.message,
    ...(appError.fields.length ? { fields: appError.fields } : {}),
    correlation_id: currentCorrelationId(),
  };
  res.status(appError.status).json({
    ...details,
    error: CHATWOOT_STRING_ERRORS.has(appError.status) ? appError.message : details,
    ...(appError.status === 422 ? { attributes: [...new Set(appError.fields.map((f) => f.path))] } : {}),
  });
};

export const apiNotFound: RequestHandler = (req, _res, next) => next(new NotFoundError(`Route ${req.method} ${req.path}`));
