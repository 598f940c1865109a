import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError } from '../lib/errors.js';
import { currentCorrelationId } from '../lib/logger.js';

/**
 * The one error envelope: `{ error: { code, message, fields?, correlation_id } }`, plus Chatwoot's
 * top-level `message` so its clients show the same text. Unknown errors become a 500 with no detail.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let appError: AppError;
  if (err instanceof AppError) {
    appError = err;
  } else if (err?.type === 'entity.parse.failed') {
    appError = new AppError('Request body is not valid JSON', { status: 400, code: 'bad_request' });
  } else if (err?.type === 'entity.too.large') {
    appError = new AppError('Request body is too large', { status: 413, code: 'payload_too_large' });
  } else {
    appError = new AppError('Something went wrong on our side; it has been logged', { status: 500 });
  }
  const level = appError.status >= 500 ? 'error' : 'info';
  req.log?.[level]({ err: appError.status >= 500 ? err : undefined, status: appError.status, code: appError.code }, appError.message);
  if (res.headersSent) return;
  res.status(appError.status).json({
    message: appError.message,
    error: {
      code: appError.code,
      message: appError.message,
      ...(appError.fields.length ? { fields: appError.fields } : {}),
      correlation_id: currentCorrelationId(),
    },
  });
};

export const apiNotFound: RequestHandler = (req, _res, next) => next(new NotFoundError(`Route ${req.method} ${req.path}`));
