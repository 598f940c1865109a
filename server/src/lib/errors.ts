/**
 * The one error hierarchy. Everything the API reports to a client is an AppError; anything else is
 * rendered as a 500 without its message or stack (see http-errors middleware).
 */
export interface FieldError {
  /** Dotted path of the offending input, e.g. `channel.imap_port`. */
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldError[];

  constructor(message: string, opts: { status?: number; code?: string; fields?: FieldError[]; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.status = opts.status ?? 500;
    this.code = opts.code ?? 'internal_error';
    this.fields = opts.fields ?? [];
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldError[], message?: string) {
    super(message ?? `Validation failed: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, {
      status: 422,
      code: 'validation_failed',
      fields,
    });
  }

  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class NotFoundError extends AppError {
  constructor(resource = 'Resource') {
    super(`${resource} not found`, { status: 404, code: 'not_found' });
  }
}

export class AuthenticationError extends AppError {
  constructor(message = 'You need to sign in or provide a valid api_access_token') {
    super(message, { status: 401, code: 'unauthorized' });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this') {
    super(message, { status: 403, code: 'forbidden' });
  }
}

/** Too many attempts; the caller sets `Retry-After`. */
export class TooManyRequestsError extends AppError {
  constructor(message: string) {
    super(message, { status: 429, code: 'too_many_requests' });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, fields: FieldError[] = []) {
    super(message, { status: 409, code: 'conflict', fields });
  }
}

/** Boot-time misconfiguration: bad env values, duplicate registry ids, a missing overlay. */
export class ConfigError extends AppError {
  readonly problems: string[];
  constructor(problems: string[], heading = 'Invalid configuration') {
    super(`${heading}:\n  - ${problems.join('\n  - ')}`, { status: 500, code: 'config_error' });
    this.problems = problems;
  }
}

/**
 * What a mail provider's failure means for the caller: `transient` (network, 4xx, throttling: retry
 * with backoff), `permanent` (rejected message or recipient: do not retry), `reauth` (credentials no
 * longer work: stop and ask an administrator to reconnect).
 */
export type FailureKind = 'transient' | 'permanent' | 'reauth';

export class DeliveryError extends AppError {
  readonly kind: FailureKind;
  /** From the provider's Retry-After, when it said how long to wait. */
  readonly retryAfterMs?: number;
  constructor(message: string, kind: FailureKind, opts: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, { status: 502, code: `delivery_${kind}`, cause: opts.cause });
    this.kind = kind;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export class MailboxError extends AppError {
  readonly kind: FailureKind;
  constructor(message: string, kind: FailureKind, opts: { cause?: unknown } = {}) {
    super(message, { status: 502, code: `mailbox_${kind}`, cause: opts.cause });
    this.kind = kind;
  }
}
