import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type LoggerOptions } from 'pino';

/** Correlation context: every log line written while handling a request or a job carries its id. */
const correlation = new AsyncLocalStorage<{ correlationId: string }>();

export function withCorrelation<T>(correlationId: string, fn: () => T): T {
  return correlation.run({ correlationId }, fn);
}

export function currentCorrelationId(): string | undefined {
  return correlation.getStore()?.correlationId;
}

/**
 * Secrets never reach the log: tokens, passwords and auth headers are censored wherever they appear
 * (two levels deep, which covers request headers and provider payloads).
 */
const SECRET_KEYS = [
  'password', 'password_digest', 'imap_password', 'smtp_password', 'access_token', 'refresh_token',
  'id_token', 'accessToken', 'refreshToken', 'idToken', 'client_secret', 'clientSecret', 'token',
  'api_access_token', 'authorization', 'cookie', 'secret', 'clientState', 'client_state', 'code_verifier',
];
// Header spellings Chatwoot clients use (`Api-Access-Token`) and devise-token-auth's headers, both ways.
const SECRET_HEADERS = ['api-access-token', 'access-token'];
const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers["${k.toLowerCase()}"]`]),
  ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `res.headers["${h}"]`]),
];

export function createLogger(opts: { level: string; name?: string; destination?: NodeJS.WritableStream }): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? 'leadchat',
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    mixin() {
      const id = currentCorrelationId();
      return id ? { correlationId: id } : {};
    },
  };
  return opts.destination ? pino(options, opts.destination as never) : pino(options);
}

export type { Logger };

/** Query parameters that carry one-time secrets (OAuth codes, reset tokens) and never reach a log line. */
const SECRET_QUERY_PARAMS = ['code', 'state', 'token', 'reset_password_token', 'api_access_token', 'access_token', 'validationToken'];

/** A request URL fit for logs: path kept, secret query values censored. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of SECRET_QUERY_PARAMS) if (params.has(key)) params.set(key, '[redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** A request's parsed query fit for logs: the same secret values censored as in `loggableUrl`. */
export function loggableQuery(query: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!query) return query;
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, SECRET_QUERY_PARAMS.includes(k) ? '[redacted]' : v]));
}
