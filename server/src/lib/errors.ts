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
