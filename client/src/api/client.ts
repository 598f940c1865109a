/** One small HTTP client for the dashboard: JSON (or multipart) in, JSON out, the session cookie, the CSRF header. */
export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** A failed form submit as messages by field path (`_` holds the message of an error without fields). */
export function formErrors(err: unknown): Record<string, string> {
  const fields = err instanceof ApiError ? err.fields : [];
  return fields.length ? Object.fromEntries(fields.map((f) => [f.path, f.message])) : { _: (err as Error).message };
}

let csrfToken: string | undefined;
let sessionEnded: (() => void) | undefined;

/** What the dashboard does when the server refuses its session (signed out elsewhere, password changed or reset). */
export function onSessionEnded(handler: () => void): void {
  sessionEnded = handler;
}

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const multipart = body instanceof FormData;
  // The browser sets multipart's Content-Type itself, with the boundary.
  if (body !== undefined && !multipart) headers['Content-Type'] = 'application/json';
  if (csrfToken && method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : multipart ? body : JSON.stringify(body),
  });
  const data = res.headers.get('content-type')?.includes('application/json') ? await res.json() : undefined;
  // `/auth/...` answers 401 for a wrong password at sign-in: that is the form's business, not an ended session.
  if (res.status === 401 && !url.startsWith('/auth/')) sessionEnded?.();
  if (!res.ok) throw new ApiError(data?.message ?? res.statusText, res.status, data?.fields);
  return data as T;
}

/** `/api/v1/accounts/:id` + path: every account-scoped module builds its URLs here. */
export const accountUrl = (accountId: number, path: string) => `/api/v1/accounts/${accountId}${path}`;

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
